#include "request_handler.hpp"
#include "admin_api.hpp"
#include "text_encoding.hpp"

#include "http_client.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/patch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <latch>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_request_handler)

namespace aq = allquiet::webhook;
namespace json = boost::json;
namespace http = boost::beast::http;
using aqhook::handle_request;
using aqhook::http_request;

namespace {

const std::string secret = "dev-secret";
const std::string incident_body = test_support::read_data_file("sample-incident.json");

http_request delivery(std::string target, std::string body = incident_body,
                      http::verb method = http::verb::post) {
    http_request request{method, target, 11};
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

http_request signed_delivery(std::string target, aq::signing_method method = aq::signing_method::allquiet,
                             const std::string& key = secret, std::string body = incident_body) {
    auto request = delivery(std::move(target), body);
    test_support::sign_request(request, method, key);
    return request;
}

struct fixture {
    explicit fixture(const std::string& config = R"({"secrets": ["dev-secret"]})",
                     aqhook::receiver_settings settings = {})
        : state(config, std::move(settings)) {}

    /// The handler's decision, flattened for the checks: the response (a pending one, such as a
    /// listing or a wait, carried out), its delay, or the fault that answers nothing.
    struct answered {
        aqhook::response_ptr response;
        std::chrono::milliseconds delay{0};
        std::optional<aq::fault> fault_kind;
        std::string_view verification;
    };
    /// As a session sends a request from `peer`: its source read and judged on the head.
    answered send(http_request request, std::string_view peer = "127.0.0.1") {
        auto source = aqhook::source_address(state.settings(), request, peer);
        auto result = aqhook::refused_by_source(state, request, source)
                          ? aqhook::refuse_source(request)
                          : handle_request(state, request, std::move(source));
        answered out{nullptr, {}, {}, result.verification};
        if (const auto* answer = std::get_if<aqhook::send_response>(&result.decision)) {
            out.response = answer->response;
            out.delay = answer->delay;
        } else if (const auto* withheld = std::get_if<aqhook::withhold_answer>(&result.decision)) {
            out.fault_kind = withheld->kind;
        } else {
            boost::asio::io_context io; // the pending work's timer belongs to it: it ends here
            const boost::asio::any_io_executor executor = io.get_executor();
            std::get<aqhook::await_response>(result.decision)
                .pending->start({executor, executor}, [&](aqhook::response_ptr r) { out.response = std::move(r); });
            io.run();
        }
        return out;
    }
    std::vector<aq::journal_entry> entries() {
        std::vector<aq::journal_entry> out;
        for (const auto& entry : state.journal().list())
            out.push_back(*entry);
        return out;
    }
    aq::journal_entry last() { return entries().at(0); }
    json::value admin(http::verb method, std::string target, std::string body = {}, unsigned expect = 200) {
        http_request request{method, target, 11};
        request.set(http::field::host, "localhost");
        if (method != http::verb::get) request.set(http::field::content_type, "application/json");
        request.body() = std::move(body);
        request.prepare_payload();
        auto result = send(request);
        BOOST_TEST(result.response->result_int() == expect, target << ": " << result.response->body());
        return json::parse(result.response->body());
    }

    aqhook::receiver_state state;
};

} // namespace

BOOST_AUTO_TEST_CASE(signed_deliveries_of_both_methods_are_accepted_and_journaled) {
    fixture f;
    for (auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        const auto result = f.send(signed_delivery("/hooks/aq?x=1", method));
        BOOST_TEST(result.response->result_int() == 200u);
        BOOST_TEST(result.verification == "valid");
        const auto entry = f.last();
        BOOST_TEST(entry.verification.status() == aq::verification_status::valid);
        BOOST_TEST((*entry.verification.method == method));
        BOOST_TEST(!entry.verification.error);
        BOOST_TEST(entry.target == "/hooks/aq?x=1");
        BOOST_TEST(entry.method == "POST");
        BOOST_TEST(entry.body == incident_body);
        BOOST_TEST(*entry.incident().value().title == "RAM above 60%");
        BOOST_TEST(entry.remote_address == "127.0.0.1");
    }
    BOOST_TEST(f.state.journal().size() == 2u);
}

BOOST_AUTO_TEST_CASE(failed_verification_is_refused_with_the_reason) {
    fixture f;
    auto reason = [&](const http_request& request) {
        const auto result = f.send(request);
        BOOST_TEST(result.response->result_int() == 401u);
        BOOST_TEST(to_string(f.last().verification.status()) ==
                   (result.verification == "unsigned" ? "unsigned" : "invalid"));
        BOOST_TEST(f.last().response.status.value_or(0) == 401u);
        return std::string(json::parse(result.response->body()).at("error").as_string());
    };
    BOOST_TEST(reason(signed_delivery("/h", aq::signing_method::allquiet, "wrong")) == "signature mismatch");
    auto tampered = signed_delivery("/h");
    tampered.body() += " ";
    BOOST_TEST(reason(tampered) == "signature mismatch");
    auto stale = delivery("/h");
    const auto old = aq::sign(aq::signing_method::aws, secret, "2020-01-01T00:00:00.000Z", incident_body);
    stale.set(old.signature.name, old.signature.value);
    stale.set(old.timestamp.name, old.timestamp.value);
    BOOST_TEST(reason(stale) == "timestamp too old");
    BOOST_TEST(reason(delivery("/h")) == "request is not signed");
    BOOST_TEST(f.last().verification.status() == aq::verification_status::unsigned_);
    for (const auto& entry : f.entries()) {
        BOOST_TEST(entry.response.body.find(secret) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(rotation_and_record_policy) {
    fixture f(R"({"secrets": ["new-secret", "dev-secret"], "policy": "record"})");
    BOOST_TEST(f.send(signed_delivery("/h")).response->result_int() == 200u);
    BOOST_TEST(f.last().verification.status() == aq::verification_status::valid);
    const auto bad = f.send(signed_delivery("/h", aq::signing_method::aws, "nope"));
    BOOST_TEST(bad.response->result_int() == 200u); // recorded, answered as if valid
    BOOST_TEST(f.last().verification.status() == aq::verification_status::invalid);
    BOOST_TEST(f.last().verification.error == aq::error::signature_mismatch);
}

BOOST_AUTO_TEST_CASE(without_secrets_everything_is_unsigned_and_answered) {
    fixture f("{}");
    BOOST_TEST(f.send(signed_delivery("/h")).response->result_int() == 200u);
    BOOST_TEST(f.last().verification.status() == aq::verification_status::unsigned_);
    BOOST_TEST((*f.last().verification.method == aq::signing_method::allquiet)); // seen, not checked
    BOOST_TEST(f.last().verification.error == aq::error::no_secret);
    BOOST_TEST(f.last().response.body.empty());
}

BOOST_AUTO_TEST_CASE(rules_match_on_every_condition_and_the_first_wins) {
    fixture f(R"({"secrets": ["dev-secret"], "policy": "record", "rules": [
      {"name": "resolve critical", "match": {"method": "POST", "path": "/hooks/*", "headers": {"X-Team": "storage"},
        "json": {"/events/0/severity": "Warning", "/title": "RAM above 60%"}, "verification": "valid"},
       "respond": {"status": 201, "headers": {"X-Handled-By": "aqhook"},
                   "patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}},
      {"name": "invalid ones", "match": {"verification": "invalid"}, "respond": {"status": 202, "body": "noted"}},
      {"name": "puts", "match": {"method": "put"}, "respond": {"status": 203}},
      {"name": "catch hooks", "match": {"path": "/hooks/*"}, "respond": {"status": 204}}],
      "default": {"status": 299, "body": {"fallback": true}}})");

    auto matching = signed_delivery("/hooks/aq?team=storage");
    matching.set("x-team", "storage");
    auto result = f.send(matching);
    BOOST_TEST(result.response->result_int() == 201u);
    BOOST_TEST((*result.response)["X-Handled-By"] == "aqhook");
    BOOST_TEST((*result.response)[http::field::content_type] == "application/json; charset=utf-8");
    BOOST_TEST(*f.last().rule == "resolve critical");
    const auto patch = aq::parse_patch(result.response->body()).value(); // answers parse back with the SDK
    BOOST_TEST((patch.operations.append_intent->intent == aq::intent::resolved));
    BOOST_TEST(f.last().response.body == result.response->body());

    auto wrong_team = matching;
    wrong_team.set("x-team", "web");
    BOOST_TEST(f.send(wrong_team).response->result_int() == 204u);
    BOOST_TEST(*f.last().rule == "catch hooks");

    BOOST_TEST(
        f.send(signed_delivery("/hooks/aq", aq::signing_method::allquiet, "bad")).response->result_int() ==
        202u);
    BOOST_TEST(f.send(signed_delivery("/other")).response->result_int() == 299u);
    BOOST_TEST(!f.last().rule.has_value());
    BOOST_TEST(f.last().response.body == R"({"fallback":true})");

    auto put = delivery("/other", "x", http::verb::put);
    BOOST_TEST(f.send(put).response->result_int() == 203u);
    BOOST_TEST(f.last().verification.status() == aq::verification_status::unsigned_);
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_are_journaled_and_never_match_json_conditions) {
    fixture f(R"({"rules": [{"match": {"json": {"": {}}}, "respond": {"status": 201}}]})");
    auto form = delivery("/form", "title=RAM+%3E+60%25");
    form.set(http::field::content_type, "application/x-www-form-urlencoded");
    BOOST_TEST(f.send(form).response->result_int() == 200u);
    BOOST_TEST(f.last().body == "title=RAM+%3E+60%25");
    BOOST_TEST(*f.last().header("Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(f.send(delivery("/json", "{}")).response->result_int() == 201u);
}

BOOST_AUTO_TEST_CASE(sequences_delays_and_faults_come_back_as_instructions) {
    fixture f(R"({"rules": [
      {"name": "flaky", "match": {"path": "/flaky"}, "respond": {"sequence": [{"status": 500}, {"status": 200, "delayMs": 25}]}},
      {"name": "reset", "match": {"path": "/reset"}, "respond": {"fault": "reset"}},
      {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}}]})");
    BOOST_TEST(f.send(delivery("/flaky")).response->result_int() == 500u);
    auto second = f.send(delivery("/flaky"));
    BOOST_TEST(second.response->result_int() == 200u);
    BOOST_TEST(second.delay.count() == 25);
    BOOST_TEST(f.send(delivery("/flaky")).response->result_int() == 200u);

    BOOST_TEST((f.send(delivery("/reset")).fault_kind == aq::fault::reset));
    BOOST_TEST((f.last().response.fault == aq::fault::reset));
    BOOST_TEST(!f.last().response.status);
    BOOST_TEST((f.send(delivery("/hang")).fault_kind == aq::fault::timeout));
    BOOST_TEST((f.last().response.fault == aq::fault::timeout));
}

BOOST_AUTO_TEST_CASE(source_addresses) {
    aqhook::receiver_settings settings;
    settings.allowed_sources =
        aq::parse_address_list(R"({"ips": ["203.0.113.0/24", "2001:db8::/32"]})").value();
    fixture f("{}", settings);
    BOOST_TEST(f.send(delivery("/h"), "203.0.113.9").response->result_int() == 200u);
    BOOST_TEST(f.send(delivery("/h"), "2001:db8::7").response->result_int() == 200u);
    const auto refused = f.send(delivery("/h"), "127.0.0.1");
    BOOST_TEST(refused.response->result_int() == 403u);
    BOOST_TEST(refused.verification == "unsigned"); // for the log: not checked
    BOOST_TEST(f.state.journal().size() == 2u);      // refused sources are not journaled
    BOOST_TEST(f.last().remote_address == "2001:db8::7");
    auto forwarded = delivery("/h");
    forwarded.set("X-Forwarded-For", "203.0.113.9");
    BOOST_TEST(f.send(forwarded, "127.0.0.1").response->result_int() == 403u); // not trusted by default

    settings.trust_forwarded_for = true;
    fixture behind_proxy("{}", settings);
    forwarded.set("X-Forwarded-For", "198.51.100.1, 203.0.113.9");
    BOOST_TEST(behind_proxy.send(forwarded, "127.0.0.1").response->result_int() == 200u);
    BOOST_TEST(behind_proxy.last().remote_address == "203.0.113.9");
    forwarded.set("X-Forwarded-For", "203.0.113.9, 198.51.100.1"); // only the last hop counts
    BOOST_TEST(behind_proxy.send(forwarded, "127.0.0.1").response->result_int() == 403u);
    BOOST_TEST(behind_proxy.send(delivery("/h"), "203.0.113.1").response->result_int() ==
               200u); // no header: the peer
}

BOOST_AUTO_TEST_CASE(journal_is_bounded_and_newest_first) {
    aqhook::receiver_settings settings;
    settings.journal.max_entries = 3;
    fixture f("{}", settings);
    for (int i = 1; i <= 5; ++i)
        f.send(delivery("/n/" + std::to_string(i), "x"));
    const auto entries = f.entries();
    BOOST_TEST_REQUIRE(entries.size() == 3u);
    BOOST_TEST(entries[0].target == "/n/5");
    BOOST_TEST(entries[2].target == "/n/3");
    BOOST_TEST(entries[0].id == 5u);
    BOOST_TEST(f.state.journal().find(2) == nullptr);
    BOOST_TEST(f.state.journal().find(4)->target == "/n/4");
}

BOOST_AUTO_TEST_CASE(a_fixed_answer_is_built_once_and_fits_each_connection) {
    fixture f(R"({"rules": [{"match": {"path": "/fixed"}, "respond": {"status": 202, "body": "ok"}}]})");
    const auto first = f.send(delivery("/fixed"));
    const auto second = f.send(delivery("/fixed"));
    BOOST_TEST(first.response == second.response); // shared, not rebuilt
    BOOST_TEST(first.response->keep_alive());
    BOOST_TEST((*first.response)[http::field::content_length] == "2");

    auto closing = delivery("/fixed");
    closing.keep_alive(false);
    const auto closed = f.send(closing);
    BOOST_TEST(closed.response != first.response);
    BOOST_TEST(!closed.response->keep_alive());
    BOOST_TEST((*closed.response)[http::field::connection] == "close");
    BOOST_TEST(closed.response->body() == "ok");

    auto old = delivery("/fixed");
    old.version(10);
    const auto http10 = f.send(old);
    BOOST_TEST(http10.response->version() == 10u);
    BOOST_TEST(!http10.response->keep_alive());
    BOOST_TEST(http10.response->result_int() == 202u);
    BOOST_TEST(f.last().response.headers.size() == 2u); // Content-Type and Content-Length
}

BOOST_AUTO_TEST_CASE(a_replaced_configuration_answers_the_next_delivery) {
    fixture f(R"({"default": {"status": 201}})");
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 201u);
    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 202}})");
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 202u);
    // A refused replacement leaves the configuration as it is.
    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 7}})", 400);
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 202u);
}

