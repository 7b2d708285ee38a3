// Forwarding: the receiver sends a delivery on to a local target (a second mock_receiver, whose
// journal shows what it got, or a raw loopback server) and relays the target's answer.
#include <allquiet/webhook/mock_receiver.hpp>

#include "http_client.hpp"
#include "streaming_server.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/signature.hpp>

#include <boost/beast/http/read.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <future>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_receiver_forward)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::http_send;
using test_support::make_request;
using test_support::raw_socket;
using test_support::sign_request;
namespace http = test_support::http;

namespace {

const std::string aq_secret = "all-quiet-secret";
const std::string local_secret = "local-secret";

/// A target that answers every delivery 201 with a body of its own, verifying with the local secret.
aq::mock_receiver local_target() {
    return aq::mock_receiver(
        aq::mock_config()
            .secret(local_secret)
            .policy(aq::verification_policy::record)
            .otherwise(aq::mock_response(201).header("X-Target", "yes").body("from the target")));
}

/// A receiver that forwards what its default answers to `url`.
aq::mock_receiver forwarder(const std::string& url, aq::mock_config config = {},
                            aq::mock_receiver_options options = {}) {
    options.forward_to = url;
    return aq::mock_receiver(std::move(config), std::move(options));
}

http::request<http::string_body> signed_post(std::string target, std::string body,
                                             aq::signing_method method = aq::signing_method::allquiet,
                                             const std::string& secret = aq_secret) {
    auto request = make_request(http::verb::post, std::move(target), std::move(body));
    request.set(http::field::content_type, "application/json");
    sign_request(request, method, secret);
    return request;
}

/// The one delivery a target received.
aq::journal_entry received_by(const aq::mock_receiver& target) {
    const auto entries = target.wait_for(1, 5s);
    BOOST_TEST_REQUIRE(entries.has_value());
    BOOST_TEST_REQUIRE(entries->size() == 1u);
    return entries->front();
}

/// The forwarder's newest entry once its forward is done.
aq::journal_entry forwarded_entry(const aq::mock_receiver& receiver) {
    std::optional<aq::journal_entry> done;
    BOOST_TEST_REQUIRE(test_support::eventually([&] {
        const auto entries = receiver.journal();
        if (entries.empty() || !entries.front().forward || !entries.front().forward->done()) return false;
        done = entries.front();
        return true;
    }));
    return *done;
}

json::value json_of(const std::string& text) { return json::parse(text); }

std::string text(boost::beast::string_view s) { return {s.data(), s.size()}; }

aq::verifier verifier_with(const std::string& secret) {
    aq::verifier_options options;
    options.secrets = {secret};
    return aq::verifier(std::move(options));
}

/// A target that reads the request, then sends a status line and one header line every 50 ms, a
/// head that never ends, until the client goes or `limit` passes.
class trickling_target {
  public:
    explicit trickling_target(std::chrono::milliseconds limit) {
        thread_ = std::thread([this, limit] {
            boost::system::error_code ec;
            auto socket = acceptor_.accept(ec);
            if (ec) return;
            boost::beast::flat_buffer buffer;
            http::request<http::string_body> request;
            http::read(socket, buffer, request, ec);
            boost::asio::write(socket, boost::asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n")), ec);
            for (const auto end = std::chrono::steady_clock::now() + limit;
                 !ec && std::chrono::steady_clock::now() < end;) {
                std::this_thread::sleep_for(50ms);
                boost::asio::write(socket, boost::asio::buffer(std::string_view("X-Slow: a\r\n")), ec);
            }
        });
    }
    ~trickling_target() { thread_.join(); }

    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/";
    }

  private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::thread thread_;
};

} // namespace

