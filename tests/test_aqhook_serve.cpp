// aqhook serve, the real program: start-up line, a delivery, a clean stop on SIGTERM.
#define BOOST_TEST_MODULE aqhook_serve
#include "http_client.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/signature.hpp>

#include <boost/json/parse.hpp>

#include <fstream>
#include <future>
#include <thread>

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::http_send;
using test_support::make_request;
using test_support::run_process;
namespace http = test_support::http;

namespace {

const std::string aqhook = AQHOOK_PATH;

} // namespace

BOOST_AUTO_TEST_CASE(serves_verifies_and_stops_cleanly_on_sigterm) {
    const auto config = test_support::write_temp_file(
        "serve-config.json", R"({"rules": [{"name": "slow", "match": {"path": "/slow"},
        "respond": {"status": 200, "delayMs": 400, "patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}}]})");
    child_process server({aqhook, "serve", "--port", "0", "--config", config, "--secret", "cli-secret"});
    const auto port = test_support::listening_port(server.read_line());

    auto signed_post = [](std::string target) {
        auto request = make_request(http::verb::post, std::move(target), R"({"id":"1"})");
        const auto headers = aq::sign_now(aq::signing_method::aws, "cli-secret", request.body());
        request.set(headers.signature.name, headers.signature.value);
        request.set(headers.timestamp.name, headers.timestamp.value);
        return request;
    };
    BOOST_TEST(http_send(port, signed_post("/hooks/aq")).response.result_int() == 200u);
    const auto entries =
        json::parse(http_send(port, make_request(http::verb::get, "/_aqhook/requests")).response.body());
    BOOST_TEST(entries.at(0).at("verification").at("status") == "valid");

    // A request in flight when SIGTERM arrives still gets its answer.
    auto in_flight = std::async(std::launch::async, [&] { return http_send(port, signed_post("/slow")); });
    // It is journaled before its 400 ms delay starts: once the journal holds it, it is in flight.
    const auto journaled =
        http_send(port, make_request(http::verb::get, "/_aqhook/requests/wait?count=2&timeoutMs=5000"));
    BOOST_TEST_REQUIRE(journaled.response.result_int() == 200u);
    server.signal(SIGTERM);
    const auto slow = in_flight.get();
    BOOST_TEST(!slow.error, slow.error.message());
    BOOST_TEST(slow.response.result_int() == 200u);
    BOOST_TEST(server.wait() == 0);

    const auto log = server.error_output();
    BOOST_TEST(log.find(R"("target":"/hooks/aq")") != std::string::npos, log);
    BOOST_TEST(log.find("cli-secret") == std::string::npos);
    std::remove(config.c_str());
}

BOOST_AUTO_TEST_CASE(embedded_default_and_sigint) {
    child_process server({aqhook, "serve", "--port", "0", "--quiet"});
    const auto port = test_support::listening_port(server.read_line());
    const auto answer = http_send(port, make_request(http::verb::post, "/anything", "x"));
    BOOST_TEST(answer.response.result_int() == 200u);
    BOOST_TEST(answer.response.body().empty());
    server.signal(SIGINT);
    BOOST_TEST(server.wait() == 0);
    BOOST_TEST(server.error_output().find("/anything") == std::string::npos); // --quiet
}

BOOST_AUTO_TEST_CASE(allow_list_refuses_other_peers) {
    const auto list = test_support::write_temp_file("serve-ips.json", R"({"ips": ["203.0.113.0/24"]})");
    child_process server({aqhook, "serve", "--port", "0", "--allow-ips", list, "--quiet"});
    const auto port = test_support::listening_port(server.read_line());
    BOOST_TEST(http_send(port, make_request(http::verb::post, "/h", "x")).response.result_int() == 403u);
    auto forwarded = make_request(http::verb::post, "/h", "x");
    forwarded.set("X-Forwarded-For", "203.0.113.5");
    BOOST_TEST(http_send(port, forwarded).response.result_int() == 403u); // not trusted without the flag
    BOOST_TEST(http_send(port, make_request(http::verb::get, "/_aqhook/health")).response.result_int() ==
               200u);
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);

    child_process proxied(
        {aqhook, "serve", "--port", "0", "--allow-ips", list, "--trust-forwarded-for", "--quiet"});
    const auto proxied_port = test_support::listening_port(proxied.read_line());
    BOOST_TEST(http_send(proxied_port, forwarded).response.result_int() == 200u);
    proxied.signal(SIGTERM);
    BOOST_TEST(proxied.wait() == 0);
    std::remove(list.c_str());
}

BOOST_AUTO_TEST_CASE(bad_start_up_input_exits_2_with_the_reason) {
    const auto config = test_support::write_temp_file(
        "serve-bad.json", R"({"rules": [{"name": "r", "respond": {"patch": {"operations": {}}}}]})");
    const auto bad_config = run_process({aqhook, "serve", "--port", "0", "--config", config});
    BOOST_TEST(bad_config.exit_code == 2);
    BOOST_TEST(bad_config.err.find("/rules/0/respond/patch/operations") != std::string::npos, bad_config.err);
    BOOST_TEST(bad_config.err.find("in rule 'r'") != std::string::npos);

    const auto empty_list = test_support::write_temp_file("serve-empty.json", R"({"ips": []})");
    BOOST_TEST(run_process({aqhook, "serve", "--port", "0", "--allow-ips", empty_list}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "serve", "--port", "70000"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "serve", "--config", "/nonexistent.json"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "serve", "--policy", "lenient", "--port", "0"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "serve", "--host", "not-an-address", "--port", "0"}).exit_code == 2);
    const auto help = run_process({aqhook, "serve", "--help"});
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(help.out.find("--allow-ips") != std::string::npos);
    std::remove(config.c_str());
    std::remove(empty_list.c_str());
}