BOOST_AUTO_TEST_CASE(admin_api) {
    fixture f(R"({"secrets": ["dev-secret"]})");
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/health") == json::parse(R"({"status":"ok"})"));
    f.send(signed_delivery("/hooks/1"));
    f.send(delivery("/hooks/2"));

    const auto list = f.admin(http::verb::get, "/_aqhook/requests");
    BOOST_TEST_REQUIRE(list.as_array().size() == 2u);
    const auto& newest = list.at(0);
    BOOST_TEST(newest.at("target") == "/hooks/2");
    BOOST_TEST(newest.at("id") == "2");
    BOOST_TEST(newest.at("verification").at("status") == "unsigned");
    BOOST_TEST(newest.at("response").at("status") == 401);
    const auto& oldest = list.at(1);
    BOOST_TEST(oldest.at("verification") ==
               json::parse(R"({"status":"valid","method":"allquiet","error":null})"));
    BOOST_TEST(oldest.at("headers").at("content-type") == "application/json");
    BOOST_TEST(oldest.at("headers").as_object().contains("x-aq-signature"));
    BOOST_TEST(oldest.at("body") == json::value(incident_body));
    BOOST_TEST(oldest.at("rule").is_null());
    BOOST_TEST(aq::timestamp::parse(oldest.at("receivedAt").as_string()).has_value());

    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/requests/1").at("target") == "/hooks/1");
    f.admin(http::verb::get, "/_aqhook/requests/9", {}, 404);
    f.admin(http::verb::get, "/_aqhook/requests/abc", {}, 404);

    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/requests/wait?count=2&timeoutMs=50").as_array().size() ==
               2u);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=3&timeoutMs=50", {}, 408);
    f.admin(http::verb::get, "/_aqhook/requests/wait", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=0", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=1001", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=1&timeoutMs=x", {}, 400);

    f.admin(http::verb::delete_, "/_aqhook/requests");
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/requests").as_array().empty());

    const auto config = f.admin(http::verb::get, "/_aqhook/config");
    BOOST_TEST(config.at("secrets") == json::parse(R"(["<redacted>"])"));
    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 202}})");
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 202u);
    const auto refused = f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 7}})", 400);
    BOOST_TEST(std::string(refused.at("error").as_string()).find("/default/status") == 0u);
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 202u); // the old configuration stays

    f.admin(http::verb::post, "/_aqhook/health", {}, 405);
    f.admin(http::verb::put, "/_aqhook/requests", {}, 405);
    f.admin(http::verb::get, "/_aqhook/nothing", {}, 404);
    BOOST_TEST(f.state.journal().size() == 2u); // admin requests are not deliveries
}