// The body goes byte for byte, the headers but those about one connection, Host and
// Content-Length the target's, X-Forwarded-For and X-Forwarded-Proto added; the path is the
// target URL's, not the delivery's.
BOOST_AUTO_TEST_CASE(the_delivery_goes_on_byte_for_byte) {
    auto target = local_target();
    auto receiver = forwarder(target.url() + "/hook?from=aqhook");
    const std::string body = "{ \"title\" :\t\"Disk  full \xC3\xA9\xE2\x82\xAC\" ,\n  \"n\": 1.50 }\r\n";
    auto request = signed_post("/hooks/aq?x=1", body);
    request.set(http::field::connection, "keep-alive, X-Hop");
    request.set("X-Hop", "dropped");
    request.set(http::field::keep_alive, "timeout=5");
    request.set(http::field::proxy_authorization, "Basic c2VjcmV0");
    request.set(http::field::te, "trailers");
    request.set(http::field::upgrade, "websocket");
    request.set("X-Forwarded-For", "198.51.100.9");
    request.set("X-Kept", "kept");
    const auto answer = http_send(receiver.port(), request);
    BOOST_TEST_REQUIRE(!answer.error, answer.error.message());
    BOOST_TEST(answer.response.result_int() == 201u);

    const auto got = received_by(target);
    BOOST_TEST(got.method == "POST");
    BOOST_TEST(got.target == "/hook?from=aqhook");
    BOOST_TEST(got.body == body);
    BOOST_TEST(*got.header("Host") == "127.0.0.1:" + std::to_string(target.port()));
    BOOST_TEST(*got.header("Content-Length") == std::to_string(body.size()));
    BOOST_TEST(*got.header("X-Forwarded-For") == "127.0.0.1"); // the source, not the client's claim
    BOOST_TEST(*got.header("X-Forwarded-Proto") == "http");
    BOOST_TEST(*got.header("X-Kept") == "kept");
    BOOST_TEST(*got.header("Content-Type") == "application/json");
    BOOST_TEST(*got.header("x-aq-signature") == text(request["x-aq-signature"])); // no forward secret
    for (const auto* hop : {"Connection", "X-Hop", "Keep-Alive", "Proxy-Authorization", "TE", "Upgrade"})
        BOOST_TEST(!got.header(hop).has_value(), hop);
    std::size_t forwarded_for = 0;
    for (const auto& h : got.headers)
        forwarded_for += aq::detail::iequals(h.name, "X-Forwarded-For") ? 1 : 0;
    BOOST_TEST(forwarded_for == 1u);

    // A chunked delivery arrives whole, with its length.
    raw_socket chunked(receiver.port());
    chunked.write("POST /hooks/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n"
                  "Connection: close\r\n\r\n3\r\nab \r\n2\r\n\xC3\xA9\r\n0\r\n\r\n");
    BOOST_TEST(chunked.read_until_closed(5s).received.find("HTTP/1.1 201 Created\r\n") == 0u);
    const auto second = target.wait_for(2, 5s).value().front();
    BOOST_TEST(second.body == "ab \xC3\xA9");
    BOOST_TEST(*second.header("Content-Length") == "5");
    BOOST_TEST(!second.header("Transfer-Encoding").has_value());
    BOOST_TEST(!second.header("Trailer").has_value());
}

// With a forward secret, the signature headers are replaced: signed again with it, stamped now,
// with the method the delivery came with. The target verifies with its own secret; All Quiet's no
// longer verifies.
BOOST_AUTO_TEST_CASE(a_forward_secret_signs_the_delivery_again) {
    auto target = local_target();
    aq::mock_receiver_options options;
    options.forward_secret = local_secret;
    auto receiver = forwarder(target.url() + "/hook", aq::mock_config().secret(aq_secret), options);
    const auto all_quiet = verifier_with(aq_secret), local = verifier_with(local_secret);
    for (const auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        BOOST_TEST_CONTEXT(to_string(method)) {
            target.clear_journal();
            const auto request = signed_post("/hooks/aq", R"({"title": "x"})", method);
            BOOST_TEST(http_send(receiver.port(), request).response.result_int() == 201u);
            const auto got = received_by(target);
            BOOST_TEST(got.verification.status() == aq::verification_status::valid);
            BOOST_TEST((got.verification.method == method));
            BOOST_TEST(local.check(got.headers, got.body).valid());
            BOOST_TEST((all_quiet.check(got.headers, got.body).error == aq::error::signature_mismatch));
            const auto other =
                method == aq::signing_method::aws ? aq::signing_method::allquiet : aq::signing_method::aws;
            BOOST_TEST(!got.header(aq::signature_header_name(other)).has_value());
            std::size_t signatures = 0;
            for (const auto& h : got.headers)
                signatures += aq::detail::iequals(h.name, aq::signature_header_name(method)) ? 1 : 0;
            BOOST_TEST(signatures == 1u);
            BOOST_TEST(*got.header(aq::signature_header_name(method)) !=
                       text(request[aq::signature_header_name(method)]));
            // The secret itself is nowhere the journal shows.
            const auto entry = forwarded_entry(receiver);
            BOOST_TEST(json::serialize(aq::to_json(entry)).find(local_secret) == std::string::npos);
        }
    }
    // A receiver without secrets cannot attribute a delivery: it keeps the method of the
    // signature header it carries, and All Quiet's when there is none.
    auto unchecked = forwarder(target.url() + "/hook", {}, options);
    for (const auto method : {aq::signing_method::aws, aq::signing_method::allquiet}) {
        target.clear_journal();
        BOOST_TEST(
            http_send(unchecked.port(), signed_post("/h", "{}", method, "anything")).response.result_int() ==
            201u);
        BOOST_TEST((received_by(target).verification.method == method));
    }
    target.clear_journal();
    BOOST_TEST(
        http_send(unchecked.port(), make_request(http::verb::post, "/h", "{}")).response.result_int() ==
        201u);
    BOOST_TEST((received_by(target).verification.method == aq::signing_method::allquiet));
    BOOST_TEST(received_by(target).verification.status() == aq::verification_status::valid);
}

