#include <allquiet/webhook/timestamp.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(test_timestamp)

namespace aq = allquiet::webhook;
using namespace std::chrono;

BOOST_AUTO_TEST_CASE(parses_the_service_format_and_keeps_the_text) {
    auto t = aq::timestamp::parse("2023-12-17T11:51:08.844Z").value();
    BOOST_TEST(t.text() == "2023-12-17T11:51:08.844Z");
    const aq::time_point expected = sys_days{2023y / December / 17} + 11h + 51min + 8s + 844ms;
    BOOST_TEST((t.instant() == expected));
}

BOOST_AUTO_TEST_CASE(offsets_and_long_fractions_name_the_same_instant) {
    auto utc = aq::timestamp::parse("2023-12-17T11:51:08.844Z").value();
    BOOST_TEST((aq::timestamp::parse("2023-12-17T12:51:08.8440000+01:00").value() == utc));
    BOOST_TEST((aq::timestamp::parse("2023-12-17T10:21:08.844-01:30").value() == utc));
    BOOST_TEST((aq::timestamp::parse("2023-12-17t11:51:08.844z").value() == utc));
    auto nanos = aq::timestamp::parse("2023-12-17T11:51:08.123456789Z").value();
    BOOST_TEST((nanos.instant().time_since_epoch() % 1s == 123456789ns));
    BOOST_TEST(aq::timestamp::parse("2023-12-17T11:51:08Z").has_value());
}

BOOST_AUTO_TEST_CASE(formats_utc_milliseconds) {
    const aq::time_point t = sys_days{2026y / November / 27} + 3h + 4min + 5s + 6ms + 700us;
    BOOST_TEST(aq::timestamp(t).text() == "2026-11-27T03:04:05.006Z");
    BOOST_TEST(aq::timestamp(aq::time_point{}).text() == "1970-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(orders_by_instant) {
    auto a = aq::timestamp::parse("2026-01-01T00:00:00Z").value();
    auto b = aq::timestamp::parse("2026-01-01T00:00:00.001Z").value();
    BOOST_TEST((a < b));
    BOOST_TEST(!(b < a));
}

BOOST_AUTO_TEST_CASE(rejects_what_is_not_rfc3339) {
    for (const char* bad :
         {"", "2023-12-17", "2023-12-17T11:51:08", "2023-12-17 11:51:08Z", "2023-13-17T11:51:08Z",
          "2023-02-30T11:51:08Z", "2023-12-17T24:00:00Z", "2023-12-17T11:60:00Z", "2023-12-17T11:51:60Z",
          "2023-12-17T11:51:08.Z", "2023-12-17T11:51:08.844", "2023-12-17T11:51:08.844+0100",
          "2023-12-17T11:51:08.844Zjunk", "x023-12-17T11:51:08Z", "1702813868"}) {
        auto r = aq::timestamp::parse(bad);
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST_REQUIRE(r.has_error());
            BOOST_TEST(r.error().code == aq::error::malformed_timestamp);
        }
    }
    BOOST_TEST(aq::timestamp::parse("2024-02-29T00:00:00Z").has_value()); // leap year
}

// Found by fuzz_incident, fuzz_patch and fuzz_signature: years past the range of a nanosecond
// time_point overflowed while converting.
BOOST_AUTO_TEST_CASE(years_outside_the_representable_range_are_refused) {
    for (const char* bad : {"3774-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z",
                            "1677-12-31T23:59:59Z", "2262-01-01T00:00:00Z"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(aq::timestamp::parse(bad).error().code == aq::error::malformed_timestamp);
        }
    }
    BOOST_TEST(aq::timestamp::parse("1678-01-01T00:00:00+23:59").has_value());
    BOOST_TEST(aq::timestamp::parse("2261-12-31T23:59:59.999999999-23:59").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
