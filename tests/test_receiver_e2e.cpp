// The receiver over loopback, started in-process with the public mock_receiver API.
#include <allquiet/webhook/mock_receiver.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/patch.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <future>
#include <set>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_receiver_e2e)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::http_connection;
using test_support::http_send;
using test_support::json_request;
using test_support::make_request;
using test_support::raw_socket;
using test_support::sign_request;
namespace http = test_support::http;

namespace {

const std::string secret = "dev-secret";
const std::string incident_body = test_support::read_data_file("sample-incident.json");

http::request<http::string_body> signed_post(std::string target,
                                             aq::signing_method method = aq::signing_method::allquiet,
                                             const std::string& key = secret,
                                             std::string body = incident_body) {
    auto request = make_request(http::verb::post, std::move(target), body);
    request.set(http::field::content_type, "application/json");
    sign_request(request, method, key);
    return request;
}

aq::mock_receiver_options small_limits() {
    aq::mock_receiver_options options;
    options.max_body = 4096;
    options.read_timeout = 300ms;
    return options;
}

/// After any abuse the receiver must still answer a good delivery at once.
void check_still_serving(const aq::mock_receiver& receiver) {
    const auto result = http_send(receiver.port(), make_request(http::verb::get, "/_aqhook/health"), 2s);
    BOOST_TEST(!result.error, result.error.message());
    BOOST_TEST(result.response.result_int() == 200u);
}

} // namespace

BOOST_AUTO_TEST_CASE(signed_deliveries_verified_over_the_network) {
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"],
        "default": {"patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}})");
    BOOST_TEST(receiver.url() == "http://127.0.0.1:" + std::to_string(receiver.port()));

    for (auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        const auto result = http_send(receiver.port(), signed_post("/hooks/aq", method));
        BOOST_TEST_REQUIRE(!result.error);
        BOOST_TEST(result.response.result_int() == 200u);
        const auto patch = aq::parse_patch(result.response.body()).value();
        BOOST_TEST((patch.operations.append_intent->intent == aq::intent::resolved));
    }
    const auto wrong = http_send(receiver.port(), signed_post("/hooks/aq", aq::signing_method::aws, "other"));
    BOOST_TEST(wrong.response.result_int() == 401u);
    BOOST_TEST(json::parse(wrong.response.body()).at("error") == "signature mismatch");

    const auto entries = receiver.wait_for(3, 2s).value();
    BOOST_TEST(entries[0].verification.status() == aq::verification_status::invalid);
    BOOST_TEST((*entries[1].verification.method == aq::signing_method::aws));
    BOOST_TEST(entries[2].verification.status() == aq::verification_status::valid);
    BOOST_TEST(entries[2].body == incident_body);
    BOOST_TEST(entries[2].header("x-aq-signature").has_value());
}

BOOST_AUTO_TEST_CASE(keep_alive_connections_serve_many_requests) {
    aq::mock_receiver receiver;
    http_connection connection(receiver.port());
    for (int i = 0; i < 20; ++i) {
        const auto result = connection.send(make_request(http::verb::post, "/k/" + std::to_string(i), "x"));
        BOOST_TEST_REQUIRE(!result.error);
        BOOST_TEST(result.response.result_int() == 200u);
    }
    BOOST_TEST(receiver.journal().size() == 20u);
}

// A connection writes a fixed answer's head once and reuses it while the same answer repeats.
BOOST_AUTO_TEST_CASE(one_connection_gets_each_answer_with_its_own_head) {
    aq::mock_receiver receiver(R"({"rules": [
        {"match": {"path": "/a"}, "respond": {"status": 201, "headers": {"X-Rule": "a"}}},
        {"match": {"path": "/b"}, "respond": {"status": 202, "body": "bee"}}]})");
    http_connection connection(receiver.port());
    auto answer = [&](const std::string& target) {
        auto result = connection.send(make_request(http::verb::post, target, "x"));
        BOOST_TEST_REQUIRE(!result.error);
        return result.response;
    };
    for (const std::string target : {"/a", "/a", "/b", "/b", "/a"}) {
        const auto response = answer(target);
        BOOST_TEST(response.result_int() == (target == "/a" ? 201u : 202u));
        BOOST_TEST(response.count("X-Rule") == (target == "/a" ? 1u : 0u));
        BOOST_TEST(response.body() == (target == "/a" ? "" : "bee"));
    }
    auto put = json_request(http::verb::put, "/_aqhook/config",
                            R"({"rules": [{"match": {"path": "/a"}, "respond": {"status": 204}}]})");
    BOOST_TEST(connection.send(put).response.result_int() == 200u);
    const auto replaced = answer("/a");
    BOOST_TEST(replaced.result_int() == 204u);
    BOOST_TEST(replaced.count("X-Rule") == 0u);
}