// The target's answer is the delivery's: its status, headers (but those about its connection)
// and body, 2xx and 5xx alike; a 3xx is relayed, not followed.
BOOST_AUTO_TEST_CASE(the_targets_answer_is_relayed) {
    aq::mock_receiver target(R"({"rules": [
        {"match": {"path": "/ok"}, "respond": {"status": 202, "headers": {"X-Target": "ok"}, "body": {"ok": true}}},
        {"match": {"path": "/broken"}, "respond": {"status": 503, "headers": {"Retry-After": "7"}, "body": "down for \u00e9"}},
        {"match": {"path": "/moved"}, "respond": {"status": 302, "headers": {"Location": "/elsewhere"}}}]})");
    aq::mock_receiver receiver(
        aq::mock_config()
            .rule(aq::mock_rule("ok")
                      .when(aq::request_match().path("/ok"))
                      .respond(aq::mock_response().forward_to(target.url() + "/ok")))
            .rule(aq::mock_rule("broken")
                      .when(aq::request_match().path("/broken"))
                      .respond(aq::mock_response().forward_to(target.url() + "/broken")))
            .rule(aq::mock_rule("moved")
                      .when(aq::request_match().path("/moved"))
                      .respond(aq::mock_response().forward_to(target.url() + "/moved"))));
    const auto ok = http_send(receiver.port(), make_request(http::verb::post, "/ok", "{}"));
    BOOST_TEST(ok.response.result_int() == 202u);
    BOOST_TEST(ok.response["X-Target"] == "ok");
    BOOST_TEST(ok.response[http::field::content_type] == "application/json; charset=utf-8");
    BOOST_TEST(ok.response.body() == R"({"ok":true})");
    const auto broken = http_send(receiver.port(), make_request(http::verb::post, "/broken", "{}"));
    BOOST_TEST(broken.response.result_int() == 503u);
    BOOST_TEST(broken.response["Retry-After"] == "7");
    BOOST_TEST(broken.response.body() == "down for \xC3\xA9");
    const auto moved = http_send(receiver.port(), make_request(http::verb::post, "/moved", "{}"));
    BOOST_TEST(moved.response.result_int() == 302u);
    BOOST_TEST(moved.response[http::field::location] == "/elsewhere");
    BOOST_TEST(target.journal().size() == 3u); // /elsewhere was never asked for

    // A raw target's headers about its own connection stay there; its chunked body arrives whole.
    const std::string raw_answer =
        "HTTP/1.1 200 OK\r\nConnection: close, X-Private\r\nX-Private: 1\r\n"
        "Keep-Alive: timeout=1\r\nTransfer-Encoding: chunked\r\nX-Public: 2\r\n\r\n"
        "4\r\nbody\r\n0\r\n\r\n";
    test_support::streaming_server raw(raw_answer, "", raw_answer.size());
    auto relayed_from_raw = forwarder(raw.url("/raw"));
    const auto relayed = http_send(relayed_from_raw.port(), make_request(http::verb::post, "/x", "{}"));
    BOOST_TEST(relayed.response.result_int() == 200u);
    BOOST_TEST(relayed.response.body() == "body");
    BOOST_TEST(relayed.response["X-Public"] == "2");
    BOOST_TEST(relayed.response.count("X-Private") == 0u);
    BOOST_TEST(relayed.response.count(http::field::keep_alive) == 0u);
    BOOST_TEST(relayed.response.count(http::field::transfer_encoding) == 0u);
    BOOST_TEST(relayed.response[http::field::content_length] == "4");
    BOOST_TEST(relayed.response.keep_alive()); // the client's connection, not the target's
}

