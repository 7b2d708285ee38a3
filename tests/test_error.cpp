#include <allquiet/webhook/error.hpp>

#include <boost/test/unit_test.hpp>

#include <set>

BOOST_AUTO_TEST_SUITE(test_error)

namespace aq = allquiet::webhook;

BOOST_AUTO_TEST_CASE(codes_convert_to_error_code_in_the_sdk_category) {
    boost::system::error_code ec = aq::error::wrong_type;
    BOOST_TEST(ec.category().name() == std::string("allquiet.webhook"));
    BOOST_TEST(ec == aq::error::wrong_type);
    BOOST_TEST(ec != aq::error::syntax);
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(every_code_has_its_own_message) {
    std::set<std::string> messages;
    constexpr auto last = aq::error::no_success_answer;
    for (int code = static_cast<int>(aq::error::syntax); code <= static_cast<int>(last); ++code)
        messages.insert(aq::make_error_code(static_cast<aq::error>(code)).message());
    BOOST_TEST(messages.size() == static_cast<std::size_t>(last));
    BOOST_TEST(messages.count("unknown allquiet.webhook error") == 0u);
}

BOOST_AUTO_TEST_CASE(message_joins_pointer_code_and_detail) {
    aq::input_error e{aq::error::wrong_type, "/events/0/severity", "expected a string, got number"};
    BOOST_TEST(e.message() == "/events/0/severity: wrong JSON type (expected a string, got number)");
    aq::input_error bare{aq::error::empty_patch, "", ""};
    BOOST_TEST(bare.message() == "patch has no operation");
}

BOOST_AUTO_TEST_CASE(value_of_a_failed_result_throws_input_exception) {
    aq::result<int> failed = aq::input_error{aq::error::missing_member, "/url", ""};
    try {
        (void)failed.value();
        BOOST_FAIL("value() did not throw");
    } catch (const aq::input_exception& e) {
        BOOST_TEST(std::string(e.what()) == "/url: required member missing");
        BOOST_TEST(e.code() == aq::error::missing_member);
        BOOST_TEST(e.error().pointer == "/url");
    }
}

BOOST_AUTO_TEST_SUITE_END()