BOOST_AUTO_TEST_CASE(answer_templates_render_against_the_delivery) {
    fixture f(R"({"rules": [
      {"name": "ticket", "match": {"path": "/ticket"},
       "respond": {"patchTemplate": "{\"operations\": {\"upsertAttributes\": {\"attributes\": [{\"name\": \"Ticket\", \"value\": \"OPS-{{id}}\"}]}}}"}},
      {"name": "echo", "match": {"path": "/echo"}, "respond": {"bodyTemplate": "got {{title}}{{#unless title}}nothing{{/unless}}"}},
      {"name": "broken", "match": {"path": "/broken"}, "respond": {"patchTemplate": "{\"operations\": {\"appendIntent\": {\"intent\": \"{{title}}\"}}}"}}]})");
    const auto ticket = f.send(delivery("/ticket"));
    BOOST_TEST(ticket.response->result_int() == 200u);
    const auto patch = aq::parse_patch(ticket.response->body()).value();
    BOOST_TEST(patch.operations.upsert_attributes->attributes.at(0).value ==
               "OPS-81cd20be-5837-4dd8-a951-2207a025a231");
    BOOST_TEST((*ticket.response)[http::field::content_type] == "application/json; charset=utf-8");
    BOOST_TEST(f.last().response.body == ticket.response->body());

    BOOST_TEST(f.send(delivery("/echo")).response->body() == "got RAM above 60%");
    BOOST_TEST(f.send(delivery("/echo", "not json")).response->body() == "got nothing");

    const auto broken = f.send(delivery("/broken")); // renders to intent "RAM above 60%": no patch
    BOOST_TEST(broken.response->result_int() == 500u);
    BOOST_TEST(std::string(json::parse(broken.response->body()).at("error").as_string())
                   .find("response template: /operations/appendIntent/intent") == 0u);
    BOOST_TEST(f.last().response.status.value_or(0) == 500u);
}

BOOST_AUTO_TEST_CASE(the_web_page_and_its_dummy_delivery) {
    fixture f;
    http_request get_page{http::verb::get, "/_aqhook/", 11};
    get_page.set(http::field::host, "127.0.0.1:8080");
    const auto page = f.send(get_page);
    BOOST_TEST(page.response->result_int() == 200u);
    BOOST_TEST((*page.response)[http::field::content_type] == "text/html; charset=utf-8");
    BOOST_TEST(page.response->body().find("Latest requests") != std::string::npos);
    BOOST_TEST((*page.response)["Content-Security-Policy"].find("default-src 'none'") == 0u);

    BOOST_TEST(
        f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "aws", "secret": "dev-secret"})") ==
        json::parse(R"({"status": 200})"));
    BOOST_TEST(f.last().verification.status() == aq::verification_status::valid);
    BOOST_TEST((*f.last().verification.method == aq::signing_method::aws));
    BOOST_TEST(f.last().target == "/hooks/dummy");
    BOOST_TEST(*f.last().incident().value().title == "RAM above 60%");
    BOOST_TEST(
        f.admin(http::verb::post, "/_aqhook/dummy", R"({"secret": "wrong", "path": "/x"})").at("status") ==
        401);
    BOOST_TEST(f.last().target == "/x");
    BOOST_TEST(f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "none"})").at("status") ==
               401);
    BOOST_TEST(f.last().verification.status() == aq::verification_status::unsigned_);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"path": "/_aqhook/requests"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"path": "no-slash"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "md5"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"secret": 5})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", "not json", 400);
    f.admin(http::verb::get, "/_aqhook/dummy", {}, 405);
    for (const auto& entry : f.entries())
        BOOST_TEST(entry.body.find("dev-secret") == std::string::npos);
}

// The page's form as it comes (no secret) sends: signed with the receiver's own secret, which
// the answer never shows; unsigned on a receiver without secrets, which checks nothing.
BOOST_AUTO_TEST_CASE(a_dummy_delivery_without_a_secret_signs_with_the_receivers) {
    fixture f(R"({"secrets": ["dev-secret", "older-secret"]})");
    for (const auto& [form, method] :
         {std::pair<std::string, aq::signing_method>{"{}", aq::signing_method::allquiet},
          {R"({"signingMethod": "aws", "secret": ""})", aq::signing_method::aws}}) {
        const auto sent = f.admin(http::verb::post, "/_aqhook/dummy", form);
        BOOST_TEST(sent == json::parse(R"({"status": 200})"), form);
        BOOST_TEST(f.last().verification.status() == aq::verification_status::valid, form);
        BOOST_TEST((*f.last().verification.method == method));
    }
    fixture open("{}");
    BOOST_TEST(open.admin(http::verb::post, "/_aqhook/dummy", "{}") == json::parse(R"({"status": 200})"));
    BOOST_TEST(open.last().verification.status() == aq::verification_status::unsigned_);
    BOOST_TEST(!open.last().header("x-aq-signature").has_value());
}

// The dummy delivery comes from the admin API, which --allow-ips does not judge: it is answered by
// the rules and journaled as coming from the receiver itself, whatever the list admits.
BOOST_AUTO_TEST_CASE(allow_ips_does_not_refuse_the_dummy_delivery) {
    aqhook::receiver_settings settings;
    settings.allowed_sources = aq::parse_address_list(R"({"ips": ["203.0.113.0/24"]})").value();
    fixture f(R"({"secrets": ["dev-secret"]})", settings);
    BOOST_TEST(f.admin(http::verb::post, "/_aqhook/dummy", "{}") == json::parse(R"({"status": 200})"));
    BOOST_TEST(f.state.journal().size() == 1u);
    BOOST_TEST(f.last().remote_address == "127.0.0.1");
    BOOST_TEST(f.send(delivery("/h")).response->result_int() == 403u); // a delivery from that peer is refused
}

namespace {

http_request admin_request(http::verb method, std::string target, std::string host = "localhost") {
    http_request request{method, target, 11};
    if (!host.empty()) request.set(http::field::host, host);
    if (method != http::verb::get) request.set(http::field::content_type, "application/json");
    request.prepare_payload();
    return request;
}

} // namespace