// A delivery the receiver refuses (401 under enforce) is never forwarded; under `record` an
// invalid one is, and the journal says it was invalid.
BOOST_AUTO_TEST_CASE(only_what_the_policy_admits_is_forwarded) {
    auto target = local_target();
    auto receiver = forwarder(target.url() + "/hook", aq::mock_config().secret(aq_secret));
    const auto refused =
        http_send(receiver.port(), signed_post("/hooks/aq", "{}", aq::signing_method::allquiet, "wrong"));
    BOOST_TEST(refused.response.result_int() == 401u);
    BOOST_TEST(
        http_send(receiver.port(), make_request(http::verb::post, "/hooks/aq", "{}")).response.result_int() ==
        401u);
    const auto entries = receiver.wait_for(2, 5s).value();
    BOOST_TEST(!entries[0].forward.has_value());
    BOOST_TEST(!entries[1].forward.has_value());
    BOOST_TEST(target.journal().empty());

    aq::mock_receiver_options options;
    options.forward_secret = local_secret;
    auto recording =
        forwarder(target.url() + "/hook",
                  aq::mock_config().secret(aq_secret).policy(aq::verification_policy::record), options);
    BOOST_TEST(
        http_send(recording.port(), signed_post("/hooks/aq", "{}", aq::signing_method::allquiet, "wrong"))
            .response.result_int() == 201u);
    const auto entry = forwarded_entry(recording);
    BOOST_TEST(entry.verification.status() == aq::verification_status::invalid);
    BOOST_TEST(entry.forward->status.value_or(0) == 201u);
    // Signed again like any other: the target can no longer tell.
    BOOST_TEST(received_by(target).verification.status() == aq::verification_status::valid);
}

// No answer: 502 at once when the connection is refused, 504 at the forward's timeout, 502 for
// an answer over the body limit; each with the reason, in the answer and the journal.
BOOST_AUTO_TEST_CASE(a_forward_that_fails_says_why) {
    const auto closed_port = [] {
        aq::mock_receiver gone;
        return gone.port();
    }();
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(closed_port) + "/hook";
    aq::mock_receiver_options options;
    options.forward_timeout = 20s;
    auto refused = forwarder(nowhere, {}, options);
    const auto at_once = http_send(refused.port(), make_request(http::verb::post, "/hooks/aq", "{}"));
    BOOST_TEST(at_once.response.result_int() == 502u);
    BOOST_TEST(at_once.elapsed < 5s); // at once, far under the 20 s timeout
    BOOST_TEST(
        json_of(at_once.response.body()) ==
        json_of(R"({"error": "forward failed", "reason": "connection refused", "url": ")" + nowhere + "\"}"));
    const auto entry = forwarded_entry(refused);
    BOOST_TEST(entry.forward->error.value_or("") == "connection refused");
    BOOST_TEST(!entry.forward->status.has_value());
    BOOST_TEST(entry.response.status.value_or(0) == 502u);
    BOOST_TEST(entry.response.body == at_once.response.body());

    aq::mock_receiver hanging(R"({"rules": [{"respond": {"fault": "timeout"}}]})");
    aq::mock_receiver timed(
        aq::mock_config().otherwise(aq::mock_response().forward_to(hanging.url() + "/hook", 300ms)), options);
    const auto late = http_send(timed.port(), make_request(http::verb::post, "/hooks/aq", "{}"));
    BOOST_TEST(late.response.result_int() == 504u);
    BOOST_TEST(json_of(late.response.body()).at("reason") == "no answer within 300 ms");
    BOOST_TEST(late.elapsed >= 300ms);
    BOOST_TEST(late.elapsed < 5s);

    aq::mock_receiver large(R"({"default": {"body": ")" + std::string(2000, 'a') + "\"}}");
    options.max_body = 1024;
    auto bounded = forwarder(large.url() + "/hook", {}, options);
    const auto too_large = http_send(bounded.port(), make_request(http::verb::post, "/hooks/aq", "{}"));
    BOOST_TEST(too_large.response.result_int() == 502u);
    BOOST_TEST(json_of(too_large.response.body()).at("reason") == "answer body larger than 1024 bytes");
}

