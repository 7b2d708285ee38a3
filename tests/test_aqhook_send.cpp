// aqhook send, replay and apply against the mock receiver, run as a user runs them.
#include "process.hpp"
#include "streaming_server.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

#include <boost/json/parse.hpp>

#include <fstream>

BOOST_AUTO_TEST_SUITE(test_aqhook_send)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::run_process;

namespace {

const std::string aqhook = AQHOOK_PATH;

const std::string request_template =
    test_support::write_temp_file("send-template.hbs", R"({"method": "POST", "url": "http://example.invalid/",
  "enableIncidentUpdates": true,
  "body": {"json": {"id": "{{id}}", "intent": "{{events.[0].modification.intent}}", "count": {{eventsTotalCount}} } } })");

const char* receiver_config = R"({"secrets": ["dev-secret"], "rules": [
    {"name": "resolve", "match": {"path": "/resolve"}, "respond": {"patch": {"operations": {"appendIntent": {"intent": "Resolved", "message": "auto"}}}}},
    {"name": "ticket", "match": {"path": "/ticket"}, "respond": {"patch": {"operations": {"upsertAttributes": {"attributes": [{"name": "Ticket", "value": "OPS-7"}]}}}}},
    {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}},
    {"name": "reset", "match": {"path": "/reset"}, "respond": {"fault": "reset"}},
    {"name": "junk", "match": {"path": "/junk"}, "respond": {"body": "no patch here"}},
    {"name": "no content", "match": {"path": "/no-content"}, "respond": {"status": 204}},
    {"name": "empty object", "match": {"path": "/empty-object"}, "respond": {"body": "{}"}}]})";

