// A Boost.Test suite that tests a sender (here the SDK's own `deliver`, standing in for the code
// under test) against the mock receiver, started in the test process on a free port.
//
//     build/examples/mock_receiver_test      (or: meson test -C build mock_receiver_example)
#define BOOST_TEST_MODULE mock_receiver_example
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/mock_receiver.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

namespace {

/// The code under test: sends an incident's summary to a webhook, signed.
aq::delivery send_summary(const std::string& url, const std::string& title, const std::string& secret) {
    aq::request_description request;
    request.method = "POST";
    request.url = url;
    request.body.kind = aq::body_kind::json;
    request.body.json = boost::json::object{{"title", title}};
    request.enable_incident_updates = true;
    aq::delivery_options options;
    options.signing_method = aq::signing_method::allquiet;
    options.secret = secret;
    options.timeout = 5s;
    return aq::deliver(request, options);
}

} // namespace

// [doc:mock_receiver_test]
BOOST_AUTO_TEST_CASE(a_signed_delivery_is_verified_journaled_and_answered) {
    aq::mock_receiver receiver(aq::mock_config().secret("test-secret").rule(
        aq::mock_rule("resolve")
            .when(aq::request_match().path("/hooks/*"))
            .respond(aq::mock_response().patch(aq::patch().resolve()))));

    const aq::delivery sent = send_summary(receiver.url() + "/hooks/aq", "Disk full", "test-secret");
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST_REQUIRE(sent.patch->has_value()); // the answer, read as an incident patch
    BOOST_TEST((sent.patch->value().operations.append_intent->intent == aq::intent::resolved));

    const auto entries = receiver.wait_for(1, 5s); // waits for deliveries, no sleeping
    BOOST_TEST_REQUIRE(entries.has_value());
    const aq::journal_entry& entry = entries->front(); // newest first
    BOOST_TEST(entry.verification.status() == aq::verification_status::valid);
    BOOST_TEST(entry.rule.value_or("") == "resolve");
    BOOST_TEST(entry.body == R"({"title":"Disk full"})");
}
// [/doc:mock_receiver_test]

BOOST_AUTO_TEST_CASE(a_wrong_secret_is_refused_and_journaled_as_invalid) {
    aq::mock_receiver receiver(R"({"secrets": ["test-secret"]})");
    const aq::delivery sent = send_summary(receiver.url() + "/hooks/aq", "Disk full", "wrong-secret");
    BOOST_TEST_REQUIRE(sent.response.has_value());
    BOOST_TEST(sent.response->status == 401u);
    const auto entries = receiver.wait_for(1, 5s);
    BOOST_TEST_REQUIRE(entries.has_value());
    BOOST_TEST(entries->front().verification.status() == aq::verification_status::invalid);
    BOOST_TEST(entries->front().verification.error == aq::error::signature_mismatch);
}

BOOST_AUTO_TEST_CASE(a_failing_receiver_is_configured_at_run_time) {
    aq::mock_receiver receiver;
    BOOST_TEST(!receiver.set_config(aq::mock_config().otherwise(aq::mock_response(503)))); // nothing wrong
    const aq::delivery sent = send_summary(receiver.url() + "/x", "t", "s");
    BOOST_TEST(!sent.succeeded());
    BOOST_TEST(sent.response->status == 503u);
    const auto problem = receiver.set_config(R"({"default": {"status": "teapot"}})"); // or as JSON
    BOOST_TEST_REQUIRE(problem.has_value()); // refused, and the old configuration stays
    BOOST_TEST(problem->pointer == "/default/status");
}