// DNS rebinding: a page on another site that resolves its own name to 127.0.0.1 sends that name in
// Host. Admin requests answer only to this receiver's own names; deliveries to any.
BOOST_AUTO_TEST_CASE(admin_requests_answer_only_to_the_receivers_own_names) {
    aqhook::receiver_settings settings;
    settings.admin.hosts = {"hooks.example.test"};
    fixture f("{}", settings);
    for (const std::string host :
         {"localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:8080", "hooks.example.test:443"})
        BOOST_TEST(f.send(admin_request(http::verb::get, "/_aqhook/health", host)).response->result_int() ==
                       200u,
                   host);
    for (const std::string host : {"", "rebound.attacker.test", "rebound.attacker.test:8080", "127.0.0.2",
                                   "[::1]", "localhost.attacker.test", "hooks.example.test.attacker.test"}) {
        const auto refused = f.send(admin_request(http::verb::get, "/_aqhook/requests", host));
        BOOST_TEST(refused.response->result_int() == 403u, host);
        BOOST_TEST(refused.response->body().find("Host") != std::string::npos);
    }
    auto delivered = delivery("/hooks/x");
    delivered.set(http::field::host, "rebound.attacker.test");
    BOOST_TEST(f.send(delivered).response->result_int() == 200u);

    settings.admin.listen_address = "0.0.0.0"; // any of the machine's addresses
    fixture everywhere("{}", settings);
    BOOST_TEST(everywhere.send(admin_request(http::verb::get, "/_aqhook/health", "192.0.2.7:8080"))
                   .response->result_int() == 200u);
    BOOST_TEST(everywhere.send(admin_request(http::verb::get, "/_aqhook/health", "evil.test"))
                   .response->result_int() == 403u);
}

// A cross-site form post can send text/plain and an Origin, never application/json without a
// preflight; a browser also says where a request comes from.
BOOST_AUTO_TEST_CASE(admin_writes_need_json_and_refuse_other_sites) {
    fixture f;
    auto form_post = admin_request(http::verb::post, "/_aqhook/dummy");
    form_post.set(http::field::content_type, "text/plain");
    form_post.body() = R"({"signingMethod": "none"})";
    form_post.prepare_payload();
    BOOST_TEST(f.send(form_post).response->result_int() == 415u);
    auto no_type = admin_request(http::verb::delete_, "/_aqhook/requests");
    no_type.erase(http::field::content_type);
    BOOST_TEST(f.send(no_type).response->result_int() == 415u);

    f.send(delivery("/kept"));
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"Origin", "http://attacker.test"},
                                      {"Origin", "null"},
                                      {"Sec-Fetch-Site", "cross-site"},
                                      {"Sec-Fetch-Site", "same-site"}}) {
        auto cross = admin_request(http::verb::delete_, "/_aqhook/requests");
        cross.set(name, value);
        BOOST_TEST(f.send(cross).response->result_int() == 403u, name << ": " << value);
    }
    BOOST_TEST(f.state.journal().size() == 1u); // nothing was cleared
    auto same_origin = admin_request(http::verb::delete_, "/_aqhook/requests", "127.0.0.1:8080");
    same_origin.set(http::field::origin, "http://127.0.0.1:8080");
    same_origin.set("Sec-Fetch-Site", "same-origin");
    BOOST_TEST(f.send(same_origin).response->result_int() == 200u);
    BOOST_TEST(f.state.journal().size() == 0u);
}

BOOST_AUTO_TEST_CASE(an_admin_token_guards_all_but_the_health_check_and_the_page_shell) {
    aqhook::receiver_settings settings;
    settings.admin.token.emplace("a-token-of-thirty-two-characters");
    fixture f("{}", settings);
    f.send(delivery("/hooks/x", "journal-marker"));
    BOOST_TEST(f.send(admin_request(http::verb::get, "/_aqhook/health")).response->result_int() == 200u);
    for (const std::string target :
         {"/_aqhook/requests", "/_aqhook/requests/1", "/_aqhook/config", "/_aqhook/requests/wait?count=1"}) {
        auto request = admin_request(http::verb::get, target);
        BOOST_TEST(f.send(request).response->result_int() == 401u, target);
        for (const std::string refused :
             {"Bearer a-token-of-thirty-two-characterz", "Basic a-token-of-thirty-two-characters",
              "Bearera-token-of-thirty-two-characters", "Bearer", "Bearer "}) {
            request.set(http::field::authorization, refused);
            BOOST_TEST(f.send(request).response->result_int() == 401u, target << ": " << refused);
        }
        // The scheme in any case (RFC 9110 §11.1).
        for (const std::string taken :
             {"Bearer a-token-of-thirty-two-characters", "bearer a-token-of-thirty-two-characters",
              "BEARER  a-token-of-thirty-two-characters"}) {
            request.set(http::field::authorization, taken);
            BOOST_TEST(f.send(request).response->result_int() == 200u, target << ": " << taken);
        }
    }
    // A browser opens the page's URL without the header: the shell loads, holding neither the
    // token nor anything from the journal, and its own requests carry the token.
    const auto page = f.send(admin_request(http::verb::get, "/_aqhook/"));
    BOOST_TEST(page.response->result_int() == 200u);
    BOOST_TEST((*page.response)[http::field::content_type] == "text/html; charset=utf-8");
    BOOST_TEST(page.response->body().find("a-token-of-thirty-two-characters") == std::string::npos);
    BOOST_TEST(page.response->body().find("journal-marker") == std::string::npos);
    BOOST_TEST(
        f.send(admin_request(http::verb::get, "/_aqhook/", "rebound.attacker.test")).response->result_int() ==
        403u); // the Host check still holds
    auto put = admin_request(http::verb::put, "/_aqhook/config");
    put.body() = R"({"secrets": []})";
    put.prepare_payload();
    const auto before = f.state.config();
    BOOST_TEST(f.send(put).response->result_int() == 401u);
    BOOST_TEST(f.state.config() == before); // unchanged

    BOOST_TEST(aqhook::token_matches("abc", "abc"));
    BOOST_TEST(!aqhook::token_matches("abc", "abd"));
    BOOST_TEST(!aqhook::token_matches("abc", "abcd"));
    BOOST_TEST(!aqhook::admin_token_for("127.0.0.1", std::nullopt).has_value());
    BOOST_TEST(!aqhook::admin_token_for("::1", std::nullopt).has_value());
    const auto made = aqhook::admin_token_for("0.0.0.0", std::nullopt);
    BOOST_TEST_REQUIRE(made.has_value());
    BOOST_TEST(made->size() == 64u);
    BOOST_TEST(*made != *aqhook::admin_token_for("0.0.0.0", std::nullopt));
    BOOST_TEST(*aqhook::admin_token_for("0.0.0.0", "given") == "given");
}

// A token that could never arrive whole in `Authorization: Bearer TOKEN` is refused up front.
BOOST_AUTO_TEST_CASE(an_admin_token_is_long_visible_ascii) {
    BOOST_TEST(!aqhook::admin_token_problem("a-token-of-thirty-two-characters").has_value());
    BOOST_TEST(!aqhook::admin_token_problem("0123456789abcdef").has_value());
    for (const std::string bad :
         {"", "short", "a token with spaces inside", "a-token-with-a\ttab-inside",
          "a-token-with-a\x01control", "a-token-ending-in-a-space ", "a-token-with-caf\xc3\xa9-inside"})
        BOOST_TEST(aqhook::admin_token_problem(bad).has_value(), bad);
}

