#include "request_handler.hpp"

#define BOOST_TEST_MODULE request_handler
#include "test_support.hpp"

#include <allquiet/webhook/patch.hpp>

#include <boost/json/parse.hpp>

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
    const auto headers = aq::sign_now(method, key, body);
    request.set(headers.signature.name, headers.signature.value);
    request.set(headers.timestamp.name, headers.timestamp.value);
    return request;
}

struct fixture {
    explicit fixture(const std::string& config = R"({"secrets": ["dev-secret"]})",
                     aqhook::receiver_settings settings = {})
        : state(config, std::move(settings)) {}

    aqhook::handler_result send(http_request request, std::string_view peer = "127.0.0.1") {
        return handle_request(state, request, peer);
    }
    aq::journal_entry last() { return state.journal().snapshot().at(0); }
    json::value admin(http::verb method, std::string target, std::string body = {}, unsigned expect = 200) {
        http_request request{method, target, 11};
        request.body() = std::move(body);
        request.prepare_payload();
        auto result = send(request);
        BOOST_TEST(result.reply->result_int() == expect, target << ": " << result.reply->body());
        return json::parse(result.reply->body());
    }

    aqhook::receiver_state state;
};

} // namespace

BOOST_AUTO_TEST_CASE(signed_deliveries_of_both_methods_are_accepted_and_journaled) {
    fixture f;
    for (auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        const auto result = f.send(signed_delivery("/hooks/aq?x=1", method));
        BOOST_TEST(result.reply->result_int() == 200u);
        BOOST_TEST(result.verification == "valid");
        const auto entry = f.last();
        BOOST_TEST(entry.verification.status == "valid");
        BOOST_TEST((*entry.verification.method == method));
        BOOST_TEST(!entry.verification.error.has_value());
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
        BOOST_TEST(result.reply->result_int() == 401u);
        BOOST_TEST(f.last().verification.status ==
                   (result.verification == "unsigned" ? "unsigned" : "invalid"));
        BOOST_TEST(f.last().response.status == 401u);
        return std::string(json::parse(result.reply->body()).at("error").as_string());
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
    BOOST_TEST(f.last().verification.status == "unsigned");
    for (const auto& entry : f.state.journal().snapshot()) {
        BOOST_TEST(entry.response.body.find(secret) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(rotation_and_record_policy) {
    fixture f(R"({"secrets": ["new-secret", "dev-secret"], "policy": "record"})");
    BOOST_TEST(f.send(signed_delivery("/h")).reply->result_int() == 200u);
    BOOST_TEST(f.last().verification.status == "valid");
    const auto bad = f.send(signed_delivery("/h", aq::signing_method::aws, "nope"));
    BOOST_TEST(bad.reply->result_int() == 200u); // recorded, answered as if valid
    BOOST_TEST(f.last().verification.status == "invalid");
    BOOST_TEST(*f.last().verification.error == "signature mismatch");
}

BOOST_AUTO_TEST_CASE(without_secrets_everything_is_unsigned_and_answered) {
    fixture f("{}");
    BOOST_TEST(f.send(signed_delivery("/h")).reply->result_int() == 200u);
    BOOST_TEST(f.last().verification.status == "unsigned");
    BOOST_TEST((*f.last().verification.method == aq::signing_method::allquiet)); // seen, not checked
    BOOST_TEST(!f.last().verification.error.has_value());
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
    BOOST_TEST(result.reply->result_int() == 201u);
    BOOST_TEST((*result.reply)["X-Handled-By"] == "aqhook");
    BOOST_TEST((*result.reply)[http::field::content_type] == "application/json; charset=utf-8");
    BOOST_TEST(*f.last().rule == "resolve critical");
    const auto patch = aq::parse_patch(result.reply->body()).value(); // answers parse back with the SDK
    BOOST_TEST((patch.operations.append_intent->intent == aq::intent::resolved));
    BOOST_TEST(f.last().response.body == result.reply->body());

    auto wrong_team = matching;
    wrong_team.set("x-team", "web");
    BOOST_TEST(f.send(wrong_team).reply->result_int() == 204u);
    BOOST_TEST(*f.last().rule == "catch hooks");

    BOOST_TEST(
        f.send(signed_delivery("/hooks/aq", aq::signing_method::allquiet, "bad")).reply->result_int() ==
        202u);
    BOOST_TEST(f.send(signed_delivery("/other")).reply->result_int() == 299u);
    BOOST_TEST(!f.last().rule.has_value());
    BOOST_TEST(f.last().response.body == R"({"fallback":true})");

    auto put = delivery("/other", "x", http::verb::put);
    BOOST_TEST(f.send(put).reply->result_int() == 203u);
    BOOST_TEST(f.last().verification.status == "unsigned");
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_are_journaled_and_never_match_json_conditions) {
    fixture f(R"({"rules": [{"match": {"json": {"": {}}}, "respond": {"status": 201}}]})");
    auto form = delivery("/form", "title=RAM+%3E+60%25");
    form.set(http::field::content_type, "application/x-www-form-urlencoded");
    BOOST_TEST(f.send(form).reply->result_int() == 200u);
    BOOST_TEST(f.last().body == "title=RAM+%3E+60%25");
    BOOST_TEST(*f.last().header("Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(f.send(delivery("/json", "{}")).reply->result_int() == 201u);
}

BOOST_AUTO_TEST_CASE(sequences_delays_and_faults_come_back_as_instructions) {
    fixture f(R"({"rules": [
      {"name": "flaky", "match": {"path": "/flaky"}, "respond": {"sequence": [{"status": 500}, {"status": 200, "delayMs": 25}]}},
      {"name": "reset", "match": {"path": "/reset"}, "respond": {"fault": "reset"}},
      {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}}]})");
    BOOST_TEST(f.send(delivery("/flaky")).reply->result_int() == 500u);
    auto second = f.send(delivery("/flaky"));
    BOOST_TEST(second.reply->result_int() == 200u);
    BOOST_TEST(second.delay.count() == 25);
    BOOST_TEST(f.send(delivery("/flaky")).reply->result_int() == 200u);

    BOOST_TEST((f.send(delivery("/reset")).fault_kind == aqhook::fault::reset));
    BOOST_TEST(*f.last().response.fault == "reset");
    BOOST_TEST(f.last().response.status == 0u);
    BOOST_TEST((f.send(delivery("/hang")).fault_kind == aqhook::fault::timeout));
    BOOST_TEST(*f.last().response.fault == "timeout");
}

BOOST_AUTO_TEST_CASE(source_addresses) {
    aqhook::receiver_settings settings;
    settings.allowed_sources =
        aq::parse_address_list(R"({"ips": ["203.0.113.0/24", "2001:db8::/32"]})").value();
    fixture f("{}", settings);
    BOOST_TEST(f.send(delivery("/h"), "203.0.113.9").reply->result_int() == 200u);
    BOOST_TEST(f.send(delivery("/h"), "2001:db8::7").reply->result_int() == 200u);
    const auto refused = f.send(delivery("/h"), "127.0.0.1");
    BOOST_TEST(refused.reply->result_int() == 403u);
    BOOST_TEST(f.last().response.status == 403u);
    auto forwarded = delivery("/h");
    forwarded.set("X-Forwarded-For", "203.0.113.9");
    BOOST_TEST(f.send(forwarded, "127.0.0.1").reply->result_int() == 403u); // not trusted by default

    settings.trust_forwarded_for = true;
    fixture behind_proxy("{}", settings);
    forwarded.set("X-Forwarded-For", "198.51.100.1, 203.0.113.9");
    BOOST_TEST(behind_proxy.send(forwarded, "127.0.0.1").reply->result_int() == 200u);
    BOOST_TEST(behind_proxy.last().remote_address == "203.0.113.9");
    forwarded.set("X-Forwarded-For", "203.0.113.9, 198.51.100.1"); // only the last hop counts
    BOOST_TEST(behind_proxy.send(forwarded, "127.0.0.1").reply->result_int() == 403u);
    BOOST_TEST(behind_proxy.send(delivery("/h"), "203.0.113.1").reply->result_int() ==
               200u); // no header: the peer
}

BOOST_AUTO_TEST_CASE(journal_is_bounded_and_newest_first) {
    aqhook::receiver_settings settings;
    settings.journal_size = 3;
    fixture f("{}", settings);
    for (int i = 1; i <= 5; ++i)
        f.send(delivery("/n/" + std::to_string(i), "x"));
    const auto entries = f.state.journal().snapshot();
    BOOST_TEST_REQUIRE(entries.size() == 3u);
    BOOST_TEST(entries[0].target == "/n/5");
    BOOST_TEST(entries[2].target == "/n/3");
    BOOST_TEST(entries[0].id == 5u);
    BOOST_TEST(!f.state.journal().find(2).has_value());
    BOOST_TEST(f.state.journal().find(4)->target == "/n/4");
}

BOOST_AUTO_TEST_CASE(a_fixed_answer_is_built_once_and_fits_each_connection) {
    fixture f(R"({"rules": [{"match": {"path": "/fixed"}, "respond": {"status": 202, "body": "ok"}}]})");
    const auto first = f.send(delivery("/fixed"));
    const auto second = f.send(delivery("/fixed"));
    BOOST_TEST(first.reply == second.reply); // shared, not rebuilt
    BOOST_TEST(first.reply->keep_alive());
    BOOST_TEST((*first.reply)[http::field::content_length] == "2");

    auto closing = delivery("/fixed");
    closing.keep_alive(false);
    const auto closed = f.send(closing);
    BOOST_TEST(closed.reply != first.reply);
    BOOST_TEST(!closed.reply->keep_alive());
    BOOST_TEST((*closed.reply)[http::field::connection] == "close");
    BOOST_TEST(closed.reply->body() == "ok");

    auto old = delivery("/fixed");
    old.version(10);
    const auto http10 = f.send(old);
    BOOST_TEST(http10.reply->version() == 10u);
    BOOST_TEST(!http10.reply->keep_alive());
    BOOST_TEST(http10.reply->result_int() == 202u);
    BOOST_TEST(f.last().response.headers.size() == 2u); // Content-Type and Content-Length
}

BOOST_AUTO_TEST_CASE(a_reused_entry_keeps_nothing_of_the_delivery_before) {
    aqhook::receiver_settings settings;
    settings.journal_size = 1;
    fixture f(R"({"secrets": ["dev-secret"], "policy": "record",
        "rules": [{"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}}]})",
              settings);
    aqhook::connection_memory reused;
    auto busy = signed_delivery("/hang", aq::signing_method::allquiet, "wrong-secret");
    busy.set("X-Extra", "one");
    busy.set("X-More", "two");
    handle_request(f.state, busy, "127.0.0.1", reused);
    BOOST_TEST(reused.entry->target.empty()); // the journal was empty: nothing dropped
    BOOST_TEST(f.last().verification.error.has_value());
    BOOST_TEST(f.last().rule.has_value());
    BOOST_TEST(f.last().response.fault.has_value());

    auto plain = delivery("/plain", "{}");
    handle_request(f.state, plain, "127.0.0.1", reused);
    BOOST_TEST(reused.entry->target == "/hang"); // the dropped entry comes back for reuse
    auto good = signed_delivery("/plain", aq::signing_method::allquiet, secret, "{}");
    handle_request(f.state, good, "127.0.0.1", reused);
    const auto entry = f.last();
    BOOST_TEST(entry.target == "/plain");
    BOOST_TEST(entry.id == 3u);
    BOOST_TEST(entry.body == "{}");
    BOOST_TEST(entry.headers.size() == 4u); // no X-Extra, no X-More
    BOOST_TEST(entry.verification.status == "valid");
    BOOST_TEST(!entry.verification.error.has_value());
    BOOST_TEST(!entry.rule.has_value());
    BOOST_TEST(entry.response.status == 200u);
    BOOST_TEST(!entry.response.fault.has_value());
    BOOST_TEST(entry.response.body.empty());
}

BOOST_AUTO_TEST_CASE(a_connection_sees_a_replaced_configuration_at_its_next_delivery) {
    fixture f(R"({"default": {"status": 201}})");
    aqhook::connection_memory memory;
    auto first = delivery("/x");
    BOOST_TEST(handle_request(f.state, first, "127.0.0.1", memory).reply->result_int() == 201u);
    const auto* first_config = memory.config.config.get();

    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 202}})");
    auto second = delivery("/x");
    BOOST_TEST(handle_request(f.state, second, "127.0.0.1", memory).reply->result_int() == 202u);
    BOOST_TEST(memory.config.config.get() != first_config);

    // A refused replacement leaves the view as it is.
    const auto* second_config = memory.config.config.get();
    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 7}})", 400);
    auto third = delivery("/x");
    BOOST_TEST(handle_request(f.state, third, "127.0.0.1", memory).reply->result_int() == 202u);
    BOOST_TEST(memory.config.config.get() == second_config);
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

    const auto wait =
        f.send(http_request{http::verb::get, "/_aqhook/requests/wait?count=2&timeoutMs=50", 11});
    BOOST_TEST_REQUIRE(wait.wait.has_value());
    BOOST_TEST(wait.wait->count == 2u);
    BOOST_TEST(wait.wait->timeout.count() == 50);
    BOOST_TEST(aqhook::wait_reply(f.state, true, 11, true)->result_int() == 200u);
    BOOST_TEST(aqhook::wait_reply(f.state, false, 11, true)->result_int() == 408u);
    f.admin(http::verb::get, "/_aqhook/requests/wait", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=0", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=1001", {}, 400);
    f.admin(http::verb::get, "/_aqhook/requests/wait?count=1&timeoutMs=x", {}, 400);

    f.admin(http::verb::delete_, "/_aqhook/requests");
    BOOST_TEST(f.admin(http::verb::get, "/_aqhook/requests").as_array().empty());

    const auto config = f.admin(http::verb::get, "/_aqhook/config");
    BOOST_TEST(config.at("secrets") == json::parse(R"(["<redacted>"])"));
    f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 202}})");
    BOOST_TEST(f.send(delivery("/x")).reply->result_int() == 202u);
    const auto refused = f.admin(http::verb::put, "/_aqhook/config", R"({"default": {"status": 7}})", 400);
    BOOST_TEST(std::string(refused.at("error").as_string()).find("/default/status") == 0u);
    BOOST_TEST(f.send(delivery("/x")).reply->result_int() == 202u); // the old configuration stays

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
    BOOST_TEST(ticket.reply->result_int() == 200u);
    const auto patch = aq::parse_patch(ticket.reply->body()).value();
    BOOST_TEST(patch.operations.upsert_attributes->attributes.at(0).value ==
               "OPS-81cd20be-5837-4dd8-a951-2207a025a231");
    BOOST_TEST((*ticket.reply)[http::field::content_type] == "application/json; charset=utf-8");
    BOOST_TEST(f.last().response.body == ticket.reply->body());

    BOOST_TEST(f.send(delivery("/echo")).reply->body() == "got RAM above 60%");
    BOOST_TEST(f.send(delivery("/echo", "not json")).reply->body() == "got nothing");

    const auto broken = f.send(delivery("/broken")); // renders to intent "RAM above 60%": no patch
    BOOST_TEST(broken.reply->result_int() == 500u);
    BOOST_TEST(std::string(json::parse(broken.reply->body()).at("error").as_string())
                   .find("answer template: /operations/appendIntent/intent") == 0u);
    BOOST_TEST(f.last().response.status == 500u);
}

