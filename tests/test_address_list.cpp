#include <allquiet/webhook/address_list.hpp>

#include "test_support.hpp"

BOOST_AUTO_TEST_SUITE(test_address_list)

namespace aq = allquiet::webhook;
using aq::error;

BOOST_AUTO_TEST_CASE(single_addresses_and_ranges_of_both_families) {
    const auto list =
        aq::parse_address_list(
            R"({"ips": ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32", "2001:db8:ffff::1", "10.0.0.1/8"]})")
            .value();
    BOOST_TEST(list.ranges.size() == 5u);
    BOOST_TEST(list.contains("203.0.113.7"));
    BOOST_TEST(!list.contains("203.0.113.8"));
    BOOST_TEST(list.contains("198.51.100.0"));
    BOOST_TEST(list.contains("198.51.100.255"));
    BOOST_TEST(!list.contains("198.51.101.0"));
    BOOST_TEST(list.contains("2001:db8:1234::5"));
    BOOST_TEST(list.contains("2001:DB8::"));
    BOOST_TEST(!list.contains("2001:db9::1"));
    BOOST_TEST(list.contains("10.200.3.4")); // host bits in the entry are ignored
    BOOST_TEST(!list.contains("11.0.0.1"));
    BOOST_TEST(!list.contains("not an address"));
    BOOST_TEST(!list.contains(""));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_peers_match_ipv4_entries) {
    const auto list = aq::parse_address_list(R"({"ips": ["192.0.2.0/28"]})").value();
    BOOST_TEST(list.contains("::ffff:192.0.2.5"));
    BOOST_TEST(!list.contains("::ffff:192.0.2.16"));
}

BOOST_AUTO_TEST_CASE(prefix_edges) {
    BOOST_TEST(aq::address_range::parse("0.0.0.0/0")->contains("255.255.255.255"));
    BOOST_TEST(aq::address_range::parse("::/0")->contains("2001:db8::1"));
    BOOST_TEST(aq::address_range::parse("192.0.2.1/32")->contains("192.0.2.1"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.1/32")->contains("192.0.2.0"));
    BOOST_TEST(aq::address_range::parse("192.0.2.128/25")->contains("192.0.2.200"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.128/25")->contains("192.0.2.100"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.0/24")->contains("192.0.2.0/24")); // a range is no address
}

BOOST_AUTO_TEST_CASE(null_is_an_empty_list) {
    BOOST_TEST(aq::parse_address_list(R"({"ips": null})").value().ranges.empty());
}

BOOST_AUTO_TEST_CASE(bad_lists_name_the_entry) {
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["203.0.113.7", "example.com"]})"),
                     error::malformed_address, "/ips/1");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["203.0.113.0/33"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["2001:db8::/129"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["10.0.0.0/"]})"), error::malformed_address, "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["10.0.0.0/8x"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": [7]})"), error::wrong_type, "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": "203.0.113.7"})"), error::wrong_type, "/ips");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"addresses": []})"), error::missing_member, "/ips");
    CHECK_FAILS_WITH(aq::parse_address_list(R"(["203.0.113.7"])"), error::wrong_type, "");
    CHECK_FAILS_WITH(aq::parse_address_list("{"), error::syntax, "");
}

BOOST_AUTO_TEST_SUITE_END()