// RFC 9110 §5.3: several X-Forwarded-For lines are one list. A client that sends its own line
// before the proxy's does not choose the hop.
BOOST_AUTO_TEST_CASE(every_forwarded_for_line_counts) {
    aqhook::receiver_settings settings;
    settings.allowed_sources = aq::parse_address_list(R"({"ips": ["203.0.113.0/24"]})").value();
    settings.trust_forwarded_for = true;
    fixture f("{}", settings);
    auto forged = delivery("/h");
    forged.insert("X-Forwarded-For", "203.0.113.9");  // the client's own line
    forged.insert("X-Forwarded-For", "198.51.100.1"); // the proxy's: the client's real address
    BOOST_TEST(f.send(forged, "127.0.0.1").response->result_int() == 403u); // 198.51.100.1 judged
    auto honest = delivery("/h");
    honest.insert("X-Forwarded-For", "198.51.100.1");
    honest.insert("X-Forwarded-For", "10.0.0.1, 203.0.113.9");
    BOOST_TEST(f.send(honest, "127.0.0.1").response->result_int() == 200u);
}

// Stopping cancels pending responses: work that the worker has not started answers 503 without
// running (docs/architecture.md).
BOOST_AUTO_TEST_CASE(worker_jobs_cancelled_before_they_run_answer_503) {
    fixture f("{}");
    f.send(delivery("/h", "x"));
    auto request = admin_request(http::verb::get, "/_aqhook/requests");
    auto result = aqhook::handle_request(f.state, request, "127.0.0.1");
    const auto& pending = std::get<aqhook::await_response>(result.decision).pending;
    boost::asio::io_context io; // the worker: it runs nothing until io.run()
    const boost::asio::any_io_executor executor = io.get_executor();
    aqhook::response_ptr answer;
    pending->start({executor, executor}, [&](aqhook::response_ptr r) { answer = std::move(r); });
    pending->cancel();
    io.run();
    BOOST_TEST_REQUIRE(answer);
    BOOST_TEST(answer->result_int() == 503u);
    BOOST_TEST(json::parse(answer->body()).at("error") == "the receiver is stopping");
    BOOST_TEST(f.send(admin_request(http::verb::get, "/_aqhook/requests")).response->result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(listings_come_in_pages_newest_first) {
    fixture f("{}");
    for (int i = 1; i <= 10; ++i)
        f.send(delivery("/n/" + std::to_string(i), "x"));
    auto ids = [&](const std::string& query) {
        std::vector<std::string> out;
        const auto listing = f.admin(http::verb::get, "/_aqhook/requests" + query);
        for (const auto& entry : listing.as_array())
            out.push_back(std::string(entry.at("id").as_string()));
        return out;
    };
    BOOST_TEST(ids("?limit=3") == (std::vector<std::string>{"10", "9", "8"}));
    BOOST_TEST(ids("?after=7") == (std::vector<std::string>{"10", "9", "8"}));
    BOOST_TEST(ids("?after=7&limit=2") == (std::vector<std::string>{"10", "9"}));
    BOOST_TEST(ids("?before=5&limit=2") == (std::vector<std::string>{"4", "3"}));
    BOOST_TEST(ids("?after=10").empty());
    BOOST_TEST(ids("").size() == 10u);
    for (const std::string bad :
         {"?limit=0", "?limit=x", "?after=-1", "?before=0", "?limit=99999999999999999999"})
        f.admin(http::verb::get, "/_aqhook/requests" + bad, {}, 400);

    auto listing = f.send(admin_request(http::verb::get, "/_aqhook/requests?limit=1"));
    BOOST_TEST((*listing.response)["X-Aqhook-Oldest-Id"] == "1");
    BOOST_TEST((*listing.response)["X-Aqhook-Next-Id"] == "11");
    f.admin(http::verb::delete_, "/_aqhook/requests");
    listing = f.send(admin_request(http::verb::get, "/_aqhook/requests"));
    BOOST_TEST((*listing.response)["X-Aqhook-Oldest-Id"] == "11"); // ids go on after a clear
}

BOOST_AUTO_TEST_CASE(the_journal_keeps_to_its_byte_budget) {
    aqhook::receiver_settings settings;
    settings.journal.max_bytes = 64 * 1024;
    fixture f("{}", settings);
    for (int i = 0; i < 10; ++i)
        f.send(delivery("/n/" + std::to_string(i), std::string(20 * 1024, 'a' + i)));
    BOOST_TEST(f.state.journal().bytes() <= 64u * 1024);
    BOOST_TEST(f.state.journal().size() == 3u); // 20 KiB bodies and their headers: three fit
    BOOST_TEST(f.last().target == "/n/9");
    f.send(delivery("/huge", std::string(100 * 1024, 'h'))); // larger than the budget: kept alone
    BOOST_TEST(f.state.journal().size() == 1u);
    BOOST_TEST(f.last().body.size() == 100u * 1024);
}

// Whatever bytes a delivery carries, the listing is valid UTF-8 JSON, and a body's exact bytes
// can be had back.
BOOST_AUTO_TEST_CASE(bytes_that_are_not_utf8_keep_the_listing_valid) {
    fixture f("{}");
    const std::string binary("\xff\xfe\x00\x01 \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80", 16);
    auto odd = delivery("/bin\xff?q=\xc0\xaf", binary);
    odd.set("X-Odd", "caf\xe9");
    f.send(odd);
    f.send(delivery("/text", "caf\xc3\xa9 \xf0\x9f\x98\x80"));
    const auto listing = f.send(admin_request(http::verb::get, "/_aqhook/requests")).response->body();
    boost::system::error_code ec;
    const auto parsed = json::parse(listing, ec); // Boost.JSON refuses invalid UTF-8
    BOOST_TEST_REQUIRE(!ec, ec.message());
    const auto& text = parsed.at(0);
    BOOST_TEST(text.at("bodyEncoding") == "utf-8");
    BOOST_TEST(text.at("body") == "caf\xc3\xa9 \xf0\x9f\x98\x80");
    const auto& bin = parsed.at(1);
    BOOST_TEST(bin.at("bodyEncoding") == "base64");
    BOOST_TEST(bin.at("body") == "//4AASDDKCDtoIAg9JCAgA==");
    BOOST_TEST(bin.at("target") == "/bin\xef\xbf\xbd?q=\xef\xbf\xbd\xef\xbf\xbd");
    BOOST_TEST(bin.at("headers").at("x-odd") == "caf\xef\xbf\xbd");
    BOOST_TEST(f.entries().at(1).body == binary); // the journal itself keeps the bytes
}

BOOST_AUTO_TEST_CASE(a_template_that_works_too_long_answers_500) {
    fixture f(R"({"default": {"bodyTemplate": "{{#each items}}{{#each ../items}}{{/each}}{{/each}}"}})");
    std::string items = "[0";
    for (int i = 1; i < 10'000; ++i)
        items += "," + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    const auto result = f.send(delivery("/square", R"({"items": )" + items + "]}"));
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(result.response->result_int() == 500u);
    BOOST_TEST(result.response->body().find("render limit exceeded (more than 1000000 steps)") !=
                   std::string::npos,
               result.response->body());
    // 10,000 squared would be 10^8 steps; the budget stops it at 10^6 (far under a second).
    BOOST_TEST_MESSAGE("stopped after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                        << " ms");
    BOOST_TEST(took < std::chrono::seconds(20));
}

BOOST_AUTO_TEST_CASE(a_template_nested_too_deep_is_refused_naming_the_rule) {
    fixture f(R"({"default": {"status": 201}})");
    std::string deep;
    for (int i = 0; i < 10'000; ++i)
        deep += "{{#if a}}";
    const json::value config = {
        {"rules",
         json::array{json::object{{"name", "deep one"}, {"respond", json::object{{"bodyTemplate", deep}}}}}}};
    const auto refused = f.admin(http::verb::put, "/_aqhook/config", json::serialize(config), 400);
    const std::string message(refused.at("error").as_string());
    BOOST_TEST(message.find(
                   "/rules/0/respond/bodyTemplate: template syntax error (in rule 'deep one': line 1") == 0u,
               message);
    BOOST_TEST(message.find("nested deeper than 128 levels") != std::string::npos);
    BOOST_TEST(f.send(delivery("/x")).response->result_int() == 201u); // the old configuration stays
}

BOOST_AUTO_TEST_CASE(admin_routes_say_which_methods_they_take) {
    fixture f;
    const auto wrong = f.send(admin_request(http::verb::post, "/_aqhook/requests/wait?count=1"));
    BOOST_TEST(wrong.response->result_int() == 405u);
    BOOST_TEST(wrong.response->body().find("use GET") != std::string::npos);
    const auto both = f.send(admin_request(http::verb::patch, "/_aqhook/requests"));
    BOOST_TEST(both.response->body().find("use GET or DELETE") != std::string::npos);
    // Every 405 names the path's methods in Allow too (RFC 9110 §15.5.6); a GET path takes HEAD.
    for (const auto& [method, target, allow] : {std::tuple{http::verb::post, "/_aqhook/", "GET, HEAD"},
                                                {http::verb::delete_, "/_aqhook/health", "GET, HEAD"},
                                                {http::verb::patch, "/_aqhook/requests", "GET, HEAD, DELETE"},
                                                {http::verb::put, "/_aqhook/requests/wait", "GET, HEAD"},
                                                {http::verb::delete_, "/_aqhook/requests/7", "GET, HEAD"},
                                                {http::verb::post, "/_aqhook/config", "GET, HEAD, PUT"},
                                                {http::verb::get, "/_aqhook/dummy", "POST"}}) {
        const auto refused = f.send(admin_request(method, target));
        BOOST_TEST(refused.response->result_int() == 405u, target);
        BOOST_TEST((*refused.response)[http::field::allow] == allow, target);
    }
    BOOST_TEST(f.send(admin_request(http::verb::head, "/_aqhook/health")).response->result_int() == 200u);
    f.admin(http::verb::get, "/_aqhook/requests/12/x", {}, 404);
    f.admin(http::verb::get, "/_aqhook/requests/", {}, 404);
}

// Whatever bytes a target holds, what an admin answer echoes of it is valid UTF-8 JSON.
BOOST_AUTO_TEST_CASE(admin_errors_echo_only_valid_utf8) {
    fixture f;
    for (const std::string target :
         {"/_aqhook/requests/\xff\xfe", "/_aqhook/\xc3\x28?x=\xff", "/_aqhook/caf\xe9"}) {
        const auto answer = f.send(admin_request(http::verb::get, target));
        BOOST_TEST(answer.response->result_int() == 404u);
        boost::system::error_code ec;
        const auto parsed = json::parse(answer.response->body(), ec); // Boost.JSON refuses invalid UTF-8
        BOOST_TEST_REQUIRE(!ec, target << ": " << ec.message());
        BOOST_TEST(std::string(parsed.at("error").as_string()).find("\xef\xbf\xbd") != std::string::npos);
    }
}

// A configuration's error names its member by JSON pointer, and a member name may be as long as the
// body: the answer echoes at most 4 KiB of it.
BOOST_AUTO_TEST_CASE(an_admin_error_echoes_a_bounded_message) {
    fixture f;
    const std::string member(500'000, '~'); // each ~ is ~0 in the pointer: twice as long
    auto put = admin_request(http::verb::put, "/_aqhook/config");
    put.body() = "{\"" + member + "\": 1}";
    put.prepare_payload();
    const auto answer = f.send(put);
    BOOST_TEST(answer.response->result_int() == 400u);
    BOOST_TEST(answer.response->body().size() < 4200u, answer.response->body().size());
    const auto error = std::string(json::parse(answer.response->body()).at("error").as_string());
    BOOST_TEST(error.substr(0, 4) == "/~0~");
    BOOST_TEST(error.substr(error.size() - 3) == "...");
}

// A body of control characters grows six-fold as JSON (\u0001), and a listing stays in memory
// until its client takes it: the listings held at once stay within twice the journal's budget.
BOOST_AUTO_TEST_CASE(listings_held_at_once_stay_within_the_listing_budget) {
    aqhook::receiver_settings settings;
    settings.journal.max_bytes = 64 * 1024;
    fixture f("{}", settings);
    const std::size_t budget = 2 * settings.journal.max_bytes;
    for (int i = 1; i <= 20; ++i)
        f.send(delivery("/ctl/" + std::to_string(i), std::string(6 * 1024, '\x01')));
    const std::size_t journaled = f.state.journal().size();

    auto first = f.send(admin_request(http::verb::get, "/_aqhook/requests"));
    BOOST_TEST_REQUIRE(first.response->result_int() == 200u);
    BOOST_TEST(first.response->body().size() <= budget);
    BOOST_TEST((*first.response)["X-Aqhook-Truncated"] == "true");
    const auto part = json::parse(first.response->body()).as_array();
    BOOST_TEST_REQUIRE(!part.empty());
    BOOST_TEST(part.at(0).at("id") == "20"); // the newest first
    std::string before(part.back().at("id").as_string());

    // While the first is held (its client has not taken it), no other listing fits.
    for (const std::string target : {"/_aqhook/requests", "/_aqhook/requests/wait?count=1"}) {
        const auto busy = f.send(admin_request(http::verb::get, target));
        BOOST_TEST(busy.response->result_int() == 503u, target);
        BOOST_TEST((*busy.response)[http::field::retry_after] == "1");
        BOOST_TEST(busy.response->body().find("listing budget") != std::string::npos, busy.response->body());
    }

    // Once it is dropped, the rest comes in parts, each asked for before the oldest so far.
    std::size_t listed = part.size();
    first = {};
    for (int parts = 0; parts < 20; ++parts) {
        const auto next = f.send(admin_request(http::verb::get, "/_aqhook/requests?before=" + before));
        BOOST_TEST_REQUIRE(next.response->result_int() == 200u);
        BOOST_TEST(next.response->body().size() <= budget);
        const auto more = json::parse(next.response->body()).as_array();
        listed += more.size();
        if (more.empty() || (*next.response)["X-Aqhook-Truncated"] != "true") break;
        before = std::string(more.back().at("id").as_string());
    }
    BOOST_TEST(listed == journaled);

    // A newest entry larger than the whole budget still lists, alone.
    f.send(delivery("/huge", std::string(300 * 1024, '\x01')));
    const auto alone = f.send(admin_request(http::verb::get, "/_aqhook/requests"));
    BOOST_TEST_REQUIRE(alone.response->result_int() == 200u);
    BOOST_TEST(json::parse(alone.response->body()).as_array().size() == 1u);
}

// A wait started before the deliveries is answered by the one that completes it, not by its timer
// (600 s here): the io_context is only polled, so nothing but the delivery can answer it.
BOOST_AUTO_TEST_CASE(a_pending_wait_is_answered_by_the_delivery_that_completes_it) {
    fixture f;
    boost::asio::io_context io;
    const boost::asio::any_io_executor executor = io.get_executor();
    http_request wait{http::verb::get, "/_aqhook/requests/wait?count=2&timeoutMs=600000", 11};
    wait.set(http::field::host, "localhost");
    auto pending = std::get<aqhook::await_response>(handle_request(f.state, wait, "127.0.0.1").decision).pending;
    BOOST_TEST_REQUIRE(pending != nullptr);
    aqhook::response_ptr answer;
    pending->start({executor, executor}, [&](aqhook::response_ptr r) { answer = std::move(r); });

    f.send(signed_delivery("/hooks/1"));
    io.poll();
    BOOST_TEST(!answer); // one of two
    f.send(signed_delivery("/hooks/2"));
    io.poll();
    BOOST_TEST_REQUIRE(answer != nullptr);
    BOOST_TEST(answer->result_int() == 200u);
    BOOST_TEST(json::parse(answer->body()).as_array().size() == 2u);
    pending.reset(); // its timer belongs to `io`
}

BOOST_AUTO_TEST_CASE(glob_paths) {
    using aqhook::glob_match;
    BOOST_TEST(glob_match("/hooks/*", "/hooks/aq"));
    BOOST_TEST(glob_match("/hooks/*", "/hooks/"));
    BOOST_TEST(glob_match("/hooks/*", "/hooks/a/b"));
    BOOST_TEST(!glob_match("/hooks/*", "/hook"));
    BOOST_TEST(glob_match("/exact", "/exact"));
    BOOST_TEST(!glob_match("/exact", "/exact/"));
    BOOST_TEST(glob_match("/*/aq/*", "/team/aq/x"));
    BOOST_TEST(!glob_match("/*/aq/*", "/team/bq/x"));
    BOOST_TEST(glob_match("*", ""));
    BOOST_TEST(glob_match("/a*b*c", "/aXXbYYc"));
    BOOST_TEST(!glob_match("/a*b*c", "/aXXbYY"));
    BOOST_TEST(glob_match("/**", "/anything"));
}

namespace {

// Two rules script one scenario, a third watches it, and another scenario moves in any state.
const std::string scenario_config = R"({"rules": [
    {"name": "first", "match": {"path": "/a"},
     "scenario": {"name": "retry", "whenState": "Started", "setState": "failed once"}, "respond": {"status": 503}},
    {"name": "second", "match": {"path": "/a"},
     "scenario": {"name": "retry", "whenState": "failed once", "setState": "done"}, "respond": {"status": 201}},
    {"name": "watch", "match": {"path": "/c"},
     "scenario": {"name": "retry", "whenState": "done"}, "respond": {"status": 204}},
    {"name": "any state", "match": {"path": "/b"},
     "scenario": {"name": "two words", "setState": "b seen"}, "respond": {"status": 202}}],
  "default": {"status": 200}})";

} // namespace

BOOST_AUTO_TEST_CASE(scenario_rules_answer_in_their_state_and_move_it) {
    fixture f(scenario_config);
    auto status = [&](std::string target) {
        return f.send(delivery(std::move(target))).response->result_int();
    };
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios") ==
               json::parse(R"({"retry": "Started", "two words": "Started"})"));
    BOOST_TEST(status("/c") == 200u); // "watch" waits for "done"
    BOOST_TEST(!f.last().rule.has_value());
    BOOST_TEST(status("/a") == 503u);
    BOOST_TEST(f.last().rule.value_or("") == "first");
    BOOST_TEST(status("/a") == 201u);
    BOOST_TEST(f.last().rule.value_or("") == "second");
    BOOST_TEST(status("/a") == 200u); // neither state holds: the default answers
    BOOST_TEST(status("/c") == 204u);
    BOOST_TEST(status("/c") == 204u); // no setState: the state stays
    BOOST_TEST(status("/b") == 202u);
    BOOST_TEST(status("/b") == 202u); // no whenState: any state
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios") ==
               json::parse(R"({"retry": "done", "two words": "b seen"})"));
    // Without scenarios the map is empty.
    BOOST_TEST(fixture("{}").admin(http::verb::get, "/_aqhook/scenarios") == json::object());
}

BOOST_AUTO_TEST_CASE(scenarios_are_read_set_and_reset_through_the_admin_api) {
    fixture f(scenario_config);
    BOOST_TEST(f.admin(http::verb::put, "/_aqhook/scenarios/retry", R"({"state": "failed once"})") ==
               json::parse(R"({"retry": "failed once", "two words": "Started"})"));
    BOOST_TEST(f.send(delivery("/a")).response->result_int() == 201u); // the set state holds
    // The name is percent-decoded; any state of 1 to 256 bytes is taken.
    const std::string longest(aqhook::max_scenario_text, 'x');
    BOOST_TEST(f.admin(http::verb::put, "/_aqhook/scenarios/two%20words", R"({"state": ")" + longest + "\"}")
                   .at("two words") == json::value(longest));
    BOOST_TEST(f.admin(http::verb::put, "/_aqhook/scenarios/two%20words", R"({"state": "ünïcode"})")
                   .at("two words") == "ünïcode");
    for (const std::string& bad :
         std::vector<std::string>{"", "not json", "[]", "{}", R"({"state": 1})", R"({"state": ""})",
                                  R"({"state": "a", "other": 1})", R"({"state": ")" + longest + "x\"}"}) {
        const auto refused = f.admin(http::verb::put, "/_aqhook/scenarios/retry", bad, 400);
        BOOST_TEST(refused.at("error").as_string().size() > 0u, bad);
    }
    for (const std::string unknown : {"nope", "retry%2", "%ZZretry", "two%2"})
        f.admin(http::verb::put, "/_aqhook/scenarios/" + unknown, R"({"state": "a"})", 404);
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios").at("retry") ==
               "done"); // none of those moved it
    BOOST_TEST(f.admin(http::verb::delete_, "/_aqhook/scenarios") ==
               json::parse(R"({"retry": "Started", "two words": "Started"})"));
    BOOST_TEST(f.send(delivery("/a")).response->result_int() == 503u);

    for (const auto& [method, target, allow] :
         {std::tuple{http::verb::post, "/_aqhook/scenarios", "GET, HEAD, DELETE"},
          {http::verb::get, "/_aqhook/scenarios/retry", "PUT"}}) {
        const auto refused = f.send(admin_request(method, target));
        BOOST_TEST(refused.response->result_int() == 405u, target);
        BOOST_TEST((*refused.response)[http::field::allow] == allow, target);
    }
}

BOOST_AUTO_TEST_CASE(the_scenario_endpoints_keep_the_admin_access_rules) {
    aqhook::receiver_settings settings;
    settings.admin.token.emplace("a-token-of-thirty-two-characters");
    fixture f(scenario_config, settings);
    auto put = admin_request(http::verb::put, "/_aqhook/scenarios/retry");
    put.body() = R"({"state": "moved"})";
    put.prepare_payload();
    for (auto request : {admin_request(http::verb::get, "/_aqhook/scenarios"),
                         admin_request(http::verb::delete_, "/_aqhook/scenarios"), put})
        BOOST_TEST(f.send(request).response->result_int() == 401u, request.target());
    put.set(http::field::authorization, "Bearer a-token-of-thirty-two-characters");
    put.set(http::field::origin, "http://attacker.test");
    BOOST_TEST(f.send(put).response->result_int() == 403u);
    put.erase(http::field::origin);
    put.set(http::field::content_type, "text/plain");
    BOOST_TEST(f.send(put).response->result_int() == 415u);
    BOOST_TEST(*f.state.config()->scenarios->state("retry") == "Started"); // none of them moved it
    put.set(http::field::content_type, "application/json");
    BOOST_TEST(f.send(put).response->result_int() == 200u);
    BOOST_TEST(*f.state.config()->scenarios->state("retry") == "moved");
}

BOOST_AUTO_TEST_CASE(a_replaced_configuration_starts_its_scenarios_over) {
    fixture f(scenario_config);
    BOOST_TEST(f.send(delivery("/a")).response->result_int() == 503u);
    f.admin(http::verb::put, "/_aqhook/config", scenario_config);
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios").at("retry") == "Started");
    BOOST_TEST(f.send(delivery("/a")).response->result_int() == 503u);
    // A refused replacement keeps the configuration and its states.
    f.admin(http::verb::put, "/_aqhook/config", "{", 400);
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios").at("retry") == "failed once");
    // Scenarios are those the configuration in force names.
    f.admin(http::verb::put, "/_aqhook/config",
            R"({"rules": [{"scenario": {"name": "other"}, "respond": {}}]})");
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/scenarios") == json::parse(R"({"other": "Started"})"));
    f.admin(http::verb::put, "/_aqhook/scenarios/retry", R"({"state": "a"})", 404);
}

// Two rules hand a scenario back and forth while deliveries from several threads race for them:
// the counts of their answers differ by the final state alone, so no two deliveries took one
// transition (the first one included). A delivery that meets neither state as it tries each rule
// gets the default.
BOOST_AUTO_TEST_CASE(racing_deliveries_take_each_transition_once) {
    fixture f(R"({"rules": [
        {"name": "ping", "scenario": {"name": "ball", "whenState": "Started", "setState": "away"},
         "respond": {"status": 201}},
        {"name": "pong", "scenario": {"name": "ball", "whenState": "away", "setState": "Started"},
         "respond": {"status": 202}}]})");
    constexpr int threads = 4, per_thread = 10000;
    std::atomic<int> pings{0}, pongs{0}, defaults{0};
    std::latch start(threads);
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t)
        senders.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < per_thread; ++i) {
                auto request = delivery("/a", "{}");
                const auto result = aqhook::answer_delivery(f.state, request, "127.0.0.1");
                const auto status = std::get<aqhook::send_response>(result.decision).response->result_int();
                ++(status == 201 ? pings : status == 202 ? pongs : defaults);
            }
        });
    for (auto& sender : senders)
        sender.join();
    const bool away = *f.state.config()->scenarios->state("ball") == "away";
    BOOST_TEST(pings.load() + pongs.load() + defaults.load() == threads * per_thread);
    BOOST_TEST(pings.load() > 0);
    BOOST_TEST(pings.load() - pongs.load() == (away ? 1 : 0), pings.load()
                                                                  << " pings, " << pongs.load() << " pongs");
}