BOOST_AUTO_TEST_CASE(the_web_page_and_its_dummy_delivery) {
    fixture f;
    http_request get_page{http::verb::get, "/_aqhook/", 11};
    const auto page = f.send(get_page);
    BOOST_TEST(page.reply->result_int() == 200u);
    BOOST_TEST((*page.reply)[http::field::content_type] == "text/html; charset=utf-8");
    BOOST_TEST(page.reply->body().find("Latest requests") != std::string::npos);
    BOOST_TEST((*page.reply)["Content-Security-Policy"].find("default-src 'none'") == 0u);

    BOOST_TEST(
        f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "aws", "secret": "dev-secret"})") ==
        json::parse(R"({"status": 200})"));
    BOOST_TEST(f.last().verification.status == "valid");
    BOOST_TEST((*f.last().verification.method == aq::signing_method::aws));
    BOOST_TEST(f.last().target == "/hooks/dummy");
    BOOST_TEST(*f.last().incident().value().title == "RAM above 60%");
    BOOST_TEST(
        f.admin(http::verb::post, "/_aqhook/dummy", R"({"secret": "wrong", "path": "/x"})").at("status") ==
        401);
    BOOST_TEST(f.last().target == "/x");
    BOOST_TEST(f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "none"})").at("status") ==
               401);
    BOOST_TEST(f.last().verification.status == "unsigned");
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"path": "/_aqhook/requests"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"path": "no-slash"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "md5"})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"signingMethod": "aws"})", 400); // no secret
    f.admin(http::verb::post, "/_aqhook/dummy", R"({"secret": 5})", 400);
    f.admin(http::verb::post, "/_aqhook/dummy", "not json", 400);
    f.admin(http::verb::get, "/_aqhook/dummy", {}, 405);
    for (const auto& entry : f.state.journal().snapshot())
        BOOST_TEST(entry.body.find("dev-secret") == std::string::npos);
}