// A forward's deadline holds whatever the target does: a head that trickles in ends at the
// timeout; interim answers without end, at the head limit.
BOOST_AUTO_TEST_CASE(a_hostile_target_is_bounded) {
    trickling_target slow(10s);
    aq::mock_receiver receiver(
        aq::mock_config().otherwise(aq::mock_response().forward_to(slow.url(), 500ms)));
    const auto answer = http_send(receiver.port(), make_request(http::verb::post, "/hooks/aq", "{}"));
    BOOST_TEST(answer.response.result_int() == 504u);
    BOOST_TEST(json_of(answer.response.body()).at("reason") == "no answer within 500 ms");
    BOOST_TEST(answer.elapsed < 5s); // 500 ms; the target would go on for 10 s
    BOOST_TEST_MESSAGE("a head trickling in: 504 after " << answer.elapsed.count() << " ms");

    test_support::streaming_server interim("", test_support::repeated("HTTP/1.1 100 Continue\r\n\r\n", 1000));
    auto endless = forwarder(interim.url("/"));
    const auto bounded = http_send(endless.port(), make_request(http::verb::post, "/hooks/aq", "{}"));
    BOOST_TEST(bounded.response.result_int() == 502u);
    BOOST_TEST(json_of(bounded.response.body()).at("reason") ==
               "answer head larger than 65536 bytes (interim answers included)");
    BOOST_TEST(interim.bytes_sent() < std::size_t(64) << 20);
    BOOST_TEST_MESSAGE("interim answers without end: 502 after " << bounded.elapsed.count() << " ms, "
                                                                 << interim.bytes_sent() << " bytes sent");
}

// A client that hangs up cancels its forward (the target's answer is not awaited); stopping the
// receiver cancels one under way, whose client gets 503.
BOOST_AUTO_TEST_CASE(a_forward_ends_with_its_client_and_its_receiver) {
    aq::mock_receiver hanging(R"({"rules": [{"respond": {"fault": "timeout"}}]})");
    aq::mock_receiver_options options;
    options.forward_timeout = 60s;
    auto receiver = forwarder(hanging.url() + "/hook", {}, options);
    raw_socket client(receiver.port());
    client.write("POST /hooks/aq HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    BOOST_TEST_REQUIRE(hanging.wait_for(1, 5s).has_value()); // the forward is under way
    const auto hung_up = std::chrono::steady_clock::now();
    client.vanish();
    const auto entry = forwarded_entry(receiver);
    BOOST_TEST_MESSAGE(
        "a client hanging up: its forward ended within "
        << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - hung_up)
               .count()
        << " ms");
    BOOST_TEST(entry.forward->error.value_or("") == "cancelled before the target answered");
    BOOST_TEST(entry.response.not_sent.value_or("") == "client gone before the answer");

    auto stopping = forwarder(hanging.url() + "/hook", {}, options);
    auto in_flight = std::async(std::launch::async, [&] {
        return http_send(stopping.port(), make_request(http::verb::post, "/x", "{}"), 30s);
    });
    BOOST_TEST_REQUIRE(hanging.wait_for(2, 5s).has_value());
    const auto start = std::chrono::steady_clock::now();
    stopping.stop();
    const auto stopped_after = std::chrono::steady_clock::now() - start;
    BOOST_TEST((stopped_after < 5s));
    BOOST_TEST_MESSAGE("a stop with a forward under way: stopped in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(stopped_after).count()
                       << " ms");
    const auto answer = in_flight.get();
    BOOST_TEST(answer.response.result_int() == 503u);
    BOOST_TEST(json_of(answer.response.body()).at("reason") == "cancelled before the target answered");
}