std::vector<std::string> send_args(const aq::mock_receiver& receiver, const std::string& path,
                                   std::vector<std::string> extra = {}) {
    std::vector<std::string> args{aqhook,
                                  "send",
                                  "--template",
                                  request_template,
                                  "--url",
                                  receiver.url() + path,
                                  "--signing-method",
                                  "allquiet",
                                  "--secret",
                                  "dev-secret"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

BOOST_AUTO_TEST_CASE(send_apply_shows_the_resolved_incident) {
    aq::mock_receiver receiver(receiver_config);
    const auto output = test_support::write_temp_file("send-after.json", "");
    const auto r = run_process(send_args(receiver, "/resolve", {"--apply", "--output-incident", output}));
    BOOST_TEST(r.exit_code == 0, r.err << r.out);
    BOOST_TEST(r.out.find("== HTTP Request\nPOST /resolve HTTP/1.1\n") == 0u, r.out);
    BOOST_TEST(r.out.find("x-aq-signature: ") != std::string::npos);
    BOOST_TEST(r.out.find("== Response 200") != std::string::npos);
    BOOST_TEST(r.out.find("status:   Resolved (was Open)") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("new event: Resolved at ") != std::string::npos);
    const auto after = aq::parse_incident(test_support::slurp(output)).value();
    BOOST_TEST((*after.current_status() == aq::status::resolved));
    BOOST_TEST(receiver.journal().at(0).verification.status() == aq::verification_status::valid);
    std::remove(output.c_str());
}

BOOST_AUTO_TEST_CASE(send_apply_shows_an_added_attribute) {
    aq::mock_receiver receiver(receiver_config);
    const auto r = run_process(send_args(receiver, "/ticket", {"--apply"}));
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out.find("attribute Ticket: - -> OPS-7") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("  Ticket = OPS-7") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(send_failures_exit_1_with_the_reason) {
    aq::mock_receiver receiver(receiver_config);
    auto bad_secret = send_args(receiver, "/resolve");
    bad_secret.back() = "wrong-secret";
    const auto refused = run_process(bad_secret);
    BOOST_TEST(refused.exit_code == 1);
    BOOST_TEST(refused.out.find("== Response 401") != std::string::npos, refused.out);
    BOOST_TEST(refused.out.find("signature mismatch") != std::string::npos);

    const auto hang = run_process(send_args(receiver, "/hang", {"--timeout", "1"}));
    BOOST_TEST(hang.exit_code == 1);
    BOOST_TEST(hang.out.find("== No answer\nno answer within 1000 ms") != std::string::npos, hang.out);

    const auto reset = run_process(send_args(receiver, "/reset"));
    BOOST_TEST(reset.exit_code == 1);
    BOOST_TEST(reset.out.find("== No answer") != std::string::npos);

    const auto junk = run_process(send_args(receiver, "/junk", {"--apply"}));
    BOOST_TEST(junk.exit_code == 1);
    BOOST_TEST(junk.out.find("== The answer is not a patch that applies") != std::string::npos, junk.out);

    // No body: nothing changes. `{}`: a body, and no patch.
    const auto no_content = run_process(send_args(receiver, "/no-content", {"--apply"}));
    BOOST_TEST(no_content.exit_code == 0, no_content.out);
    BOOST_TEST(no_content.out.find("== The answer has no body: no patch, the incident stays as it is") !=
                   std::string::npos,
               no_content.out);
    const auto empty_object = run_process(send_args(receiver, "/empty-object", {"--apply"}));
    BOOST_TEST(empty_object.exit_code == 1);
    BOOST_TEST(empty_object.out.find("/operations: required member missing") != std::string::npos,
               empty_object.out);
}

// A server streaming 100 Continue without end: a transport error, long before the server stops.
BOOST_AUTO_TEST_CASE(send_ends_against_endless_interim_answers) {
    test_support::streaming_server server("", test_support::repeated("HTTP/1.1 100 Continue\r\n\r\n", 1000));
    const auto started = std::chrono::steady_clock::now();
    const auto r = run_process(
        {aqhook, "send", "--template", request_template, "--url", server.url("/hook"), "--timeout", "1"});
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.out.find("== No answer\nanswer head larger than 65536 bytes") != std::string::npos, r.out);
    BOOST_TEST((std::chrono::steady_clock::now() - started < 15s));
}

BOOST_AUTO_TEST_CASE(send_help_names_every_exit_code) {
    const auto help = run_process({aqhook, "send", "--help"});
    BOOST_TEST(help.exit_code == 0);
    for (const char* code :
         {"\n  0  a 2xx answer", "\n  1  any other answer; no answer", "\n  2  bad usage or bad input"})
        BOOST_TEST(help.out.find(code) != std::string::npos, code);
    const auto replay_help = run_process({aqhook, "replay", "--help"});
    for (const char* code :
         {"\n  0  every delivery", "\n  1  some delivery", "\n  2  bad usage or bad input"})
        BOOST_TEST(replay_help.out.find(code) != std::string::npos, code);
}

BOOST_AUTO_TEST_CASE(replay_sends_what_each_mode_selects) {
    aq::mock_receiver receiver(receiver_config);
    const auto incident =
        test_support::write_temp_file("send-history.json", R"({"id": "h", "allowedIntents": [], "events": [
      {"status": "Resolved", "modification": {"timestamp": "2026-01-01T10:30:00Z", "intent": "Resolved"}},
      {"status": "Open", "modification": {"timestamp": "2026-01-01T10:20:00Z", "intent": "Forwarded"}},
      {"status": "Open", "modification": {"timestamp": "2026-01-01T10:10:00Z", "intent": "Commented"}},
      {"status": "Open", "modification": {"timestamp": "2026-01-01T10:00:00Z", "intent": "Created"}}]})");
    auto replay = [&](const std::string& mode) {
        return run_process({aqhook, "replay", "--template", request_template, "--incident", incident,
                            "--mode", mode, "--url", receiver.url() + "/ticket", "--signing-method", "aws",
                            "--secret", "dev-secret"});
    };
    const auto always = replay("always");
    BOOST_TEST(always.exit_code == 0, always.err);
    BOOST_TEST(always.out.find("#1 Created at 2026-01-01T10:00:00Z: POST ") == 0u, always.out);
    BOOST_TEST(always.out.find("#4 Resolved at 2026-01-01T10:30:00Z") != std::string::npos);
    const auto entries = receiver.wait_for(4, 2s).value();
    // Each delivery rendered against the incident as it stood: the newest event then.
    BOOST_TEST(json::parse(entries[3].body) ==
               json::parse(R"({"id": "h", "intent": "Created", "count": 1})"));
    BOOST_TEST(json::parse(entries[0].body) ==
               json::parse(R"({"id": "h", "intent": "Resolved", "count": 4})"));

    receiver.clear_journal();
    const auto after = replay("always-after-forwarding");
    BOOST_TEST(after.out.find("#1 Forwarded") == 0u, after.out);
    BOOST_TEST(after.out.find("#2 Resolved") != std::string::npos);
    BOOST_TEST(after.out.find("#3") == std::string::npos);
    const auto only = replay("only-on-forwarding");
    BOOST_TEST(only.out.find("#1 Forwarded") == 0u);
    BOOST_TEST(only.out.find("#2") == std::string::npos);
    BOOST_TEST(receiver.journal().size() == 3u);

    const auto failing = run_process({aqhook, "replay", "--template", request_template, "--incident",
                                      incident, "--mode", "always", "--url", receiver.url() + "/ticket"});
    BOOST_TEST(failing.exit_code == 1); // unsigned: 401 each time
    BOOST_TEST(run_process({aqhook, "replay", "--template", request_template, "--incident", incident,
                            "--mode", "often"})
                   .exit_code == 2);
    std::remove(incident.c_str());
}

