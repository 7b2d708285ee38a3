// The mock receiver's samples: its configuration built in C++, expectations and strict mode.
#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/testing/boost_test.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>

BOOST_AUTO_TEST_SUITE(receiver_snippets)

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

/// The configuration of docs/receiver.md, as its JSON document there says it (test_mock_rules
/// checks that the two agree).
aq::mock_config configuration_example() {
    // [doc:mock_config_builder]
    auto config = aq::mock_config()
        .secret("dev-secret")
        .signing_methods(aq::accepted_methods::any)
        .tolerance(std::chrono::seconds(300))
        .policy(aq::verification_policy::enforce)
        .rule(aq::mock_rule("resolve critical")
                  .when(aq::request_match()
                            .post()
                            .path("/hooks/*")
                            .header("X-Team", "storage")
                            .json("/events/0/severity", "Critical")
                            .verified())
                  .respond(aq::mock_response(200)
                               .header("X-Handled-By", "aqhook")
                               .patch(aq::patch().resolve())
                               .delay(std::chrono::milliseconds(0))))
        .rule(aq::mock_rule("flaky")
                  .when(aq::request_match().path("/flaky"))
                  .respond(aq::mock_response(500))
                  .respond(aq::mock_response(200)))
        .otherwise(aq::mock_response(200));
    aq::mock_receiver receiver(config); // or later: receiver.set_config(config)
    // [/doc:mock_config_builder]
    BOOST_TEST(!receiver.set_config(config));
    return config;
}

BOOST_AUTO_TEST_CASE(the_builder_example_starts_a_receiver) {
    const auto config = configuration_example();
    BOOST_TEST(config.rules().size() == 2u);
    BOOST_TEST(config.rules()[1].responses().size() == 2u);
}

namespace {

/// Stands for the code under test: sends an incident's title to a webhook, signed.
void send_title(const std::string& url, const std::string& title, const std::string& secret) {
    aq::request_description request;
    request.method = "POST";
    request.url = url;
    request.body.kind = aq::body_kind::json;
    request.body.json = boost::json::object{{"title", title}};
    aq::delivery_options options;
    options.signing_method = aq::signing_method::allquiet;
    options.secret = secret;
    options.timeout = 10s;
    aq::deliver(request, options);
}

} // namespace

BOOST_AUTO_TEST_CASE(expectations) {
    aq::mock_receiver receiver(aq::mock_config().secret("test-secret"));
    send_title(receiver.url() + "/hooks/aq", "Disk full", "test-secret");
    send_title(receiver.url() + "/hooks/aq", "CPU high", "test-secret");
    // [doc:expectations]
    const auto disk_full = aq::request_match().post().path("/hooks/*").verified().json("/title", "Disk full");
    BOOST_TEST(aq::boost_test::met(receiver.expect(aq::exactly(1), disk_full))); // waits up to 5 s

    const auto twice = receiver.expect(aq::exactly(2), disk_full, 100ms);
    BOOST_TEST(!twice);
    BOOST_TEST(twice.report() ==
               "expected exactly 2: POST /hooks/* with JSON /title = \"Disk full\", verified\n"
               "matched 1 of the 2 deliveries received after waiting 100 ms\n"
               "the nearest that did not match:\n"
               "  #2 POST /hooks/aq\n"
               "    JSON /title: expected \"Disk full\", got \"CPU high\"\n");
    // [/doc:expectations]
}

BOOST_AUTO_TEST_CASE(strict_mode) {
    // [doc:strict_mode]
    aq::mock_receiver_options options;
    options.strict = true; // at destruction, every delivery must have matched a rule, and every rule one
    options.strict_reporter = aq::boost_test::strict_reporter(); // fails the test with the report
    aq::mock_receiver receiver(aq::mock_config().secret("test-secret").rule(
                                   aq::mock_rule("resolve")
                                       .when(aq::request_match().path("/hooks/*"))
                                       .respond(aq::mock_response().patch(aq::patch().resolve()))),
                               options);
    send_title(receiver.url() + "/hooks/aq", "Disk full", "test-secret");
    BOOST_TEST(aq::boost_test::met(receiver.unmatched())); // the same verdict, before the end
    // [/doc:strict_mode]
}

BOOST_AUTO_TEST_SUITE_END()