BOOST_AUTO_TEST_CASE(answers_are_written_exactly) {
    aq::mock_receiver receiver(R"({"rules": [{"match": {"path": "/teapot"},
        "respond": {"status": 418, "headers": {"X-Brewed": "yes"}, "body": "short and stout"}}]})");
    http_connection http10(receiver.port());
    boost::system::error_code ec;
    const auto answer = http10.raw("POST /teapot HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}", 2s, &ec);
    BOOST_TEST(answer == "HTTP/1.0 418 \r\nX-Brewed: yes\r\nContent-Type: text/plain; "
                         "charset=utf-8\r\nContent-Length: 15\r\n\r\nshort and stout");
    BOOST_TEST((ec == boost::asio::error::eof)); // HTTP/1.0 without keep-alive: closed after the answer

    http_connection http11(receiver.port());
    const auto known =
        http11.raw("GET /_aqhook/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 2s, &ec);
    BOOST_TEST(known.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0u, known);
}

BOOST_AUTO_TEST_CASE(limits_get_clear_answers_and_the_server_goes_on) {
    aq::mock_receiver receiver("{}", small_limits());

    auto big = make_request(http::verb::post, "/big", std::string(4097, 'x'));
    const auto too_big = http_send(receiver.port(), big);
    BOOST_TEST(too_big.response.result_int() == 413u);
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/fits", std::string(4096, 'x')))
                   .response.result_int() == 200u);

    auto fat_headers = make_request(http::verb::post, "/h", "x");
    fat_headers.set("X-Padding", std::string(9000, 'p'));
    BOOST_TEST(http_send(receiver.port(), fat_headers).response.result_int() == 431u);

    http_connection garbage(receiver.port());
    boost::system::error_code ec;
    const auto answer = garbage.raw("\x16\x03\x01 this is not HTTP\r\n\r\n", 2s, &ec);
    BOOST_TEST(answer.rfind("HTTP/1.1 400", 0) == 0u, answer);
    BOOST_TEST((ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)); // closed after

    http_connection idle(receiver.port());
    const auto start = std::chrono::steady_clock::now();
    const auto nothing = idle.raw("", 5s, &ec);
    BOOST_TEST(nothing.empty());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 3s)); // closed by the read timeout, not ours

    http_connection slow(receiver.port());
    const auto cut =
        slow.raw("POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part", 5s, &ec);
    BOOST_TEST(cut.empty()); // an unfinished request is dropped at the read timeout
    check_still_serving(receiver);
    BOOST_TEST(receiver.journal().size() == 1u); // only the one that fitted was a delivery
}

BOOST_AUTO_TEST_CASE(faults_and_delays) {
    aq::mock_receiver receiver(R"({"rules": [
        {"name": "reset", "match": {"path": "/reset"}, "respond": {"fault": "reset"}},
        {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}},
        {"name": "slow", "match": {"path": "/slow"}, "respond": {"status": 202, "delayMs": 200}}]})");

    const auto reset = http_send(receiver.port(), make_request(http::verb::post, "/reset", "x"));
    BOOST_TEST(reset.error.failed());

    const auto hang = http_send(receiver.port(), make_request(http::verb::post, "/hang", "x"), 300ms);
    BOOST_TEST((hang.error == boost::beast::error::timeout));

    const auto slow = http_send(receiver.port(), make_request(http::verb::post, "/slow", "x"));
    BOOST_TEST(slow.response.result_int() == 202u);
    BOOST_TEST(slow.elapsed.count() >= 200);

    const auto entries = receiver.wait_for(3, 2s).value();
    BOOST_TEST((entries[2].response.fault == aq::fault::reset));
    BOOST_TEST((entries[1].response.fault == aq::fault::timeout));
    BOOST_TEST(entries[0].response.status.value_or(0) == 202u);
    check_still_serving(receiver);
}

BOOST_AUTO_TEST_CASE(a_sequence_answers_500_then_200) {
    aq::mock_receiver receiver(R"({"rules": [{"name": "flaky", "match": {"path": "/flaky"},
        "respond": {"sequence": [{"status": 500}, {"status": 200}]}}]})");
    BOOST_TEST(
        http_send(receiver.port(), make_request(http::verb::post, "/flaky", "x")).response.result_int() ==
        500u);
    BOOST_TEST(
        http_send(receiver.port(), make_request(http::verb::post, "/flaky", "x")).response.result_int() ==
        200u);
    BOOST_TEST(
        http_send(receiver.port(), make_request(http::verb::post, "/flaky", "x")).response.result_int() ==
        200u);
}