BOOST_AUTO_TEST_CASE(apply_prints_the_patched_incident) {
    const auto patch = test_support::write_temp_file(
        "send-patch.json", R"({"operations": {"appendIntent": {"intent": "Resolved"}}})");
    const auto r =
        run_process({aqhook, "apply", "--incident",
                     std::string(ALLQUIET_TEST_DATA_DIR) + "/sample-incident.json", "--patch", patch});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST((*aq::parse_incident(r.out).value().current_status() == aq::status::resolved));

    const auto bad = test_support::write_temp_file(
        "send-bad-patch.json", R"({"operations": {"appendIntent": {"intent": "Closed"}}})");
    const auto refused =
        run_process({aqhook, "apply", "--incident",
                     std::string(ALLQUIET_TEST_DATA_DIR) + "/sample-incident.json", "--patch", bad});
    BOOST_TEST(refused.exit_code == 2);
    BOOST_TEST(refused.err.find("/operations/appendIntent/intent") != std::string::npos);
    const auto not_allowed = test_support::write_temp_file(
        "send-ack.json", R"({"operations": {"appendIntent": {"intent": "Investigated"}}})");
    const auto sample = std::string(ALLQUIET_TEST_DATA_DIR) + "/sample-incident.json";
    BOOST_TEST(run_process({aqhook, "apply", "--incident", sample, "--patch", not_allowed}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "apply", "--incident", sample, "--patch", not_allowed,
                            "--ignore-allowed-intents"})
                   .exit_code == 0);
    const auto endless = run_process({aqhook, "apply", "--incident", sample, "--patch", "/dev/zero"});
    BOOST_TEST(endless.exit_code == 2);
    BOOST_TEST(endless.err.find("--patch: /dev/zero is larger than 16 MiB") != std::string::npos,
               endless.err);
    for (const auto& p : {patch, bad, not_allowed})
        std::remove(p.c_str());
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
    BOOST_TEST(run_process({aqhook, "send"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "send", "--template", request_template, "--secret", "s"}).exit_code == 2);
    BOOST_TEST(
        run_process({aqhook, "send", "--template", request_template, "--signing-method", "aws"}).exit_code ==
        2);
    BOOST_TEST(run_process({aqhook, "send", "--template", request_template, "--url", "ftp://x/"}).exit_code ==
               2);
    BOOST_TEST(run_process({aqhook, "send", "--template", request_template, "--output-incident", "/tmp/x"})
                   .exit_code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