BOOST_AUTO_TEST_CASE(an_entry_reads_back_from_its_json) {
    fixture f;
    f.send(signed_delivery("/hooks/a?x=1"));
    f.send(signed_delivery("/bad", aq::signing_method::aws, "other")); // invalid: 401
    f.send(delivery("/binary", std::string("\xff\x00\xfe", 3)));       // unsigned, not UTF-8
    for (const auto& entry : f.entries()) {
        const auto written = aq::to_json(entry);
        const auto read = aqhook::entry_from_json(written);
        BOOST_TEST_REQUIRE(read.has_value(), read.error().message());
        BOOST_TEST(json::serialize(aq::to_json(*read)) == json::serialize(written));
        BOOST_TEST(read->body == entry.body);
        BOOST_TEST(read->verification.error == entry.verification.error);
        BOOST_TEST(read->response.status.value_or(0) == entry.response.status.value_or(0));
    }
    const auto unsigned_entry = aq::to_json(f.last()).as_object();
    BOOST_TEST(unsigned_entry.at("bodyEncoding") == "base64");
    auto without_body = unsigned_entry;
    without_body.erase("body");
    BOOST_TEST(aqhook::entry_from_json(without_body).error().message() ==
               "/body: required member missing (a journal entry has it)");
    auto bad_base64 = unsigned_entry;
    bad_base64["body"] = "!!!!";
    BOOST_TEST(aqhook::entry_from_json(bad_base64).error().pointer == "/body");
    auto bad_status = unsigned_entry;
    bad_status["verification"].as_object()["status"] = "maybe";
    BOOST_TEST(aqhook::entry_from_json(bad_status).error().pointer == "/verification/status");
    BOOST_TEST(!aqhook::entry_from_json(json::value("text")));
}