// Over the wire; that a wait already pending is answered by the delivery that completes it is
// shown in test_request_handler, where the order is certain.
BOOST_AUTO_TEST_CASE(the_wait_endpoint_answers_once_enough_arrived) {
    aq::mock_receiver receiver;
    auto waiting = std::async(std::launch::async, [&] {
        return http_send(receiver.port(),
                         make_request(http::verb::get, "/_aqhook/requests/wait?count=3&timeoutMs=10000"));
    });
    for (int i = 0; i < 3; ++i)
        http_send(receiver.port(), make_request(http::verb::post, "/w", std::to_string(i)));
    const auto result = waiting.get();
    BOOST_TEST(result.response.result_int() == 200u);
    BOOST_TEST(json::parse(result.response.body()).as_array().size() == 3u);
    BOOST_TEST(result.elapsed.count() < 5000);

    const auto timed_out = http_send(
        receiver.port(), make_request(http::verb::get, "/_aqhook/requests/wait?count=4&timeoutMs=100"));
    BOOST_TEST(timed_out.response.result_int() == 408u);
    BOOST_TEST(timed_out.elapsed.count() >= 100);
}

BOOST_AUTO_TEST_CASE(configuration_replaced_at_run_time) {
    aq::mock_receiver receiver;
    auto put = json_request(http::verb::put, "/_aqhook/config", R"({"default": {"status": 418}})");
    BOOST_TEST(http_send(receiver.port(), put).response.result_int() == 200u);
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/x", "x")).response.result_int() ==
               418u);
    auto bad =
        json_request(http::verb::put, "/_aqhook/config", R"({"rules": [{"respond": {"status": 1000}}]})");
    const auto refused = http_send(receiver.port(), bad);
    BOOST_TEST(refused.response.result_int() == 400u);
    BOOST_TEST(refused.response.body().find("/rules/0/respond/status") != std::string::npos);

    BOOST_TEST(!receiver.set_config(R"({"default": {"status": 203}})").has_value());
    BOOST_TEST(receiver.set_config(R"({"default": 1})")->pointer == "/default");
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/x", "x")).response.result_int() ==
               203u);
    receiver.clear_journal();
    BOOST_TEST(receiver.journal().empty());
}

BOOST_AUTO_TEST_CASE(concurrent_deliveries_are_each_journaled_once) {
    aq::mock_receiver_options options;
    options.journal_size = 5000;
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"]})", options);
    constexpr int clients = 8, per_client = 60;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            http_connection connection(receiver.port());
            for (int i = 0; i < per_client; ++i) {
                const std::string id = std::to_string(c) + "-" + std::to_string(i);
                const auto result = connection.send(signed_post("/hooks/" + id, aq::signing_method::allquiet,
                                                                secret, R"({"delivery":")" + id + R"("})"));
                if (!result.error && result.response.result_int() == 200) ++ok;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    BOOST_TEST(ok.load() == clients * per_client);
    const auto entries = receiver.wait_for(clients * per_client, 5s).value();
    BOOST_TEST(entries.size() == static_cast<std::size_t>(clients * per_client));
    std::set<std::string> targets;
    std::set<std::uint64_t> ids;
    for (const auto& e : entries) {
        targets.insert(e.target);
        ids.insert(e.id);
        BOOST_TEST(e.verification.status() == aq::verification_status::valid);
    }
    BOOST_TEST(targets.size() == entries.size()); // every delivery once, none twice
    BOOST_TEST(ids.size() == entries.size());
}

