// The example programs, run as a user runs them: their output, their answers over HTTP, their
// errors.
#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook.hpp>
#include <allquiet/webhook/delivery.hpp>

#include <cstdlib>

BOOST_AUTO_TEST_SUITE(test_examples)

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::run_process;

namespace {

const std::string sample_incident = std::string(ALLQUIET_TEST_DATA_DIR) + "/sample-incident.json";
const std::string secret = "example-secret";

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// Delivers `body` (the sample incident by default) to `url`, signed with `key` by `method`.
aq::delivery deliver_signed(const std::string& url, const std::string& key,
                            aq::signing_method method = aq::signing_method::allquiet,
                            std::string body = test_support::read_data_file("sample-incident.json")) {
    aq::request_description request;
    request.method = "POST";
    request.url = url;
    request.body.kind = aq::body_kind::text;
    request.body.text = std::move(body);
    request.headers = {{"Content-Type", "application/json"}};
    request.enable_incident_updates = true;
    aq::delivery_options options;
    options.signing_method = method;
    options.secret = key;
    options.timeout = 5s;
    return aq::deliver(request, options);
}

/// Starts an example receiver on a free port with the signing secret in its environment.
struct example_receiver {
    explicit example_receiver(const std::string& program)
        : process(
              (setenv("ALLQUIET_WEBHOOK_SECRET", secret.c_str(), 1), std::vector<std::string>{program, "0"})),
          url(base_url(process.read_line())) {}

    static std::string base_url(const std::string& first_line) {
        return "http://127.0.0.1:" + std::to_string(test_support::listening_port(first_line));
    }

    child_process process;
    std::string url;
};

} // namespace

BOOST_AUTO_TEST_CASE(inspect_incident_summarises_the_sample) {
    const auto run = run_process({EXAMPLE_INSPECT_INCIDENT, sample_incident});
    BOOST_TEST(run.exit_code == 0, run.err);
    BOOST_TEST(contains(run.out, "RAM above 60%"), run.out);
    BOOST_TEST(contains(run.out, "after a resolve patch: Resolved"), run.out);
    const auto bad = run_process({EXAMPLE_INSPECT_INCIDENT}, R"({"events": 3})");
    BOOST_TEST(bad.exit_code == 2);
    BOOST_TEST(contains(bad.err, "not an incident: /events"), bad.err);
}

BOOST_AUTO_TEST_CASE(build_patches_builds_applies_and_refuses) {
    const auto run = run_process({EXAMPLE_BUILD_PATCHES, sample_incident});
    BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
    const auto answer_line = run.out.substr(0, run.out.find('\n'));
    BOOST_TEST_REQUIRE(answer_line.rfind("answer: ", 0) == 0u, run.out);
    const auto answer = aq::parse_patch(answer_line.substr(8)).value(); // the printed answer is a valid patch
    BOOST_TEST((answer.operations.append_intent->intent == aq::intent::resolved));
    BOOST_TEST((answer.operations.change_severity->severity == aq::severity::minor));
    const auto sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();
    BOOST_TEST(contains(run.out, "status Resolved, severity Minor, " +
                                     std::to_string(sample.events.size() + 1) + " events"),
               run.out);
    BOOST_TEST(contains(run.out, "  Ticket = OPS-1234\n"));
    BOOST_TEST(contains(run.out, "refused: /operations/upsertAttributes/attributes/0/name"), run.out);
    BOOST_TEST(contains(run.out, "refused: /operations/appendIntent/intent"), run.out);
    BOOST_TEST(run_process({EXAMPLE_BUILD_PATCHES}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(render_template_prints_the_request_that_would_go_out) {
    const auto run = run_process({EXAMPLE_RENDER_TEMPLATE, sample_incident});
    BOOST_TEST_REQUIRE(run.exit_code == 0, run.err);
    const auto sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();
    BOOST_TEST(contains(run.out, "POST /hooks/" + *sample.integration.id + " HTTP/1.1\n"), run.out);
    BOOST_TEST(contains(run.out, "Host: chat.example.com\n"), run.out);
    BOOST_TEST(contains(run.out, "X-Severity: " + sample.current_severity()->text() + "\n"), run.out);
    BOOST_TEST(contains(run.out, "Content-Type: application/json"), run.out);
    BOOST_TEST(
        contains(run.out, R"("text":")" + sample.current_status()->text() + ": " + *sample.title + "\""),
        run.out);
    BOOST_TEST(run_process({EXAMPLE_RENDER_TEMPLATE, "/nonexistent"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(beast_receiver_resolves_signed_deliveries_and_refuses_others) {
    example_receiver receiver(EXAMPLE_BEAST_RECEIVER);
    for (auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        const auto sent = deliver_signed(receiver.url + "/hooks/aq", secret, method);
        BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
        const auto sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();
        aq::apply_options options;
        options.enforce_allowed_intents = false;
        const auto resolved = aq::apply_delivery(sample, sent, options).value();
        BOOST_TEST((resolved.current_status() == aq::status::resolved));
        BOOST_TEST(resolved.find_attribute("Receiver")->value.value_or("") == "beast_receiver");
    }
    const auto forged = deliver_signed(receiver.url + "/hooks/aq", "not-the-secret");
    BOOST_TEST_REQUIRE(forged.response.has_value(), forged.error_detail);
    BOOST_TEST(forged.response->status == 401u);
    BOOST_TEST(forged.response->body == R"({"error":"signature not valid"})"); // the reason is not told

    const auto refused = deliver_signed(receiver.url + "/hooks/aq", secret, aq::signing_method::allquiet,
                                        R"({"events": "none"})");
    BOOST_TEST_REQUIRE(refused.response.has_value(), refused.error_detail);
    BOOST_TEST(refused.response->status == 400u);
    BOOST_TEST(contains(refused.response->body, "not an incident: /events"), refused.response->body);
    receiver.process.signal(SIGTERM);
    receiver.process.wait();
    BOOST_TEST(contains(receiver.process.error_output(), "refused a delivery: signature mismatch"));
}

BOOST_AUTO_TEST_CASE(httplib_receiver_verifies_inside_another_http_library) {
    example_receiver receiver(EXAMPLE_HTTPLIB_RECEIVER);
    const auto sent = deliver_signed(receiver.url + "/hooks/allquiet", secret, aq::signing_method::aws);
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST(sent.response->status == 204u);
    BOOST_TEST(sent.response->body.empty());
    const auto forged = deliver_signed(receiver.url + "/hooks/allquiet", "not-the-secret");
    BOOST_TEST_REQUIRE(forged.response.has_value(), forged.error_detail);
    BOOST_TEST(forged.response->status == 401u);
    BOOST_TEST(!contains(forged.response->body, "mismatch")); // the reason is logged, not told
    receiver.process.signal(SIGTERM);
    receiver.process.wait();
    BOOST_TEST(contains(receiver.process.error_output(), "refused a delivery: signature mismatch"));
}

BOOST_AUTO_TEST_CASE(receivers_refuse_to_start_without_a_secret) {
    unsetenv("ALLQUIET_WEBHOOK_SECRET");
    for (const char* program : {EXAMPLE_BEAST_RECEIVER, EXAMPLE_HTTPLIB_RECEIVER}) {
        const auto run = run_process({program, "0"});
        BOOST_TEST(run.exit_code == 2);
        BOOST_TEST(contains(run.err, "set ALLQUIET_WEBHOOK_SECRET"), run.err);
    }
}

BOOST_AUTO_TEST_SUITE_END()
