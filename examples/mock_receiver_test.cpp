// A Boost.Test suite that tests a sender (`send_summary`, standing in for the code under test)
// against the mock receiver, started in the test process on a free port: rules written in C++,
// expectations that print what arrived instead when they fail, strict mode and a scenario.
//
//     build/examples/mock_receiver_test      (or: meson test -C build mock_receiver_example)
#define BOOST_TEST_MODULE mock_receiver_example
#include "summary_sender.hpp"

#include <allquiet/webhook.hpp>
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/testing/boost_test.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

namespace {

/// A receiver that fails the test when a delivery matched no rule or a rule matched nothing.
aq::mock_receiver strict_receiver(aq::mock_config config) {
    aq::mock_receiver_options options;
    options.strict = true;
    options.strict_reporter = aq::boost_test::strict_reporter();
    return aq::mock_receiver(std::move(config), std::move(options));
}

} // namespace

// [doc:mock_receiver_test]
BOOST_AUTO_TEST_CASE(a_signed_delivery_is_verified_journaled_and_answered) {
    auto receiver = strict_receiver(aq::mock_config().secret("test-secret").rule(
        aq::mock_rule("resolve")
            .when(aq::request_match().post().path("/hooks/*"))
            .respond(aq::mock_response().patch(aq::patch().resolve("fixed by the runbook")))));

    const aq::delivery sent = send_summary(receiver.url() + "/hooks/aq", "Disk full", "test-secret");
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST_REQUIRE(sent.patch->has_value()); // the answer, read as an incident patch
    BOOST_TEST((sent.patch->value().operations.append_intent->intent == aq::intent::resolved));

    // Waits for the delivery, without sleeping; when it fails, the report shows the nearest
    // deliveries that arrived and what differed in each.
    BOOST_TEST(aq::boost_test::met(receiver.expect(
        aq::exactly(1), aq::request_match().post().path("/hooks/aq").verified().json("/title", "Disk full"))));
}
// [/doc:mock_receiver_test]

BOOST_AUTO_TEST_CASE(a_wrong_secret_is_refused_and_journaled_as_invalid) {
    aq::mock_receiver receiver(aq::mock_config().secret("test-secret"));
    const aq::delivery sent = send_summary(receiver.url() + "/hooks/aq", "Disk full", "wrong-secret");
    BOOST_TEST_REQUIRE(sent.response.has_value());
    BOOST_TEST(sent.response->status == 401u);

    const auto invalid = aq::request_match().verification(aq::verification_status::invalid);
    BOOST_TEST(aq::boost_test::met(receiver.expect(aq::exactly(1), invalid)));
    const aq::journal_entry entry = receiver.journal().front(); // newest first
    BOOST_TEST(entry.verification.error == aq::error::signature_mismatch);
    BOOST_TEST(entry.response.status.value_or(0) == 401u);
}

// [doc:mock_receiver_scenario]
BOOST_AUTO_TEST_CASE(a_retry_gets_the_patch_after_a_failure) {
    auto receiver = strict_receiver(
        aq::mock_config()
            .secret("test-secret")
            .rule(aq::mock_rule("first try fails")
                      .in_scenario("retry")
                      .when_state(aq::scenario_start)
                      .set_state("failed once")
                      .respond(aq::mock_response(503)))
            .rule(aq::mock_rule("retry resolves")
                      .in_scenario("retry")
                      .when_state("failed once")
                      .set_state("resolved")
                      .respond(aq::mock_response().patch(aq::patch().resolve())))
            .rule(aq::mock_rule("later ones pass")
                      .in_scenario("retry")
                      .when_state("resolved")
                      .respond(aq::mock_response(204))));

    const auto url = receiver.url() + "/hooks/aq";
    BOOST_TEST(send_summary(url, "Disk full", "test-secret").response->status == 503u);
    BOOST_TEST(send_summary(url, "Disk full", "test-secret").patch->has_value());
    BOOST_TEST(receiver.scenario_state("retry").value_or("") == "resolved");
    BOOST_TEST(send_summary(url, "Disk full", "test-secret").response->status == 204u);
    BOOST_TEST(send_summary(url, "Disk full", "test-secret").response->status == 204u);
}
// [/doc:mock_receiver_scenario]

BOOST_AUTO_TEST_CASE(a_failing_receiver_is_configured_at_run_time) {
    aq::mock_receiver receiver;
    BOOST_TEST(!receiver.set_config(aq::mock_config().otherwise(aq::mock_response(503)))); // nothing wrong
    const aq::delivery sent = send_summary(receiver.url() + "/x", "t", "s");
    BOOST_TEST(!sent.succeeded());
    BOOST_TEST(sent.response->status == 503u);

    // What the types cannot rule out is refused when loaded, and the old configuration stays.
    const auto problem = receiver.set_config(aq::mock_config().otherwise(aq::mock_response(99)));
    BOOST_TEST_REQUIRE(problem.has_value());
    BOOST_TEST(problem->pointer == "/default/status");
    BOOST_TEST(send_summary(receiver.url() + "/x", "t", "s").response->status == 503u);
}