BOOST_AUTO_TEST_CASE(log_lines_are_json_without_secrets) {
    std::mutex mutex;
    std::vector<std::string> lines;
    aq::mock_receiver_options options;
    options.log = [&](std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    };
    options.extra_secrets = {secret};
    {
        aq::mock_receiver receiver("{}", options);
        http_send(receiver.port(), signed_post("/hooks/log"));
        http_send(receiver.port(), signed_post("/hooks/log", aq::signing_method::aws, "wrong"));
    }
    std::lock_guard lock(mutex);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    // Lines are written when each answer has gone out, so their order is not the requests'.
    auto first = json::parse(lines[0]), second = json::parse(lines[1]);
    if (first.at("status") != 200) std::swap(first, second);
    BOOST_TEST(first.at("method") == "POST");
    BOOST_TEST(first.at("target") == "/hooks/log");
    BOOST_TEST(first.at("verification") == "valid");
    BOOST_TEST(first.at("status") == 200);
    BOOST_TEST(first.as_object().contains("durationUs"));
    BOOST_TEST(aq::timestamp::parse(first.at("time").as_string()).has_value());
    BOOST_TEST(second.at("status") == 401);
    BOOST_TEST(second.at("verification") == "invalid");
    for (const auto& line : lines)
        BOOST_TEST(line.find(secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_configuration_throws_with_the_reason) {
    BOOST_CHECK_EXCEPTION(aq::mock_receiver(R"({"policy": "lenient"})"), aq::input_exception,
                          [](const aq::input_exception& e) { return e.error().pointer == "/policy"; });
}

BOOST_AUTO_TEST_CASE(an_admin_token_no_request_could_send_throws) {
    for (const auto& token : {std::string("short"), std::string("sixteen chars or more, with spaces"),
                                    std::string(20, 'x') + "\n"}) {
        aq::mock_receiver_options options;
        options.admin_token = token;
        BOOST_CHECK_EXCEPTION(aq::mock_receiver("{}", options), std::invalid_argument, [](const auto& e) {
            return std::string_view(e.what()).starts_with("mock_receiver_options::admin_token: ");
        });
    }
}

// A HEAD request gets the head alone: a body after it would be read as the next response.
BOOST_AUTO_TEST_CASE(head_requests_get_the_head_alone) {
    aq::mock_receiver receiver(R"({"default": {"status": 200, "body": "delivery body"}})");
    http_connection connection(receiver.port());
    boost::system::error_code ec;
    const auto answers =
        connection.raw("HEAD /_aqhook/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                       "HEAD /hooks/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                       "GET /_aqhook/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                       5s, &ec);
    const std::string health_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: "
                                    "no-store\r\nContent-Length: 15\r\n\r\n";
    const std::string delivery_head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\n";
    BOOST_TEST(answers ==
               health_head + delivery_head +
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
                   "Connection: close\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}");
}

// curl and .NET send `Expect: 100-continue` before a large body and wait for the go-ahead.
BOOST_AUTO_TEST_CASE(expect_continue_gets_the_go_ahead_or_413_at_once) {
    aq::mock_receiver receiver("{}", small_limits());
    raw_socket client(receiver.port());
    client.write("POST /hooks/big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
    BOOST_TEST(client.read_until("\r\n\r\n", 2s) == "HTTP/1.1 100 Continue\r\n\r\n");
    client.write("0123456789");
    const auto answer = client.read_until("\r\n\r\n", 2s);
    BOOST_TEST(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u, answer);
    BOOST_TEST(receiver.journal().at(0).body == "0123456789");

    raw_socket too_big(receiver.port());
    const auto start = std::chrono::steady_clock::now();
    too_big.write(
        "POST /hooks/big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    const auto refused = too_big.read_until_closed(2s).received;
    BOOST_TEST(refused.rfind("HTTP/1.1 413", 0) == 0u, refused);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
}

namespace {

/// The sockets this process has open (its other descriptors come and go with Asio's reactors).
std::size_t open_sockets() {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        count += std::filesystem::read_symlink(entry.path(), ec).string().starts_with("socket:");
    }
    return count;
}

/// Sends a long wait on a fresh connection and leaves it open.
std::unique_ptr<raw_socket> open_wait(std::uint16_t port) {
    auto connection = std::make_unique<raw_socket>(port);
    connection->write(
        "GET /_aqhook/requests/wait?count=5&timeoutMs=600000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return connection;
}

} // namespace

// Stopping while waits are pending answers them 503 at once and returns well within the grace.
BOOST_AUTO_TEST_CASE(stopping_answers_pending_waits) {
    std::vector<std::future<std::string>> waits;
    auto receiver = std::make_unique<aq::mock_receiver>();
    for (int i = 0; i < 10; ++i)
        waits.push_back(std::async(std::launch::async, [port = receiver->port()] {
            return open_wait(port)->read_until_closed(20s).received;
        }));
    std::this_thread::sleep_for(300ms);
    const auto start = std::chrono::steady_clock::now();
    receiver.reset();
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
    for (auto& wait : waits) {
        const auto answer = wait.get();
        BOOST_TEST(answer.rfind("HTTP/1.1 503", 0) == 0u, answer);
        BOOST_TEST(answer.find("the receiver is stopping") != std::string::npos);
    }
}

// A client that gives up on a long wait releases its connection at once, not at the wait's end.
BOOST_AUTO_TEST_CASE(abandoned_waits_release_their_connections) {
    aq::mock_receiver receiver;
    const auto before = open_sockets();
    std::vector<std::unique_ptr<raw_socket>> waits;
    for (int i = 0; i < 50; ++i)
        waits.push_back(open_wait(receiver.port()));
    // Each wait: the client's socket and the receiver's.
    BOOST_TEST(test_support::eventually([&] { return open_sockets() >= before + 100; }));
    waits.clear();
    BOOST_TEST(test_support::eventually([&] { return open_sockets() <= before; }, 5s));
    check_still_serving(receiver);
}

// A log callback that throws loses its line, not the receiver.
BOOST_AUTO_TEST_CASE(a_throwing_log_callback_costs_only_its_line) {
    aq::mock_receiver_options options;
    std::atomic<int> calls{0};
    options.log = [&](std::string_view) {
        ++calls;
        throw std::runtime_error("log is broken");
    };
    aq::mock_receiver receiver("{}", options);
    for (int i = 0; i < 5; ++i) {
        const auto result = http_send(receiver.port(), make_request(http::verb::post, "/hooks/x", "{}"));
        BOOST_TEST(!result.error);
        BOOST_TEST(result.response.result_int() == 200u);
    }
    BOOST_TEST(receiver.journal().size() == 5u);
}

// A log that never drains (a harness capturing it without reading) never stalls a delivery.
BOOST_AUTO_TEST_CASE(a_stuck_log_never_stalls_deliveries) {
    std::promise<void> release;
    auto released = release.get_future().share();
    aq::mock_receiver_options options;
    options.log = [released](std::string_view) { released.wait(); };
    aq::mock_receiver receiver("{}", options);
    // Released before the receiver stops (its stop waits for the log), also when a check fails.
    struct release_on_exit {
        std::promise<void>& release;
        ~release_on_exit() { release.set_value(); }
    } const release_log{release};
    http_connection connection(receiver.port());
    for (int i = 0; i < 2000; ++i) {
        const auto result = connection.send(make_request(http::verb::post, "/hooks/x", "{}"), 5s);
        BOOST_TEST_REQUIRE(!result.error, "delivery " << i << ": " << result.error.message());
    }
}

// The hold of a `timeout` fault ends at its limit even when the client never gives up.
BOOST_AUTO_TEST_CASE(a_timeout_fault_holds_the_connection_until_its_limit) {
    aq::mock_receiver_options options;
    options.fault_hold_limit = 300ms;
    aq::mock_receiver receiver(R"({"default": {"fault": "timeout"}})", options);
    raw_socket client(receiver.port());
    const auto start = std::chrono::steady_clock::now();
    client.write("POST /hang HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    const auto held = client.read_until_closed(10s);
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(held.closed);
    BOOST_TEST(held.received.empty());
    BOOST_TEST((took >= 300ms && took < 5s));
    BOOST_TEST((receiver.journal().at(0).response.fault == aq::fault::timeout));
}

// A sender's retry, scripted across rules: the first delivery gets 503, the retry a patch that
// resolves the incident, and later ones 200.
BOOST_AUTO_TEST_CASE(a_scenario_answers_503_then_a_resolve_patch_then_200) {
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"], "rules": [
        {"name": "first fails", "scenario": {"name": "retry", "whenState": "Started", "setState": "failed once"},
         "respond": {"status": 503}},
        {"name": "retry resolves", "scenario": {"name": "retry", "whenState": "failed once", "setState": "resolved"},
         "respond": {"patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}}]})");
    BOOST_TEST(*receiver.scenario_state("retry") == "Started");
    auto send = [&] { return http_send(receiver.port(), signed_post("/hooks/aq")); };
    BOOST_TEST(send().response.result_int() == 503u);
    BOOST_TEST(*receiver.scenario_state("retry") == "failed once");
    const auto resolved = send();
    BOOST_TEST(resolved.response.result_int() == 200u);
    BOOST_TEST((aq::parse_patch(resolved.response.body()).value().operations.append_intent->intent ==
                aq::intent::resolved));
    for (int later = 0; later < 3; ++later) {
        const auto answer = send();
        BOOST_TEST(answer.response.result_int() == 200u);
        BOOST_TEST(answer.response.body().empty());
    }
    const auto entries = receiver.wait_for(5, 5s).value();
    BOOST_TEST(entries[4].rule.value_or("") == "first fails");
    BOOST_TEST(entries[3].rule.value_or("") == "retry resolves");
    BOOST_TEST(!entries[0].rule.has_value());
    const auto listed = http_send(receiver.port(), make_request(http::verb::get, "/_aqhook/scenarios"));
    BOOST_TEST(json::parse(listed.response.body()) == json::parse(R"({"retry": "resolved"})"));
}

BOOST_AUTO_TEST_CASE(scenarios_are_read_set_and_reset_in_process) {
    aq::mock_receiver receiver(R"({"rules": [
        {"scenario": {"name": "retry", "whenState": "failed once"}, "respond": {"status": 202}}]})");
    BOOST_TEST(!receiver.scenario_state("other").has_value());
    BOOST_TEST(!receiver.set_scenario_state("other", "x"));
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/x", "x")).response.result_int() ==
               200u);
    BOOST_TEST(receiver.set_scenario_state("retry", "failed once"));
    BOOST_TEST(*receiver.scenario_state("retry") == "failed once");
    BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/x", "x")).response.result_int() ==
               202u);
    for (const std::string& bad : {std::string(), std::string(257, 's'), std::string("\xff")})
        BOOST_CHECK_THROW(receiver.set_scenario_state("retry", bad), std::invalid_argument);
    BOOST_TEST(*receiver.scenario_state("retry") == "failed once");
    receiver.reset_scenarios();
    BOOST_TEST(*receiver.scenario_state("retry") == "Started");
    BOOST_TEST(receiver.set_scenario_state("retry", "failed once"));
    BOOST_TEST(receiver.set_scenario_state("retry", aq::scenario_start)); // the constant as it is
    BOOST_TEST(*receiver.scenario_state("retry") == "Started");
    BOOST_TEST(receiver.set_scenario_state("retry", "failed once"));
    BOOST_TEST(!receiver.set_config(R"({"rules": [{"scenario": {"name": "retry"}, "respond": {}}]})"));
    BOOST_TEST(*receiver.scenario_state("retry") == "Started"); // a new configuration starts over
}

BOOST_AUTO_TEST_CASE(an_in_process_receiver_keeps_its_journal_in_a_file) {
    const auto path = test_support::temp_dir() + "/in-process.journal";
    std::remove(path.c_str());
    aq::mock_receiver_options options;
    options.journal_file = path;
    {
        aq::mock_receiver receiver("{}", options);
        BOOST_TEST(http_send(receiver.port(), make_request(http::verb::post, "/first", "one"))
                       .response.result_int() == 200u);
    }
    aq::mock_receiver again("{}", options);
    const auto kept = again.journal();
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].body == "one");
    BOOST_TEST(kept[0].target == "/first");
    http_send(again.port(), make_request(http::verb::post, "/second", "two"));
    BOOST_TEST(again.journal().at(0).id == 2u);
    // The file is this receiver's alone while it runs.
    BOOST_CHECK_EXCEPTION(
        aq::mock_receiver("{}", options), std::runtime_error, [&](const std::runtime_error& e) {
            return std::string(e.what()) ==
                   path + ": is in use by another receiver (or another program holds its lock)";
        });
    again.stop();
    std::remove(path.c_str());
}

// A forwarded delivery is answered once its entry, the target's answer in it, is in the file.
BOOST_AUTO_TEST_CASE(a_forwarded_delivery_is_kept_with_its_targets_answer) {
    const auto path = test_support::temp_dir() + "/forwarded.journal";
    std::remove(path.c_str());
    aq::mock_receiver target(R"({"default": {"status": 202, "body": "taken"}})");
    aq::mock_receiver_options options;
    options.journal_file = path;
    options.forward_to = target.url() + "/hook";
    {
        aq::mock_receiver forwarder("{}", options);
        const auto answer = http_send(forwarder.port(), make_request(http::verb::post, "/hooks/aq", "body"));
        BOOST_TEST(answer.response.result_int() == 202u);
    }
    aq::mock_receiver again("{}", options);
    const auto kept = again.journal();
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST_REQUIRE(kept[0].forward.has_value());
    BOOST_TEST(kept[0].forward->status.value_or(0) == 202u);
    BOOST_TEST(kept[0].forward->body == "taken");
    BOOST_TEST(kept[0].forward->url == target.url() + "/hook");
    BOOST_TEST(kept[0].response.status.value_or(0) == 202u);
    again.stop();
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