// The journal entry holds both legs, typed and in the admin API's JSON; the entry's own response
// is what the sender got.
BOOST_AUTO_TEST_CASE(the_journal_holds_both_legs) {
    auto target = local_target();
    aq::mock_receiver_options options;
    options.forward_secret = local_secret;
    auto receiver =
        forwarder("http://user:password@127.0.0.1:" + std::to_string(target.port()) + "/hook", {}, options);
    const auto answer =
        http_send(receiver.port(), make_request(http::verb::post, "/hooks/aq", R"({"a": 1})"));
    BOOST_TEST(answer.response.result_int() == 201u);
    const auto entry = forwarded_entry(receiver);
    const auto& leg = *entry.forward;
    const std::string shown = target.url() + "/hook"; // without the user information
    BOOST_TEST(leg.url == shown);
    BOOST_TEST(leg.status.value_or(0) == 201u);
    BOOST_TEST(leg.body == "from the target");
    BOOST_TEST(!leg.error.has_value());
    BOOST_TEST(leg.duration.count() > 0);
    bool signed_header = false, target_header = false;
    for (const auto& h : leg.request_headers)
        signed_header = signed_header || aq::detail::iequals(h.name, "x-aq-signature");
    for (const auto& h : leg.headers)
        target_header = target_header || (h.name == "X-Target" && h.value == "yes");
    BOOST_TEST(signed_header); // as sent: signed again
    BOOST_TEST(target_header);
    BOOST_TEST(entry.response.status.value_or(0) == 201u);
    BOOST_TEST(entry.response.body == "from the target");
    BOOST_TEST(entry.body == R"({"a": 1})");

    const auto listed = http_send(
        receiver.port(), make_request(http::verb::get, "/_aqhook/requests/" + std::to_string(entry.id)));
    const auto forward = json_of(listed.response.body()).at("forward");
    BOOST_TEST(forward.at("url") == shown.c_str());
    BOOST_TEST(forward.at("status") == 201);
    BOOST_TEST(forward.at("body") == "from the target");
    BOOST_TEST(forward.at("headers").at("x-target") == "yes");
    BOOST_TEST(forward.at("requestHeaders").at("x-forwarded-proto") == "http");
    BOOST_TEST(forward.at("requestHeaders").as_object().contains("x-aq-signature"));
    BOOST_TEST(forward.at("durationUs").as_int64() > 0);
    BOOST_TEST(forward.at("error").is_null());
    BOOST_TEST(json_of(listed.response.body()).at("response").at("status") == 201);
    BOOST_TEST(listed.response.body().find("password") == std::string::npos);
    BOOST_TEST(listed.response.body().find(local_secret) == std::string::npos);
    const auto plain = http_send(receiver.port(), make_request(http::verb::get, "/_aqhook/health"));
    BOOST_TEST(plain.response.result_int() == 200u);
}

