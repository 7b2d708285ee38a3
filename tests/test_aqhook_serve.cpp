// aqhook serve, the real program: start-up line, a delivery, a clean stop on SIGTERM.
#include "http_client.hpp"
#include "process.hpp"
#include "test_support.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/signature.hpp>

#include <boost/json/parse.hpp>

#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sqlite3.h>
#include <sys/stat.h>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_aqhook_serve)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::http_send;
using test_support::make_request;
using test_support::run_process;
using test_support::sign_request;
namespace http = test_support::http;

namespace {

const std::string aqhook = AQHOOK_PATH;

/// A fresh path for a journal file in the tests' folder.
std::string journal_path(const std::string& name) {
    const auto path = test_support::temp_dir() + "/" + name;
    std::remove(path.c_str());
    return path;
}

/// aqhook serve on a journal file, with more options.
std::vector<std::string> serve_on(const std::string& journal, std::vector<std::string> more = {}) {
    std::vector<std::string> argv{aqhook, "serve", "--port", "0", "--quiet", "--journal-file", journal};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
}

/// The receiver's journal, the newest first.
json::array listing(std::uint16_t port) {
    return json::parse(http_send(port, make_request(http::verb::get, "/_aqhook/requests")).response.body())
        .as_array();
}

/// An entry's body, its exact bytes.
std::string body_of(const json::value& entry) {
    const std::string text(entry.at("body").as_string());
    return entry.at("bodyEncoding") == "base64" ? aqhook::from_base64(text).value() : text;
}

/// Runs SQL on a database file, as another program would.
void run_sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    BOOST_TEST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* problem = nullptr;
    BOOST_TEST(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &problem) == SQLITE_OK,
               (problem ? problem : ""));
    sqlite3_free(problem);
    sqlite3_close(db);
}

const std::string not_utf8("\xff\xfe\x00\x01 not UTF-8", 15);

} // namespace