BOOST_AUTO_TEST_CASE(an_ndjson_listing_is_one_entry_a_line_oldest_first) {
    fixture f("{}");
    for (int i = 1; i <= 5; ++i)
        f.send(delivery("/n/" + std::to_string(i), "x"));
    const std::string binary("\xff\xfe\x00", 3);
    f.send(delivery("/binary", binary));
    auto listing = [&](const std::string& query) {
        http_request request{http::verb::get, "/_aqhook/requests" + query, 11};
        request.set(http::field::host, "localhost");
        return f.send(request).response;
    };
    auto lines = [&](const std::string& query) {
        const auto response = listing(query);
        BOOST_TEST((*response)[http::field::content_type] == "application/x-ndjson");
        std::vector<json::value> out;
        std::string_view body = response->body();
        BOOST_TEST(body.ends_with('\n'));
        for (auto end = body.find('\n'); end != std::string_view::npos; end = body.find('\n')) {
            out.push_back(json::parse(body.substr(0, end)));
            body.remove_prefix(end + 1);
        }
        return out;
    };
    const auto all = lines("?format=ndjson");
    BOOST_TEST_REQUIRE(all.size() == 6u);
    for (std::size_t i = 0; i < all.size(); ++i)
        BOOST_TEST(all[i].at("id").as_string() == std::to_string(i + 1));
    BOOST_TEST(all[5].at("bodyEncoding") == "base64");
    BOOST_TEST(*aqhook::from_base64(all[5].at("body").as_string()) == binary);
    // Paging goes on from the last id read, the oldest first.
    const auto page = lines("?format=ndjson&after=2&limit=2");
    BOOST_TEST_REQUIRE(page.size() == 2u);
    BOOST_TEST(page[0].at("id") == "3");
    BOOST_TEST(page[1].at("id") == "4");
    BOOST_TEST(listing("?format=ndjson&after=6")->body().empty());
    BOOST_TEST(json::parse(listing("?format=json&limit=1")->body()).at(0).at("id") == "6");
    BOOST_TEST(listing("?format=xml")->result_int() == 400u);
}