// Rules route deliveries to targets of their own, and their own forward wins over
// `forward_to`, which replaces only a default the configuration does not give. A fault answers the
// fault and forwards nothing; a delay waits before the forward.
BOOST_AUTO_TEST_CASE(rules_choose_the_target) {
    auto first = local_target(), second = local_target(), fallback = local_target();
    auto config =
        aq::mock_config()
            .rule(aq::mock_rule("a")
                      .when(aq::request_match().path("/a"))
                      .respond(aq::mock_response().forward_to(first.url() + "/a")))
            .rule(aq::mock_rule("b")
                      .when(aq::request_match().path("/b"))
                      .respond(aq::mock_response().forward_to(second.url() + "/b").delay(300ms)))
            .rule(aq::mock_rule("reset")
                      .when(aq::request_match().path("/reset"))
                      .respond(aq::mock_response().forward_to(first.url() + "/a").fault(aq::fault::reset)));
    auto receiver = forwarder(fallback.url() + "/other", config);
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/a", "{}")).response.result_int() ==
               201u);
    const auto delayed = http_send(receiver.port(), make_request(http::verb::post, "/b", "{}"));
    BOOST_TEST(delayed.response.result_int() == 201u);
    BOOST_TEST(delayed.elapsed >= 300ms);
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/c", "{}")).response.result_int() ==
               201u);
    BOOST_TEST(received_by(first).target == "/a");
    BOOST_TEST(received_by(second).target == "/b");
    BOOST_TEST(received_by(fallback).target == "/other");
    const auto reset = http_send(receiver.port(), make_request(http::verb::post, "/reset", "{}"), 5s);
    BOOST_TEST(reset.error.failed());
    BOOST_TEST(first.journal().size() == 1u); // the fault forwarded nothing
    const auto entries = receiver.wait_for(4, 5s).value();
    BOOST_TEST(!entries.front().forward.has_value());
    BOOST_TEST((entries.front().response.fault == aq::fault::reset));

    // A configuration with a default of its own keeps it.
    auto keeps_default =
        forwarder(fallback.url() + "/other", aq::mock_config().otherwise(aq::mock_response(202)));
    BOOST_TEST(
        http_send(keeps_default.port(), make_request(http::verb::post, "/c", "{}")).response.result_int() ==
        202u);
    BOOST_TEST(fallback.journal().size() == 1u);
    // The dummy form's delivery goes the same way, and says the target's status.
    const auto dummy = http_send(
        receiver.port(), test_support::json_request(http::verb::post, "/_aqhook/dummy", R"({"path": "/a"})"));
    BOOST_TEST(json_of(dummy.response.body()) == json_of(R"({"status": 201})"));
    BOOST_TEST(first.journal().size() == 2u);
}

// A forward waits on no thread: with one I/O thread, deliveries on other connections are answered
// while a slow target takes its time, and a kept-alive connection goes on after its forward.
BOOST_AUTO_TEST_CASE(a_slow_target_holds_up_no_other_delivery) {
    aq::mock_receiver target(
        R"({"rules": [{"match": {"path": "/slow"}, "respond": {"status": 202, "delayMs": 2000}}],
                                 "default": {"status": 201}})");
    aq::mock_receiver_options options;
    options.threads = 1;
    aq::mock_receiver receiver(aq::mock_config()
                                   .rule(aq::mock_rule("slow")
                                             .when(aq::request_match().path("/slow"))
                                             .respond(aq::mock_response().forward_to(target.url() + "/slow")))
                                   .otherwise(aq::mock_response().forward_to(target.url() + "/fast")),
                               options);
    auto slow = std::async(std::launch::async, [&] {
        return http_send(receiver.port(), make_request(http::verb::post, "/slow", "{}"));
    });
    BOOST_TEST_REQUIRE(target.wait_for(1, 5s).has_value()); // the slow forward is under way
    test_support::http_connection connection(receiver.port());
    for (int i = 0; i < 3; ++i) {
        const auto fast = connection.send(make_request(http::verb::post, "/fast", "{}"));
        BOOST_TEST_REQUIRE(!fast.error, fast.error.message());
        BOOST_TEST(fast.response.result_int() == 201u);
        BOOST_TEST(fast.elapsed < 1500ms); // the slow one takes 2 s
    }
    BOOST_TEST((slow.wait_for(0s) == std::future_status::timeout)); // still waiting meanwhile
    BOOST_TEST(slow.get().response.result_int() == 202u);
}

BOOST_AUTO_TEST_CASE(forward_options_are_checked) {
    auto refused = [](auto change) {
        aq::mock_receiver_options options;
        change(options);
        BOOST_CHECK_THROW(aq::mock_receiver(aq::mock_config(), options), std::invalid_argument);
    };
    refused([](aq::mock_receiver_options& o) { o.forward_to = "ftp://127.0.0.1/"; });
    refused([](aq::mock_receiver_options& o) { o.forward_to = "localhost:3000"; });
    refused([](aq::mock_receiver_options& o) { o.forward_secret = ""; });
    refused([](aq::mock_receiver_options& o) { o.forward_timeout = 0ms; });
    refused([](aq::mock_receiver_options& o) { o.forward_timeout = 600'001ms; });
}

BOOST_AUTO_TEST_SUITE_END()