BOOST_AUTO_TEST_CASE(serves_verifies_and_stops_cleanly_on_sigterm) {
    const auto config = test_support::write_temp_file(
        "serve-config.json", R"({"rules": [{"name": "slow", "match": {"path": "/slow"},
        "respond": {"status": 200, "delayMs": 400, "patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}}]})");
    child_process server({aqhook, "serve", "--port", "0", "--config", config, "--secret", "cli-secret"});
    const auto port = test_support::listening_port(server.read_line());

    auto signed_post = [](std::string target) {
        auto request = make_request(http::verb::post, std::move(target), R"({"id":"1"})");
        sign_request(request, aq::signing_method::aws, "cli-secret");
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
    // An unreadable file is named with its option and the reason.
    for (const char* option : {"--config", "--allow-ips", "--admin-token-file", "--secret-file"}) {
        const auto unreadable = run_process({aqhook, "serve", option, "/nonexistent.json"});
        BOOST_TEST(unreadable.exit_code == 2);
        BOOST_TEST(unreadable.err.find(std::string(option) +
                                       ": cannot read /nonexistent.json (No such file or directory)") !=
                       std::string::npos,
                   unreadable.err);
    }
    BOOST_TEST(run_process({aqhook, "serve", "--policy", "lenient", "--port", "0"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "serve", "--host", "not-an-address", "--port", "0"}).exit_code == 2);
    const auto help = run_process({aqhook, "serve", "--help"});
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(help.out.find("--allow-ips") != std::string::npos);
    std::remove(config.c_str());
    std::remove(empty_list.c_str());
}

// On an address other than loopback the admin API needs a token: a random one, printed in the
// admin URL, or the one in --admin-token-file. The admin URLs name addresses a browser can open
// (0.0.0.0 names none): loopback first, then the machine's own.
BOOST_AUTO_TEST_CASE(a_receiver_beyond_loopback_guards_its_admin_api_with_a_token) {
    child_process server({aqhook, "serve", "--host", "0.0.0.0", "--port", "0", "--quiet"});
    std::smatch match;
    const auto listening = server.read_line();
    BOOST_TEST_REQUIRE(
        std::regex_match(listening, match, std::regex("listening on http://0\\.0\\.0\\.0:([0-9]+)")),
        listening);
    const std::string port_text = match[1];
    const auto port = static_cast<std::uint16_t>(std::stoi(port_text));
    const auto admin = server.read_line();
    BOOST_TEST_REQUIRE(std::regex_match(admin, match,
                                        std::regex("admin: http://(127\\.0\\.0\\.1:" + port_text +
                                                   ")/_aqhook/#token=([0-9a-f]{64})")),
                       admin);
    const std::string printed_host = match[1], token = match[2];

    BOOST_TEST(http_send(port, make_request(http::verb::get, "/_aqhook/health")).response.result_int() ==
               200u);
    auto listing = make_request(http::verb::get, "/_aqhook/requests");
    listing.set(http::field::host, printed_host); // as a browser opening the printed URL names it
    BOOST_TEST(http_send(port, listing).response.result_int() == 401u);
    listing.set(http::field::authorization, "Bearer " + token);
    BOOST_TEST(http_send(port, listing).response.result_int() == 200u);
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
    // The other admin URLs, one per address of the machine, hold the same token.
    for (auto line = server.read_line(); !line.empty(); line = server.read_line())
        BOOST_TEST(std::regex_match(
                       line, std::regex("admin: http://[0-9.]+:" + port_text + "/_aqhook/#token=" + token)),
                   line);

    const auto token_file = test_support::write_temp_file("admin-token", "a-token-from-a-file-0123456789\n");
    child_process with_file({aqhook, "serve", "--port", "0", "--admin-token-file", token_file});
    const auto file_port = test_support::listening_port(with_file.read_line());
    listing.set(http::field::authorization, "Bearer a-token-from-a-file-0123456789");
    BOOST_TEST(http_send(file_port, listing).response.result_int() == 200u);
    listing.set(http::field::authorization, "Bearer " + token);
    BOOST_TEST(http_send(file_port, listing).response.result_int() == 401u);
    with_file.signal(SIGTERM);
    BOOST_TEST(with_file.wait() == 0);
    BOOST_TEST(with_file.error_output().find("a-token-from-a-file") == std::string::npos); // not in the log
    std::remove(token_file.c_str());
}

// The token file's first line, without the blanks an editor leaves around it; a token that no
// request could send whole is refused at start-up instead of locking every request out.
BOOST_AUTO_TEST_CASE(a_token_file_gives_its_first_line_and_refuses_what_no_request_can_match) {
    const auto token_file = test_support::write_temp_file(
        "admin-token-blanks", " a-token-from-a-file-0123456789 \t\r\nsecond line\n");
    child_process server({aqhook, "serve", "--port", "0", "--admin-token-file", token_file, "--quiet"});
    const auto port = test_support::listening_port(server.read_line());
    auto listing = make_request(http::verb::get, "/_aqhook/requests");
    for (const std::string authorization :
         {"Bearer a-token-from-a-file-0123456789", "bearer a-token-from-a-file-0123456789"}) {
        listing.set(http::field::authorization, authorization);
        BOOST_TEST(http_send(port, listing).response.result_int() == 200u, authorization);
    }
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
    // The page asks for a token from a file: its URL does not hold it.
    BOOST_TEST(server.read_line() == "admin: http://127.0.0.1:" + std::to_string(port) + "/_aqhook/");

    for (const auto& [content, reason] :
         {std::pair<std::string, std::string>{"a-token-with-a-\x01-control-character\n",
                                              "control characters"},
          {"a token with spaces inside it\n", "without spaces"},
          {" \t \r\n", "empty"},
          {"", "empty"},
          {"short\n", "at least 16 characters"}}) {
        const auto bad_file = test_support::write_temp_file("admin-token-bad", content);
        child_process refused({aqhook, "serve", "--port", "0", "--admin-token-file", bad_file});
        BOOST_TEST_REQUIRE(refused.read_line().empty(), "started with a token file of '" << content << "'");
        BOOST_TEST(refused.wait() == 2);
        const auto err = refused.error_output();
        BOOST_TEST(err.find("--admin-token-file: " + bad_file + ": ") != std::string::npos, err);
        BOOST_TEST(err.find(reason) != std::string::npos, err);
        std::remove(bad_file.c_str());
    }
    std::remove(token_file.c_str());
}

// Listings not yet taken by their clients stay in memory until the write deadline. Eight of a
// 32 MiB journal of control characters (six bytes each in JSON) held 1.6 GB; now they share a
// budget of twice the journal's, and past it the answer is 503.
namespace {

/// The resident memory of process `pid`, in KiB.
long resident_kib(int pid) {
    const auto status = test_support::slurp("/proc/" + std::to_string(pid) + "/status");
    return std::stol(status.substr(status.find("VmRSS:") + 6));
}

/// Asks for `target` on `count` connections of `unread`, each of which reads its answer's status
/// line and no further; returns those status lines.
std::vector<std::string>
ask_and_leave_unread(std::uint16_t port, const std::string& target, int count,
                     std::vector<std::unique_ptr<test_support::raw_socket>>& unread) {
    std::vector<std::string> statuses;
    for (int i = 0; i < count; ++i) {
        unread.push_back(std::make_unique<test_support::raw_socket>(port));
        unread.back()->write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        statuses.push_back(unread.back()->read_until("\r\n", 30s).substr(0, 12));
    }
    return statuses;
}

} // namespace

BOOST_AUTO_TEST_CASE(unread_listings_hold_at_most_the_listing_budget) {
    constexpr long journal_bytes = 32L << 20;
    child_process server({aqhook, "serve", "--port", "0", "--journal-max-bytes",
                          std::to_string(journal_bytes), "--max-body", "2000000", "--quiet"});
    const auto port = test_support::listening_port(server.read_line());
    const std::string controls(1 << 20, '\x01');
    for (int i = 0; i < 32; ++i)
        BOOST_TEST_REQUIRE(
            http_send(port, make_request(http::verb::post, "/ctl", controls)).response.result_int() == 200u);
    const long journal_kib = resident_kib(server.pid());

    std::vector<std::unique_ptr<test_support::raw_socket>> unread;
    const auto statuses = ask_and_leave_unread(port, "/_aqhook/requests", 8, unread);
    const long held_kib = resident_kib(server.pid()) - journal_kib;
    BOOST_TEST_MESSAGE("8 unread listings of a " << (journal_bytes >> 20) << " MiB journal: "
                                                 << held_kib / 1024 << " MiB beyond the journal");
    BOOST_TEST(statuses.front() == "HTTP/1.1 200");
    for (std::size_t i = 1; i < statuses.size(); ++i)
        BOOST_TEST(statuses[i] == "HTTP/1.1 503", i);
    // The budget (64 MiB), and room for what the allocator keeps of the listing's making; far
    // below the 1.5 GB of eight whole listings.
    if (!test_support::sanitized_build) BOOST_TEST(held_kib < 4 * 2 * journal_bytes / 1024);

    unread.clear(); // their clients go: the budget comes back
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    unsigned status = 0;
    while (status != 200 && std::chrono::steady_clock::now() < deadline)
        status =
            http_send(port, make_request(http::verb::get, "/_aqhook/requests?limit=1")).response.result_int();
    BOOST_TEST(status == 200u);
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
}

// One entry (GET /_aqhook/requests/ID) is held against the same budget: twenty unread answers
// of a 1 MiB body of control characters, 6 MiB each in JSON, held 120 MiB and more; the budget
// of a 4 MiB journal is 8 MiB.
BOOST_AUTO_TEST_CASE(unread_entries_hold_at_most_the_listing_budget) {
    constexpr long journal_bytes = 4L << 20;
    child_process server({aqhook, "serve", "--port", "0", "--journal-max-bytes",
                          std::to_string(journal_bytes), "--max-body", "2000000", "--quiet"});
    const auto port = test_support::listening_port(server.read_line());
    BOOST_TEST_REQUIRE(http_send(port, make_request(http::verb::post, "/ctl", std::string(1 << 20, '\x01')))
                           .response.result_int() == 200u);
    const long journal_kib = resident_kib(server.pid());

    std::vector<std::unique_ptr<test_support::raw_socket>> unread;
    const auto statuses = ask_and_leave_unread(port, "/_aqhook/requests/1", 20, unread);
    const long held_kib = resident_kib(server.pid()) - journal_kib;
    BOOST_TEST_MESSAGE("20 unread answers of one 1 MiB entry, " << (journal_bytes >> 20)
                                                                << " MiB journal: " << held_kib / 1024
                                                                << " MiB beyond the journal");
    BOOST_TEST(statuses.front() == "HTTP/1.1 200");
    BOOST_TEST(statuses.back() == "HTTP/1.1 503");
    if (!test_support::sanitized_build) BOOST_TEST(held_kib < 4 * 2 * journal_bytes / 1024);

    unread.clear();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    unsigned status = 0;
    while (status != 200 && std::chrono::steady_clock::now() < deadline)
        status = http_send(port, make_request(http::verb::get, "/_aqhook/requests/1")).response.result_int();
    BOOST_TEST(status == 200u);
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
}

// Every start-up error names the option it is about, in the user's words.
BOOST_AUTO_TEST_CASE(start_up_errors_name_their_option) {
    const auto bad_host = run_process({aqhook, "serve", "--host", "not-an-ip", "--port", "0"});
    BOOST_TEST(bad_host.exit_code == 2);
    BOOST_TEST(bad_host.err.find("--host: 'not-an-ip' is not an IP address") != std::string::npos,
               bad_host.err);

    child_process first({aqhook, "serve", "--port", "0", "--quiet"});
    const auto port = std::to_string(test_support::listening_port(first.read_line()));
    const auto taken = run_process({aqhook, "serve", "--port", port});
    BOOST_TEST(taken.exit_code == 2);
    BOOST_TEST(taken.err.find("--port: cannot listen on http://127.0.0.1:" + port +
                              ": Address already in use") != std::string::npos,
               taken.err);
    BOOST_TEST(taken.err.find(".hpp") == std::string::npos); // no source paths or signatures

    const auto both = run_process({aqhook, "serve", "--tolerance", "5", "--no-tolerance"});
    BOOST_TEST(both.exit_code == 2);
    BOOST_TEST(both.err.find("--tolerance") != std::string::npos, both.err);
    const auto short_token = test_support::write_temp_file("short-token", "short\n");
    const auto weak = run_process({aqhook, "serve", "--port", "0", "--admin-token-file", short_token});
    BOOST_TEST(weak.exit_code == 2);
    BOOST_TEST(weak.err.find("--admin-token-file") != std::string::npos, weak.err);
    std::remove(short_token.c_str());
}

// --forward-to: each delivery goes on to the target, signed again with the forward secret, and the
// target's answer comes back; standard output says so in two lines each, which --quiet silences.
BOOST_AUTO_TEST_CASE(forwards_and_prints_a_line_each_way) {
    const auto target_config = test_support::write_temp_file(
        "forward-target.json", R"({"rules": [{"name": "hook", "match": {"path": "/hook"},
        "respond": {"status": 201, "patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}}]})");
    child_process target(
        {aqhook, "serve", "--port", "0", "--config", target_config, "--secret", "local-secret", "--quiet"});
    const auto target_port = std::to_string(test_support::listening_port(target.read_line()));
    const auto secret_file = test_support::write_temp_file("forward.secret", "local-secret\n");
    const std::string target_url = "http://127.0.0.1:" + target_port + "/hook";
    child_process server({aqhook, "serve", "--port", "0", "--secret", "aq-secret", "--forward-to", target_url,
                          "--forward-secret-file", secret_file, "--forward-timeout", "5"});
    const auto port = test_support::listening_port(server.read_line());
    BOOST_TEST(server.read_line().find("admin: ") == 0u);

    auto delivery = make_request(http::verb::post, "/hooks/aq?x=1", R"({"id":"1"})");
    sign_request(delivery, aq::signing_method::allquiet, "aq-secret");
    const auto answer = http_send(port, delivery);
    BOOST_TEST(answer.response.result_int() == 201u);
    BOOST_TEST(answer.response.body() == R"({"operations":{"appendIntent":{"intent":"Resolved"}}})");
    BOOST_TEST(server.read_line() == "--> POST /hooks/aq?x=1 [valid]");
    const auto back = server.read_line();
    BOOST_TEST(std::regex_match(back, std::regex("<-- 201 POST " + target_url + " \\([0-9]+ ms\\)")), back);
    const auto received =
        json::parse(http_send(std::stoi(target_port), make_request(http::verb::get, "/_aqhook/requests"))
                        .response.body());
    BOOST_TEST(received.at(0).at("verification").at("status") == "valid"); // signed again with local-secret

    // The second target is gone: 502 at once, and the reason on standard output.
    target.signal(SIGTERM);
    BOOST_TEST(target.wait() == 0);
    BOOST_TEST(http_send(port, delivery).response.result_int() == 502u);
    BOOST_TEST(server.read_line() == "--> POST /hooks/aq?x=1 [valid]");
    BOOST_TEST(server.read_line() == "<-- 502 POST " + target_url + " (connection refused)");
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
    BOOST_TEST(server.read_line().find("local-secret") == std::string::npos); // the rest of standard output
    BOOST_TEST(server.error_output().find("local-secret") == std::string::npos);

    child_process quiet({aqhook, "serve", "--port", "0", "--forward-to", target_url, "--quiet"});
    const auto quiet_port = test_support::listening_port(quiet.read_line());
    BOOST_TEST(quiet.read_line().find("admin: ") == 0u);
    BOOST_TEST(
        http_send(quiet_port, make_request(http::verb::post, "/hooks/aq", "{}")).response.result_int() ==
        502u);
    quiet.signal(SIGTERM);
    BOOST_TEST(quiet.wait() == 0);
    BOOST_TEST(quiet.read_line().empty()); // no line about the forward
    std::remove(target_config.c_str());
    std::remove(secret_file.c_str());
}

BOOST_AUTO_TEST_CASE(bad_forward_options_exit_2_naming_the_option) {
    const struct {
        std::vector<std::string> options;
        std::string message;
    } cases[] = {
        {{"--forward-to", "localhost:3000/hook"}, "--forward-to: "},
        {{"--forward-to", "ftp://127.0.0.1/"}, "--forward-to: invalid URL (scheme must be http or https)"},
        {{"--forward-timeout", "0"}, "--forward-timeout"},
        {{"--forward-timeout", "601"}, "--forward-timeout"},
        {{"--forward-secret-file", "/nonexistent"}, "--forward-secret-file: cannot read /nonexistent"},
        {{"--forward-secret", "a", "--forward-secret", "b"}, "--forward-secret"},
        {{"--forward-secret", ""}, "--forward-secret: a secret must not be empty"},
    };
    for (const auto& bad : cases) {
        std::vector<std::string> argv{aqhook, "serve", "--port", "0"};
        argv.insert(argv.end(), bad.options.begin(), bad.options.end());
        const auto refused = run_process(argv);
        BOOST_TEST(refused.exit_code == 2, bad.message);
        BOOST_TEST(refused.err.find(bad.message) != std::string::npos, refused.err);
    }
    const auto help = run_process({aqhook, "serve", "--help"});
    for (const auto* option : {"--forward-to URL", "--forward-secret S", "--forward-secret-file FILE",
                               "--forward-timeout SECONDS"})
        BOOST_TEST(help.out.find(option) != std::string::npos, option);
}

BOOST_AUTO_TEST_CASE(a_journal_file_keeps_deliveries_and_their_ids_across_a_restart) {
    const auto file = journal_path("restart.journal");
    const std::vector<std::string> bodies{R"({"n":1})", not_utf8, "third"};
    {
        child_process server(serve_on(file));
        const auto port = test_support::listening_port(server.read_line());
        for (std::size_t i = 0; i < bodies.size(); ++i)
            BOOST_TEST(
                http_send(port, make_request(http::verb::post, "/hooks/" + std::to_string(i), bodies[i]))
                    .response.result_int() == 200u);
        server.signal(SIGTERM);
        BOOST_TEST(server.wait() == 0);
    }
    struct stat info {};
    BOOST_TEST_REQUIRE(::stat(file.c_str(), &info) == 0);
    BOOST_TEST((info.st_mode & 0777) == 0600u); // it holds bodies and signatures

    child_process server(serve_on(file));
    const auto port = test_support::listening_port(server.read_line());
    auto entries = listing(port);
    BOOST_TEST_REQUIRE(entries.size() == 3u);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        const auto& entry = entries[2 - i];
        BOOST_TEST(entry.at("id").as_string() == std::to_string(i + 1));
        BOOST_TEST(entry.at("target").as_string() == "/hooks/" + std::to_string(i));
        BOOST_TEST(body_of(entry) == bodies[i]);
    }
    BOOST_TEST(entries[1].at("bodyEncoding") == "base64");
    http_send(port, make_request(http::verb::post, "/hooks/next", "4"));
    BOOST_TEST(listing(port).at(0).at("id") == "4"); // ids go on after the file's
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
    std::remove(file.c_str());
}

// Answers wait for their entries' commit: whatever got its answer is in the file, however the
// receiver ends right after.
BOOST_AUTO_TEST_CASE(every_answered_delivery_survives_a_sigkill) {
    const auto file = journal_path("killed.journal");
    constexpr int senders = 4, each = 25;
    {
        child_process server(serve_on(file));
        const auto port = test_support::listening_port(server.read_line());
        std::vector<std::future<int>> sent;
        for (int s = 0; s < senders; ++s)
            sent.push_back(std::async(std::launch::async, [port, s] {
                int answered = 0;
                for (int i = 0; i < each; ++i) {
                    const auto target = "/k/" + std::to_string(s) + "/" + std::to_string(i);
                    answered +=
                        http_send(port, make_request(http::verb::post, target, "x")).response.result_int() ==
                        200u;
                }
                return answered;
            }));
        for (auto& answered : sent)
            BOOST_TEST(answered.get() == each);
        server.signal(SIGKILL);
        BOOST_TEST(server.wait() == 128 + SIGKILL);
    }
    child_process server(serve_on(file));
    const auto port = test_support::listening_port(server.read_line());
    std::set<std::string> targets;
    for (const auto& entry : listing(port))
        targets.insert(std::string(entry.at("target").as_string()));
    BOOST_TEST(targets.size() == std::size_t(senders * each));
    BOOST_TEST(targets.contains("/k/3/24"));
    server.signal(SIGTERM);
    BOOST_TEST(server.wait() == 0);
    std::remove(file.c_str());
}

BOOST_AUTO_TEST_CASE(files_that_are_not_journals_are_refused_and_left_as_they_are) {
    auto refused = [](const std::string& file, const std::string& reason) {
        const auto before = test_support::slurp(file);
        const auto run = run_process({aqhook, "serve", "--port", "0", "--journal-file", file});
        BOOST_TEST(run.exit_code == 2);
        BOOST_TEST(run.err.find("--journal-file: " + file + ": " + reason) != std::string::npos, run.err);
        BOOST_TEST(test_support::slurp(file) == before, file << " changed");
    };
    const auto text = test_support::write_temp_file("notes.journal", "not a database\n");
    refused(text, "is not an SQLite database");

    const auto other = journal_path("other.db");
    run_sql(other, "CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('Ada')");
    refused(other, "is an SQLite database but not a journal file (it holds table customers)");

    const auto newer = journal_path("newer.journal");
    child_process writer(serve_on(newer));
    test_support::listening_port(writer.read_line());
    writer.signal(SIGTERM);
    BOOST_TEST(writer.wait() == 0);
    run_sql(newer, "UPDATE aqhook_meta SET value = 2 WHERE key = 'format'");
    refused(newer, "is a journal of format 2, newer than this aqhook reads (1)");

    const auto folder =
        run_process({aqhook, "serve", "--port", "0", "--journal-file", test_support::temp_dir()});
    BOOST_TEST(folder.exit_code == 2);
    BOOST_TEST(folder.err.find("is a folder") != std::string::npos, folder.err);
    const auto nowhere =
        run_process({aqhook, "serve", "--port", "0", "--journal-file", "/nonexistent/j.journal"});
    BOOST_TEST(nowhere.exit_code == 2);
    BOOST_TEST(nowhere.err.find(
                   "--journal-file: /nonexistent/j.journal: cannot be created (No such file or directory)") !=
                   std::string::npos,
               nowhere.err);
    for (const auto& path : {text, other, newer})
        std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_second_receiver_on_one_journal_file_is_refused) {
    const auto file = journal_path("shared.journal");
    child_process first(serve_on(file));
    const auto port = test_support::listening_port(first.read_line());
    const auto second = run_process(serve_on(file));
    BOOST_TEST(second.exit_code == 2);
    BOOST_TEST(second.err.find("--journal-file: " + file + ": is in use by another receiver") !=
                   std::string::npos,
               second.err);
    BOOST_TEST(http_send(port, make_request(http::verb::post, "/still", "x")).response.result_int() == 200u);
    BOOST_TEST(listing(port).size() == 1u);
    first.signal(SIGTERM);
    BOOST_TEST(first.wait() == 0);
    std::remove(file.c_str());
}

BOOST_AUTO_TEST_CASE(journal_size_bounds_the_file_across_a_restart) {
    const auto file = journal_path("bounded.journal");
    auto run = [&](const std::string& size, int deliveries) {
        child_process server(serve_on(file, {"--journal-size", size}));
        const auto port = test_support::listening_port(server.read_line());
        for (int i = 0; i < deliveries; ++i)
            http_send(port, make_request(http::verb::post, "/b", "x"));
        auto entries = listing(port);
        server.signal(SIGTERM);
        BOOST_TEST(server.wait() == 0);
        return entries;
    };
    BOOST_TEST(run("5", 5).size() == 5u);
    const auto smaller = run("2", 0);
    BOOST_TEST_REQUIRE(smaller.size() == 2u);
    BOOST_TEST(smaller[1].at("id") == "4");
    const auto again = run("5", 1); // the file kept two: the first three are gone for good
    BOOST_TEST_REQUIRE(again.size() == 3u);
    BOOST_TEST(again[0].at("id") == "6");
    BOOST_TEST(again[2].at("id") == "4");
    std::remove(file.c_str());
}

// An NDJSON export, from a running receiver or from its file, replayed to another receiver:
// the same deliveries, byte for byte, signed afresh or as recorded.
BOOST_AUTO_TEST_CASE(an_exported_journal_replays_to_another_receiver) {
    const auto file = journal_path("export.journal");
    const std::vector<std::string> bodies{R"({"incident":1})", not_utf8, "plain text"};
    std::string exported;
    {
        child_process source(serve_on(file, {"--secret", "old-secret"}));
        const auto port = test_support::listening_port(source.read_line());
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            auto request = make_request(http::verb::post, "/hooks/" + std::to_string(i) + "?q=1", bodies[i]);
            request.set(http::field::content_type, "application/octet-stream");
            sign_request(request, aq::signing_method::allquiet, "old-secret");
            BOOST_TEST(http_send(port, request).response.result_int() == 200u);
        }
        exported =
            http_send(port, make_request(http::verb::get, "/_aqhook/requests?format=ndjson")).response.body();
        source.signal(SIGTERM);
        BOOST_TEST(source.wait() == 0);
    }
    const auto from_file = run_process({aqhook, "journal", "export", "--journal-file", file});
    BOOST_TEST(from_file.exit_code == 0, from_file.err);
    BOOST_TEST(from_file.out == exported);
    const auto export_path = test_support::write_temp_file("export.ndjson", exported);

    auto replay_to = [&](std::vector<std::string> receiver_options, std::vector<std::string> replay_options) {
        receiver_options.insert(receiver_options.begin(), {aqhook, "serve", "--port", "0", "--quiet"});
        child_process target(receiver_options);
        const auto port = test_support::listening_port(target.read_line());
        std::vector<std::string> argv{aqhook,
                                      "journal",
                                      "replay",
                                      "--file",
                                      export_path,
                                      "--url",
                                      "http://127.0.0.1:" + std::to_string(port) + "/"};
        argv.insert(argv.end(), replay_options.begin(), replay_options.end());
        const auto replayed = run_process(argv);
        BOOST_TEST(replayed.exit_code == 0, replayed.out << replayed.err);
        BOOST_TEST(replayed.out.find("#2 POST http://127.0.0.1:" + std::to_string(port) +
                                     "/hooks/1?q=1 -> 200") != std::string::npos,
                   replayed.out);
        auto entries = listing(port);
        target.signal(SIGTERM);
        BOOST_TEST(target.wait() == 0);
        BOOST_TEST_REQUIRE(entries.size() == bodies.size());
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            const auto& entry = entries[bodies.size() - 1 - i];
            BOOST_TEST(body_of(entry) == bodies[i]);
            BOOST_TEST(entry.at("target").as_string() == "/hooks/" + std::to_string(i) + "?q=1");
            BOOST_TEST(entry.at("headers").at("content-type") == "application/octet-stream");
            BOOST_TEST(entry.at("verification").at("status") == "valid", entry);
        }
    };
    replay_to({"--secret", "new-secret"}, {"--signing-method", "allquiet", "--secret", "new-secret"});
    replay_to({"--secret", "old-secret", "--no-tolerance"}, {"--as-recorded"});

    const auto neither =
        run_process({aqhook, "journal", "replay", "--file", export_path, "--url", "http://127.0.0.1:1"});
    BOOST_TEST(neither.exit_code == 2);
    BOOST_TEST(neither.err.find("--as-recorded") != std::string::npos, neither.err);
    const auto nobody = run_process(
        {aqhook, "journal", "replay", "--file", export_path, "--url", "http://127.0.0.1:1", "--as-recorded"});
    BOOST_TEST(nobody.exit_code == 1); // nothing listens there
    BOOST_TEST(nobody.out.find("#1 POST http://127.0.0.1:1/hooks/0?q=1 -> error: ") != std::string::npos,
               nobody.out);
    const auto broken = test_support::write_temp_file("broken.ndjson", exported + "{\"id\": 1}\n");
    const auto bad_line = run_process(
        {aqhook, "journal", "replay", "--file", broken, "--url", "http://127.0.0.1:1", "--as-recorded"});
    BOOST_TEST(bad_line.exit_code == 2);
    BOOST_TEST(bad_line.err.find("line 4 is not a journal entry") != std::string::npos, bad_line.err);
    BOOST_TEST(bad_line.out.empty()); // a bad file sends nothing
    const auto endless = run_process(
        {aqhook, "journal", "replay", "--file", "/dev/zero", "--url", "http://127.0.0.1:1", "--as-recorded"});
    BOOST_TEST(endless.exit_code == 2);
    BOOST_TEST(endless.err.find("/dev/zero: line 1 is longer than 256 MiB") != std::string::npos,
               endless.err);
    const auto missing = run_process({aqhook, "journal", "export", "--journal-file", file + ".absent"});
    BOOST_TEST(missing.exit_code == 2);
    BOOST_TEST(missing.err.find("no such file") != std::string::npos, missing.err);
    for (const auto& path : {file, export_path, broken})
        std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