BOOST_AUTO_TEST_CASE(a_journal_file_holds_the_journal_from_one_state_to_the_next) {
    const auto path = test_support::temp_dir() + "/handler.journal";
    std::remove(path.c_str());
    aqhook::receiver_settings settings;
    settings.journal_file = path;
    settings.journal.max_entries = 3;
    {
        fixture f("{}", settings);
        for (int i = 1; i <= 4; ++i)
            BOOST_TEST(f.send(delivery("/n/" + std::to_string(i), "x")).response->result_int() == 200u);
        f.state.journal().mark_not_sent(4, "client gone before the answer");
    }
    {
        fixture again("{}", settings);
        const auto entries = again.entries();
        BOOST_TEST_REQUIRE(entries.size() == 3u); // the fourth dropped the first, in the file too
        BOOST_TEST(entries[0].id == 4u);
        BOOST_TEST(entries[2].id == 2u);
        BOOST_TEST(entries[0].response.not_sent.value_or("") == "client gone before the answer");
        again.send(delivery("/n/5", "x"));
        BOOST_TEST(again.last().id == 5u);
        again.admin(http::verb::delete_, "/_aqhook/requests");
    }
    fixture cleared("{}", settings);
    BOOST_TEST(cleared.entries().empty());
    BOOST_TEST(cleared.state.journal().ids().second == 6u); // ids are never used twice
    std::remove(path.c_str());
}

// With a journal file, a delivery's answer comes once its entry is committed, after its delay.
BOOST_AUTO_TEST_CASE(with_a_journal_file_an_answer_waits_for_its_commit) {
    const auto path = test_support::temp_dir() + "/committed.journal";
    std::remove(path.c_str());
    aqhook::receiver_settings settings;
    settings.journal_file = path;
    fixture f(R"({"rules": [{"match": {"path": "/slow"}, "respond": {"status": 202, "delayMs": 200}}]})",
              settings);
    for (const std::string target : {"/now", "/slow"}) {
        boost::asio::io_context io; // outlives the pending answer, whose timer is bound to it
        auto request = delivery(target, "x");
        const auto result = handle_request(f.state, request, "127.0.0.1");
        BOOST_TEST_REQUIRE(std::holds_alternative<aqhook::await_response>(result.decision));
        const boost::asio::any_io_executor executor = io.get_executor();
        aqhook::response_ptr answer;
        const auto committed_first = std::make_shared<bool>(false);
        const auto started = std::chrono::steady_clock::now();
        std::get<aqhook::await_response>(result.decision)
            .pending->start({executor, executor}, [&](aqhook::response_ptr r) {
                answer = std::move(r);
                // Called at once when the entry is committed already.
                f.state.journal().when_written(
                                                 [committed_first] { *committed_first = true; });
            });
        io.run();
        BOOST_TEST_REQUIRE(answer);
        BOOST_TEST(*committed_first);
        BOOST_TEST(answer->result_int() == (target == "/slow" ? 202u : 200u));
        if (target == "/slow")
            BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(200)));
    }
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
