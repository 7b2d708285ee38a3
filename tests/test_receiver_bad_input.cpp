// aqhook serve, the real program, under abuse over raw loopback sockets: after each bad input
// it still answers a good delivery at once, keeps only good deliveries in its journal, and its
// resident memory comes back. Then under load: no delivery lost, none answered twice.
#include "http_client.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/signature.hpp>

#include <boost/json/parse.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <sstream>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_receiver_bad_input)

namespace aq = allquiet::webhook;
namespace json = boost::json;
namespace net = boost::asio;
using namespace std::chrono_literals;
using test_support::child_process;
using test_support::http_connection;
using test_support::http_send;
using test_support::make_request;
using test_support::raw_socket;
using test_support::sign_request;
using test_support::tcp;
namespace http = test_support::http;

namespace {

// The sanitizer build looks for memory errors, not for sizes: the tests that measure memory or
// carry a load send it a smaller one, which takes the same paths several times slower.
constexpr int memory_rounds = test_support::sanitized_build ? 1 : 3;
constexpr int large_journal_mib = test_support::sanitized_build ? 40 : 200;
constexpr int deliveries_per_client = test_support::sanitized_build ? 1000 : 2500;

const std::string secret = "bad-input-secret";
const std::string echo_config = R"({"rules": [
    {"name": "slow", "match": {"path": "/slow"}, "respond": {"status": 200, "delayMs": 300}},
    {"name": "slower", "match": {"path": "/slower"}, "respond": {"status": 200, "delayMs": 8000}},
    {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}}],
  "default": {"patchTemplate":
    "{\"operations\": {\"upsertAttributes\": {\"attributes\": [{\"name\": \"delivery\", \"value\": \"{{delivery}}\"}]}}}"}})";

/// How a test starts aqhook serve, beyond the usual: a free port, a 2 s read timeout and a 64 KiB
/// body limit.
struct launch {
    std::vector<std::string> arguments{}; ///< more options for aqhook serve
    std::vector<std::string> launcher{};  ///< a program to start it through, such as prlimit
    bool stuck_log = false;             ///< log to a pipe nobody reads, instead of --quiet
    std::string max_body = "65536";
    bool logged = false; ///< log to a file that `process.error_output()` reads, instead of --quiet
    std::string config_path{}; ///< the configuration file; empty for echo_config in a file of its own
};

struct running_receiver {
    explicit running_receiver(launch how = {})
        : process(command(how), how.stuck_log), port(test_support::listening_port(process.read_line())) {}

    static std::vector<std::string> command(launch how) {
        auto argv = std::move(how.launcher);
        for (std::string argument : {AQHOOK_PATH, "serve", "--port", "0", "--secret", secret.c_str(),
                                     "--read-timeout", "2", "--max-body", how.max_body.c_str(), "--config"})
            argv.push_back(argument);
        argv.push_back(how.config_path.empty() ? test_support::write_temp_file("bad-input-config.json", echo_config)
                                               : how.config_path);
        if (!how.stuck_log && !how.logged) argv.push_back("--quiet");
        argv.insert(argv.end(), how.arguments.begin(), how.arguments.end());
        return argv;
    }

    /// User and system CPU time so far, in clock ticks.
    long cpu_ticks() const {
        const auto stat = test_support::slurp("/proc/" + std::to_string(process.pid()) + "/stat");
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));
        std::string field;
        long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && fields >> field; ++i) { // fields 14 and 15 of proc(5)
            if (i == 14) utime = std::stol(field);
            if (i == 15) stime = std::stol(field);
        }
        return utime + stime;
    }

    /// A line of /proc/PID/status, in KiB: VmRSS (resident now), VmHWM (most resident so far),
    /// VmSize (address space).
    long status_kib(const std::string& field) const {
        const auto status = test_support::slurp("/proc/" + std::to_string(process.pid()) + "/status");
        const auto at = status.find(field + ":");
        BOOST_REQUIRE(at != std::string::npos);
        return std::stol(status.substr(at + field.size() + 1));
    }

    /// The file descriptors the receiver holds open.
    std::size_t open_descriptors() const {
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& fd :
             std::filesystem::directory_iterator("/proc/" + std::to_string(process.pid()) + "/fd"))
            ++count;
        return count;
    }

    long resident_kib() const { return status_kib("VmRSS"); }
    long peak_resident_kib() const { return status_kib("VmHWM"); }

    json::array journal() const {
        const auto reply = http_send(port, make_request(http::verb::get, "/_aqhook/requests"));
        BOOST_REQUIRE(!reply.error);
        return json::parse(reply.response.body()).as_array();
    }

    std::size_t journal_size() const { return journal().size(); }

    child_process process;
    std::uint16_t port;
};

http::request<http::string_body> signed_delivery(const std::string& delivery_id, std::string padding = {}) {
    auto request = make_request(http::verb::post, "/hooks/aq",
                                R"({"delivery": ")" + delivery_id + R"(", "padding": ")" + padding + R"("})");
    request.set(http::field::content_type, "application/json");
    sign_request(request, aq::signing_method::allquiet, secret);
    return request;
}

/// A signed delivery to `path` as the bytes a client sends.
std::string signed_delivery_bytes(const std::string& path, const std::string& delivery_id) {
    auto request = signed_delivery(delivery_id);
    request.target(path);
    request.set(http::field::host, "x");
    request.prepare_payload();
    std::ostringstream bytes;
    bytes << request;
    return bytes.str();
}

/// The value the echo rule put in the answer's patch.
std::string echoed_delivery(const http::response<http::string_body>& response) {
    const auto patch = aq::parse_patch(response.body());
    if (!patch || !patch->operations.upsert_attributes) return "<not an echo patch>";
    return patch->operations.upsert_attributes->attributes.at(0).value;
}

/// A good delivery must be answered, correctly and quickly, whatever happened before.
void check_answers_at_once(const running_receiver& receiver, const std::string& delivery_id) {
    const auto result = http_send(receiver.port, signed_delivery(delivery_id), 5s);
    BOOST_TEST_REQUIRE(!result.error, result.error.message());
    BOOST_TEST(result.response.result_int() == 200u);
    BOOST_TEST(echoed_delivery(result.response) == delivery_id);
    BOOST_TEST(result.elapsed < 1000ms, "answered in " << result.elapsed.count() << " ms");
}

/// What the receiver answers to `bytes` sent on a fresh connection, which it then closes.
std::string answer_to(const running_receiver& receiver, std::string_view bytes) {
    raw_socket client(receiver.port);
    client.write(bytes);
    return client.read_until_closed(5s).received;
}

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

const std::string post_head = "POST /hooks/aq HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

/// Bytes that are not HTTP at all. Returns the good deliveries sent after them.
std::size_t send_unparsable(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    BOOST_TEST_CONTEXT("garbage bytes") {
        const auto answer =
            answer_to(receiver, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n");
        BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer);
        BOOST_TEST(answer.find("malformed HTTP request") != std::string::npos);
        check_answers_at_once(receiver, round + "after-garbage");
        ++good;
    }
    BOOST_TEST_CONTEXT("binary noise without a line end") {
        std::string noise(4096, '\0');
        for (std::size_t i = 0; i < noise.size(); ++i)
            noise[i] = static_cast<char>((i * 7919) % 251);
        const auto answer = answer_to(receiver, noise);
        BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer.substr(0, 80));
        check_answers_at_once(receiver, round + "after-noise");
        ++good;
    }
    return good;
}

/// Requests cut off, or shorter than they say, by clients that then wait or vanish. Returns the good
/// deliveries sent after them.
std::size_t send_cut_off(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    for (const auto& [where, bytes] :
         {std::pair<std::string, std::string>{"header", post_head + "Content-Le"},
          {"body", post_head + "Content-Length: 100\r\n\r\n{\"delivery\": \"cut"}}) {
        BOOST_TEST_CONTEXT("cut off mid-" << where << ", client gone") {
            raw_socket client(receiver.port);
            client.write(bytes);
            client.vanish();
            check_answers_at_once(receiver, round + "after-cut-" + where);
            ++good;
        }
    }
    BOOST_TEST_CONTEXT("Content-Length larger than the body: dropped at the read timeout, unanswered") {
        raw_socket client(receiver.port);
        client.write(post_head + "Content-Length: 5000\r\n\r\n{\"delivery\": \"short\"}");
        check_answers_at_once(receiver, round + "beside-short-body");
        ++good;
        const auto answer = client.read_until_closed(4s).received;
        BOOST_TEST(answer.empty(), answer);
    }
    return good;
}

/// Bodies framed in contradictory or invalid ways. Returns the good deliveries sent after them.
std::size_t send_bad_framing(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    BOOST_TEST_CONTEXT("Content-Length and Transfer-Encoding together") {
        const auto answer = answer_to(
            receiver,
            post_head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
        BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer);
        check_answers_at_once(receiver, round + "after-cl-te");
        ++good;
    }
    BOOST_TEST_CONTEXT("two different Content-Lengths") {
        const auto answer =
            answer_to(receiver, post_head + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
        BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer);
    }
    BOOST_TEST_CONTEXT("invalid chunked encoding") {
        for (const std::string body :
             {"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcdef\r\n0\r\n\r\n", "ffffffffffffffffff\r\nx\r\n0\r\n\r\n"}) {
            const auto answer = answer_to(receiver, post_head + "Transfer-Encoding: chunked\r\n\r\n" + body);
            BOOST_TEST(starts_with(answer, "HTTP/1.1 4"), answer); // 400, or 413 for the huge chunk
        }
        check_answers_at_once(receiver, round + "after-chunked");
        ++good;
    }
    return good;
}

/// Heads and bodies past the limits, declared or sent. Returns the good deliveries sent after them.
std::size_t send_oversized(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    BOOST_TEST_CONTEXT("oversized headers and bodies") {
        const auto fat_headers = answer_to(receiver, post_head + "X-Padding: " + std::string(20000, 'p') +
                                                         "\r\nContent-Length: 0\r\n\r\n");
        BOOST_TEST(starts_with(fat_headers, "HTTP/1.1 431"), fat_headers.substr(0, 80));
        const auto declared = answer_to(receiver, post_head + "Content-Length: 10000000\r\n\r\n");
        BOOST_TEST(starts_with(declared, "HTTP/1.1 413"), declared);
        std::string chunks = post_head + "Transfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 80; ++i)
            chunks += "400\r\n" + std::string(1024, 'c') + "\r\n";
        const auto chunked = answer_to(receiver, chunks + "0\r\n\r\n");
        BOOST_TEST(starts_with(chunked, "HTTP/1.1 413"), chunked.substr(0, 80));
        check_answers_at_once(receiver, round + "after-oversized");
        ++good;
    }
    return good;
}

/// Clients that hold connections: a byte a second, or nothing. Returns the good deliveries sent after them.
std::size_t send_slow_and_idle(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    BOOST_TEST_CONTEXT("slowloris: one byte a second is cut off at the read timeout") {
        auto slow = std::async(std::launch::async, [&] {
            raw_socket client(receiver.port);
            const std::string request = post_head + "Content-Length: 2\r\n\r\n{}";
            const auto start = std::chrono::steady_clock::now();
            for (char byte : request) {
                client.write(std::string_view(&byte, 1));
                if (client.read_until_closed(1000ms).closed) return std::chrono::steady_clock::now() - start;
            }
            return std::chrono::steady_clock::duration::max();
        });
        std::this_thread::sleep_for(500ms);
        check_answers_at_once(receiver, round + "beside-slowloris");
        ++good;
        const auto cut_after = slow.get();
        BOOST_TEST((cut_after < 4s),
                   "slow client still connected after "
                       << std::chrono::duration_cast<std::chrono::seconds>(cut_after).count() << " s");
    }
    BOOST_TEST_CONTEXT("1000 idle connections held open") {
        std::vector<std::unique_ptr<raw_socket>> idle;
        for (int i = 0; i < 1000; ++i)
            idle.push_back(std::make_unique<raw_socket>(receiver.port));
        std::this_thread::sleep_for(200ms);
        check_answers_at_once(receiver, round + "beside-1000-idle");
        ++good;
        BOOST_TEST(idle.front()->read_until_closed(4s).closed); // the read timeout closes idle connections
        BOOST_TEST(idle.back()->read_until_closed(1s).closed);
    }
    return good;
}

/// Clients gone before their answer is written. Returns the good deliveries sent after them.
std::size_t send_vanishing(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    BOOST_TEST_CONTEXT("clients that vanish mid-response") {
        for (int i = 0; i < 40; ++i) { // the journal listing is a few hundred KiB: cut it off
            raw_socket client(receiver.port);
            client.write("GET /_aqhook/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            std::this_thread::sleep_for(1ms);
            client.vanish();
        }
        for (int i = 0; i < 10; ++i) { // gone before a delayed answer is written
            raw_socket client(receiver.port);
            client.write("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
            client.hang_up(); // an orderly close: the request itself arrives whole
        }
        std::this_thread::sleep_for(500ms);
        check_answers_at_once(receiver, round + "after-vanishing");
        good += 1 + 10; // the /slow requests were read whole: they are deliveries
    }
    return good;
}

/// Every kind of bad input once, each followed by a good delivery that must be answered at once.
/// Returns the number of deliveries the receiver should have journaled.
std::size_t send_every_bad_input(const running_receiver& receiver, const std::string& round) {
    std::size_t good = 0;
    for (auto send : {send_unparsable, send_cut_off, send_bad_framing, send_oversized, send_slow_and_idle,
                      send_vanishing})
        good += send(receiver, round);
    return good;
}

} // namespace

BOOST_AUTO_TEST_CASE(bad_input_is_refused_and_the_receiver_goes_on) {
    running_receiver receiver;
    for (int i = 0; i < 50; ++i) // warm up: threads, buffers and the allocator settle
        check_answers_at_once(receiver, "warm-" + std::to_string(i));
    std::size_t good = 50;
    const long baseline_kib = receiver.resident_kib();

    // The allocator keeps pages that a flood of connections used (Asio pools each socket's
    // reactor state, and those small blocks pin the pages around them), so resident memory settles
    // a few MiB up over the first rounds and then stays there: it is bounded, not growing with
    // what was sent. A true leak shows at exit, where LeakSanitizer checks (the sanitizer build).
    std::vector<long> resident_kib;
    for (int i = 0; i < memory_rounds; ++i) {
        const std::string round = "round-" + std::to_string(i) + "-";
        good += send_every_bad_input(receiver, round);
        resident_kib.push_back(receiver.resident_kib());
        BOOST_TEST_MESSAGE("resident after round " << i << ": " << resident_kib.back() << " KiB");
    }
    BOOST_TEST(receiver.journal_size() == good); // nothing refused was journaled, nothing good lost
    if (!test_support::sanitized_build) {
        BOOST_TEST(resident_kib[0] <= baseline_kib + 8192,
                   "the first round took " << baseline_kib << " KiB to " << resident_kib[0] << " KiB");
        BOOST_TEST(resident_kib[2] <= resident_kib[0] + 3072,
                   "resident memory still grows: " << resident_kib[0] << ", " << resident_kib[1] << ", "
                                                   << resident_kib[2] << " KiB after each round");
    }
    receiver.process.signal(SIGTERM);
    BOOST_TEST(receiver.process.wait() == 0, receiver.process.error_output());
}

BOOST_AUTO_TEST_CASE(running_out_of_file_descriptors_is_waited_out_without_spinning) {
    running_receiver receiver({.launcher = {"/usr/bin/prlimit", "--nofile=64"}});
    check_answers_at_once(receiver, "before-exhaustion");
    std::vector<std::unique_ptr<raw_socket>> flood; // more than the 64 descriptors it may open
    for (int i = 0; i < 200; ++i)
        flood.push_back(std::make_unique<raw_socket>(receiver.port));
    std::this_thread::sleep_for(200ms);
    const long ticks_before = receiver.cpu_ticks();
    std::this_thread::sleep_for(1000ms);
    const long busy_ticks = receiver.cpu_ticks() - ticks_before;
    BOOST_TEST(busy_ticks < sysconf(_SC_CLK_TCK) / 5, busy_ticks << " ticks of CPU in one second of waiting");
    flood.clear();
    check_answers_at_once(receiver, "after-exhaustion");
}

BOOST_AUTO_TEST_CASE(concurrent_deliveries_each_journaled_once) {
    running_receiver receiver({.arguments = {"--journal-size", "25000"}});
    constexpr int clients = 8, per_client = deliveries_per_client; // 20,000 in all, 8,000 sanitized
    std::atomic<int> answered{0}, wrong_answer{0}, failed{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            std::optional<http_connection> connection;
            for (int i = 0; i < per_client; ++i) {
                const auto id = "d-" + std::to_string(c) + "-" + std::to_string(i);
                if (!connection) connection.emplace(receiver.port);
                const auto result = connection->send(signed_delivery(id, std::string(512, 'p')), 10s);
                if (result.error) { // a new connection for the next one; this one counts as lost
                    ++failed;
                    connection.reset();
                    continue;
                }
                if (result.response.result_int() != 200) continue;
                ++answered;
                if (echoed_delivery(result.response) != id) ++wrong_answer;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    BOOST_TEST(failed.load() == 0);
    BOOST_TEST(wrong_answer.load() == 0); // every answer was the one for its own request
    BOOST_TEST(answered.load() == clients * per_client);

    const auto listing = http_send(receiver.port, make_request(http::verb::get, "/_aqhook/requests"), 30s);
    BOOST_TEST_REQUIRE(!listing.error);
    std::map<std::string, int> seen;
    const auto journal = json::parse(listing.response.body());
    for (const auto& entry : journal.as_array()) {
        const auto body = json::parse(entry.at("body").as_string());
        ++seen[std::string(body.at("delivery").as_string())];
        BOOST_TEST(entry.at("verification").at("status") == "valid");
    }
    BOOST_TEST(seen.size() == static_cast<std::size_t>(clients * per_client));
    int twice = 0;
    for (const auto& [id, count] : seen)
        twice += count != 1;
    BOOST_TEST(twice == 0);
}

namespace {

const std::string long_wait =
    "GET /_aqhook/requests/wait?count=999&timeoutMs=600000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

} // namespace

// SIGTERM while waits are pending: each gets 503 at once, and the process exits 0.
BOOST_AUTO_TEST_CASE(sigterm_answers_pending_waits_and_exits_0) {
    running_receiver receiver;
    std::vector<std::unique_ptr<raw_socket>> waits;
    for (int i = 0; i < 10; ++i) {
        waits.push_back(std::make_unique<raw_socket>(receiver.port));
        waits.back()->write(long_wait);
    }
    std::this_thread::sleep_for(300ms);
    const auto start = std::chrono::steady_clock::now();
    receiver.process.signal(SIGTERM);
    for (auto& wait : waits) {
        const auto answer = wait->read_until_closed(5s).received;
        BOOST_TEST(starts_with(answer, "HTTP/1.1 503"), answer);
    }
    BOOST_TEST(receiver.process.wait() == 0, receiver.process.error_output());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
}

// 300 clients that open a long wait and hang up, under a limit of 256 file descriptors: the
// receiver notices each hang-up and new clients are served within a second or two.
BOOST_AUTO_TEST_CASE(abandoned_waits_do_not_lock_new_clients_out) {
    running_receiver receiver({.launcher = {"/usr/bin/prlimit", "--nofile=256"}});
    std::vector<std::unique_ptr<raw_socket>> waits;
    for (int i = 0; i < 300; ++i) {
        waits.push_back(std::make_unique<raw_socket>(receiver.port));
        waits.back()->write(long_wait);
    }
    std::this_thread::sleep_for(500ms); // the receiver holds every descriptor it may
    const auto refused = http_send(receiver.port, signed_delivery("while-full"), 500ms);
    BOOST_TEST(refused.error, "a client got in while the receiver's descriptors were all taken");
    waits.clear(); // each hangs up
    const auto start = std::chrono::steady_clock::now();
    bool served = false;
    while (!served && std::chrono::steady_clock::now() - start < 10s) {
        const auto result = http_send(receiver.port, signed_delivery("after-abandoned"), 2s);
        served = !result.error && result.response.result_int() == 200;
    }
    BOOST_TEST(served);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST_MESSAGE("served again " << took.count() << " ms after 300 abandoned waits");
    BOOST_TEST(took < 3s);
    check_answers_at_once(receiver, "after-abandoned-waits");
}

// Standard error on a pipe that nobody reads fills after some hundred lines; the receiver drops
// log lines instead of waiting, and still stops cleanly.
BOOST_AUTO_TEST_CASE(a_log_nobody_reads_never_stalls_the_receiver) {
    running_receiver receiver({.stuck_log = true});
    http_connection connection(receiver.port);
    for (int i = 0; i < 3000; ++i) {
        const auto result = connection.send(signed_delivery("logged-" + std::to_string(i)), 5s);
        BOOST_TEST_REQUIRE(!result.error, "delivery " << i << ": " << result.error.message());
    }
    receiver.process.signal(SIGTERM);
    BOOST_TEST(receiver.process.wait() == 0);
}

// A journal of 200 MiB (large_journal_mib) listed whole: the listing costs about its own size once (not
// several times the journal), and deliveries during it are answered as fast as without it.
BOOST_AUTO_TEST_CASE(a_large_listing_costs_its_size_and_stalls_no_delivery) {
    running_receiver receiver({.arguments = {"--journal-max-bytes", "220000000"}, .max_body = "1100000"});
    const std::string padding(1 << 20, 'p');
    for (int i = 0; i < large_journal_mib; ++i) {
        const auto result =
            http_send(receiver.port, signed_delivery("big-" + std::to_string(i), padding), 10s);
        BOOST_TEST_REQUIRE(result.response.result_int() == 200u);
    }
    const long journal_kib = receiver.resident_kib();
    auto listing = std::async(std::launch::async, [&] {
        return http_send(receiver.port, make_request(http::verb::get, "/_aqhook/requests"), 120s);
    });
    std::this_thread::sleep_for(50ms);
    std::vector<long> during_ms;
    while (listing.wait_for(0ms) != std::future_status::ready && during_ms.size() < 50) {
        const auto result = http_send(receiver.port, signed_delivery("during-listing"), 5s);
        BOOST_TEST_REQUIRE(!result.error);
        during_ms.push_back(static_cast<long>(result.elapsed.count()));
    }
    const auto listed = listing.get();
    BOOST_TEST_REQUIRE(!listed.error, listed.error.message());
    const long listing_kib = static_cast<long>(listed.response.body().size() / 1024);
    const long extra_kib = receiver.peak_resident_kib() - journal_kib;
    BOOST_TEST_MESSAGE("journal resident "
                       << journal_kib << " KiB, listing " << listing_kib << " KiB, peak beyond the journal "
                       << extra_kib << " KiB, " << during_ms.size() << " deliveries during it, slowest "
                       << (during_ms.empty() ? 0 : *std::max_element(during_ms.begin(), during_ms.end()))
                       << " ms");
    BOOST_TEST(json::parse(listed.response.body()).as_array().size() >= std::size_t{large_journal_mib});
    if (!test_support::sanitized_build) BOOST_TEST(extra_kib < listing_kib * 5 / 4 + 16 * 1024);
    for (const long ms : during_ms)
        BOOST_TEST(ms < 1000);
}

// Beast's chunk parser has no length limit of its own: a chunk line, extension or trailer that
// never ends must stop at the read buffer's bound, not at the read timeout.
BOOST_AUTO_TEST_CASE(a_chunk_line_or_trailer_that_never_ends_is_cut_off_at_the_buffer_bound) {
    running_receiver receiver({.max_body = "1024"});
    check_answers_at_once(receiver, "before-endless-chunks");
    const long peak_before = receiver.peak_resident_kib();
    const std::string chunked_head = post_head + "Transfer-Encoding: chunked\r\n\r\n";
    for (const auto& [what, start, filler] :
         {std::tuple<std::string, std::string, char>{"chunk extension", "1;e=", 'a'},
          {"trailer line", "0\r\nX-Trailer: ", 'a'},
          {"run of zeros in a chunk size", "", '0'}}) {
        BOOST_TEST_CONTEXT(what) {
            raw_socket client(receiver.port);
            client.write(chunked_head + start);
            const std::size_t sent = client.stream(std::string(64 * 1024, filler), 64 << 20, 10s);
            const auto answer = client.read_until_closed(5s).received;
            BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer.substr(0, 80));
            BOOST_TEST(answer.find("chunk line or trailer longer than") != std::string::npos, answer);
            BOOST_TEST(sent < std::size_t{8} << 20, sent << " bytes taken before the answer");
        }
    }
    const long grown_kib = receiver.peak_resident_kib() - peak_before;
    BOOST_TEST_MESSAGE("peak resident memory grew by " << grown_kib << " KiB");
    BOOST_TEST(grown_kib < 16 * 1024);
    check_answers_at_once(receiver, "after-endless-chunks");
}

// A client may declare the largest body allowed and send nothing: the body grows with what
// arrives, not with what is declared.
BOOST_AUTO_TEST_CASE(a_declared_length_reserves_no_memory_before_its_bytes_arrive) {
    running_receiver receiver({.max_body = "268435456"});
    check_answers_at_once(receiver, "before-declared");
    const long address_space_before = receiver.status_kib("VmSize");
    std::vector<std::unique_ptr<raw_socket>> clients;
    for (int i = 0; i < 8; ++i) { // 8 x 256 MiB declared
        clients.push_back(std::make_unique<raw_socket>(receiver.port));
        clients.back()->write(post_head + "Content-Length: 268435456\r\n\r\n{");
    }
    check_answers_at_once(receiver, "beside-declared"); // the eight are read by now
    const long grown_kib = receiver.status_kib("VmSize") - address_space_before;
    BOOST_TEST_MESSAGE("address space grew by " << grown_kib << " KiB for 2 GiB declared");
    BOOST_TEST(grown_kib < 256 * 1024);
}

// RFC 9112 §6.3: a Transfer-Encoding whose last coding is not chunked, without a Content-Length,
// would frame the body as empty and read it as a second request, which then passes as coming from
// the address in its own X-Forwarded-For. So would one that Beast's parser takes for chunked but a
// proxy in front may not (a parameter, a bad element, a folded line), and chunked in HTTP/1.0
// (RFC 9112 §6.1). 400 and close, and nothing inside is answered.
BOOST_AUTO_TEST_CASE(ambiguous_framing_and_host_lines_are_refused_and_nothing_is_smuggled) {
    const auto allowed = test_support::write_temp_file("smuggling-ips.json", R"({"ips": ["203.0.113.0/24"]})");
    running_receiver receiver({.arguments = {"--allow-ips", allowed, "--trust-forwarded-for"}});
    const std::string inner =
        "POST /hooks/aq HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\nContent-Length: 2\r\n\r\n{}";
    for (const std::string coding : {"xchunked", "identity", "gzip", "chunked, identity", "gzip, chunked",
                                     "chunked;q=1", "chunked, ;", "chunked\r\n gzip", "\"chunked\""}) {
        BOOST_TEST_CONTEXT("Transfer-Encoding: " << coding) {
            const auto answer = answer_to(receiver, "POST /hooks/aq HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " +
                                                        coding + "\r\n\r\n" + inner);
            BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer);
            BOOST_TEST(answer.find("Transfer-Encoding must be chunked alone") != std::string::npos, answer);
            BOOST_TEST(answer.find("HTTP/1.1 200") == std::string::npos, answer); // the inner one unanswered
        }
    }
    BOOST_TEST_CONTEXT("chunked in HTTP/1.0") {
        const auto answer =
            answer_to(receiver, "POST /hooks/aq HTTP/1.0\r\nConnection: keep-alive\r\n"
                                "X-Forwarded-For: 203.0.113.7\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\n{}\r\n0\r\n\r\n" +
                                    inner);
        BOOST_TEST(starts_with(answer, "HTTP/1.0 400"), answer);
        BOOST_TEST(answer.find("HTTP/1.0 request cannot have a Transfer-Encoding") != std::string::npos,
                   answer);
        BOOST_TEST(answer.find(" 200 ") == std::string::npos, answer);
    }
    for (const std::string hosts : {"", "Host: a\r\nHost: b\r\n"}) {
        BOOST_TEST_CONTEXT("Host lines: " << hosts) {
            const auto answer = answer_to(receiver, "POST /hooks/aq HTTP/1.1\r\n" + hosts +
                                                        "X-Forwarded-For: 203.0.113.7\r\nContent-Length: 0\r\n\r\n");
            BOOST_TEST(starts_with(answer, "HTTP/1.1 400"), answer);
            BOOST_TEST(answer.find("exactly one Host header") != std::string::npos, answer);
        }
    }
    BOOST_TEST(receiver.journal_size() == 0u);
    BOOST_TEST_CONTEXT("chunked alone, in any case and among empty elements") {
        const auto answer =
            answer_to(receiver, "POST /hooks/aq HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n"
                                "Connection: close\r\nTransfer-Encoding: , CHUNKED\t,\r\n\r\n"
                                "2\r\n{}\r\n0\r\n\r\n");
        BOOST_TEST(starts_with(answer, "HTTP/1.1 401"),
                   answer); // read whole; unsigned, so refused and journaled
    }
    BOOST_TEST(receiver.journal_size() == 1u);
}

// Beast's parser adds a chunked body's trailer fields to the request's: a trailer must not move a
// delivery's source after its head was admitted, neither out of --allow-ips nor to another address
// in the journal. The source is the one read from the head.
BOOST_AUTO_TEST_CASE(a_forwarded_for_trailer_does_not_move_the_source) {
    const auto allowed = test_support::write_temp_file("trailer-ips.json", R"({"ips": ["203.0.113.0/24"]})");
    running_receiver receiver({.arguments = {"--allow-ips", allowed, "--trust-forwarded-for"}});
    for (const std::string trailer_hop : {"198.51.100.1", "203.0.113.99"}) {
        BOOST_TEST_CONTEXT("trailer X-Forwarded-For: " << trailer_hop) {
            const auto answer = answer_to(receiver, "POST /hooks/aq HTTP/1.1\r\nHost: x\r\n"
                                                    "X-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n"
                                                    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
                                                    "X-Forwarded-For: " +
                                                        trailer_hop + "\r\n\r\n");
            BOOST_TEST(starts_with(answer, "HTTP/1.1 401"), answer); // admitted, read whole; unsigned
            const auto journal = receiver.journal();
            BOOST_TEST_REQUIRE(!journal.empty());
            BOOST_TEST(journal.front().at("remoteAddress") == "203.0.113.7");
        }
    }
    BOOST_TEST(receiver.journal_size() == 2u);
}

// A peer that --allow-ips refuses is answered 403 on its head alone: its body is never read
// (nor waited for), and it is not journaled, so that refused peers cannot push deliveries out.
BOOST_AUTO_TEST_CASE(a_refused_source_is_answered_on_its_head_and_not_journaled) {
    const auto allowed = test_support::write_temp_file("refused-ips.json", R"({"ips": ["203.0.113.0/24"]})");
    running_receiver receiver({.arguments = {"--allow-ips", allowed, "--journal-size", "5"}});
    raw_socket client(receiver.port);
    client.write(post_head + "Content-Length: 60000\r\n\r\n"); // the body never comes
    const auto answer = client.read_until_closed(1500ms);
    BOOST_TEST(answer.closed);
    BOOST_TEST(starts_with(answer.received, "HTTP/1.1 403"), answer.received);
    for (int i = 0; i < 20; ++i)
        BOOST_TEST(http_send(receiver.port, signed_delivery("refused-" + std::to_string(i))).response.result_int() ==
                   403u);
    BOOST_TEST(receiver.journal_size() == 0u);
}

// A client that sends its request, a byte more, and hangs up: the byte must not stop the watch for
// its hang-up. Both a delayed answer and a `timeout` fault release the connection at once, and the
// delayed answer that was never sent says so in the journal and the log.
BOOST_AUTO_TEST_CASE(a_client_gone_behind_pipelined_bytes_releases_its_connection_at_once) {
    running_receiver receiver({.logged = true});
    for (int i = 0; i < 4; ++i) // each I/O thread makes its reactor's descriptors on its first connection
        check_answers_at_once(receiver, "warm-" + std::to_string(i));
    const std::size_t descriptors_before = receiver.open_descriptors();
    for (const std::string path : {"/slower", "/hang"}) {
        for (int i = 0; i < 10; ++i) {
            raw_socket client(receiver.port);
            client.write(signed_delivery_bytes(path, "gone-" + std::to_string(i)));
            std::this_thread::sleep_for(50ms);
            client.write("G");
            client.hang_up();
        }
    }
    const auto start = std::chrono::steady_clock::now(); // the delayed answers are due in 8 s
    while (receiver.open_descriptors() > descriptors_before && std::chrono::steady_clock::now() - start < 6s)
        std::this_thread::sleep_for(20ms);
    BOOST_TEST(receiver.open_descriptors() <= descriptors_before, // a warm-up connection may close meanwhile
               "connections still held: " << receiver.open_descriptors() << " descriptors, " << descriptors_before
                                          << " before");
    std::size_t not_sent = 0;
    for (const auto& entry : receiver.journal()) {
        const auto& response = entry.at("response");
        if (entry.at("target") == "/slower") {
            not_sent += response.at("notSent") == "client gone before the answer";
        } else if (entry.at("target") == "/hang") {
            BOOST_TEST(response.at("fault") == "timeout");
            BOOST_TEST(response.at("notSent").is_null()); // a fault answers nothing on purpose
        }
    }
    BOOST_TEST(not_sent == 10u);
    const auto log = receiver.process.error_output();
    std::size_t logged_not_sent = 0;
    for (std::size_t at = 0; (at = log.find(R"("status":0,)", at)) != std::string::npos; ++at)
        logged_not_sent += log.substr(at, log.find('\n', at) - at).ends_with(R"("notSent":"client gone before the answer"})");
    BOOST_TEST(logged_not_sent == 10u, log);
}

// Past --max-connections, new clients wait in the listen queue and are served when one closes.
BOOST_AUTO_TEST_CASE(connections_past_the_limit_wait_until_one_closes) {
    running_receiver receiver({.arguments = {"--max-connections", "4"}, .logged = true});
    std::vector<std::unique_ptr<raw_socket>> held;
    for (int i = 0; i < 4; ++i)
        held.push_back(std::make_unique<raw_socket>(receiver.port));
    const std::string limit_reached = R"({"event":"connection limit reached","connections":4})";
    BOOST_TEST_REQUIRE(test_support::eventually(
        [&] { return receiver.process.error_output().find(limit_reached) != std::string::npos; }));
    auto waiting = std::async(std::launch::async,
                              [&] { return http_send(receiver.port, signed_delivery("waited"), 10s); });
    BOOST_TEST((waiting.wait_for(500ms) == std::future_status::timeout), "served past the limit");
    held.pop_back();
    const auto served = waiting.get();
    BOOST_TEST_REQUIRE(!served.error, served.error.message());
    BOOST_TEST(echoed_delivery(served.response) == "waited");
}

// SIGHUP reads the configuration file again (a bad one keeps the old); SIGUSR1 and SIGUSR2 are
// ignored; SIGQUIT stops cleanly; a second stop signal ends the grace period at once, and the
// answer it cuts off is logged as never sent; a `timeout` fault held is logged as at its end.
BOOST_AUTO_TEST_CASE(signals_reload_stop_and_cut_the_grace_short) {
    const auto config_path = test_support::write_temp_file("reloaded-config.json", echo_config);
    running_receiver receiver({.logged = true, .config_path = config_path});
    std::ofstream(config_path) << R"({"rules": [{"name": "slower", "match": {"path": "/slower"},
                                                 "respond": {"status": 200, "delayMs": 8000}},
                                                {"name": "hang", "match": {"path": "/hang"},
                                                 "respond": {"fault": "timeout"}}],
                                      "default": {"status": 202}})";
    receiver.process.signal(SIGHUP);
    auto logged = [&](const std::string& event) {
        return test_support::eventually(
            [&] { return receiver.process.error_output().find(event) != std::string::npos; });
    };
    BOOST_TEST(logged(R"("event":"reloaded")"));
    BOOST_TEST(http_send(receiver.port, signed_delivery("after-reload")).response.result_int() == 202u);
    std::ofstream(config_path) << R"({"default": {"status": "not a status"}})";
    receiver.process.signal(SIGHUP);
    BOOST_TEST(logged(R"("event":"reload","error")"));
    BOOST_TEST(http_send(receiver.port, signed_delivery("after-bad-reload")).response.result_int() == 202u);
    receiver.process.signal(SIGUSR1);
    receiver.process.signal(SIGUSR2);
    BOOST_TEST(http_send(receiver.port, signed_delivery("after-usr")).response.result_int() == 202u);

    raw_socket slow(receiver.port); // its answer is due in 8 s, within the 10 s grace
    slow.write(signed_delivery_bytes("/slower", "in-flight"));
    raw_socket held(receiver.port);
    held.write(signed_delivery_bytes("/hang", "held"));
    // Journaled before their delay or hold starts: once the journal holds both, both are in flight.
    const auto journaled = http_send(
        receiver.port, make_request(http::verb::get, "/_aqhook/requests/wait?count=5&timeoutMs=5000"));
    BOOST_TEST_REQUIRE(journaled.response.result_int() == 200u);
    const auto start = std::chrono::steady_clock::now();
    receiver.process.signal(SIGQUIT);
    BOOST_TEST_REQUIRE(logged(R"({"event":"stopping","signal":"SIGQUIT"})"));
    receiver.process.signal(SIGINT);
    BOOST_TEST(receiver.process.wait() == 0);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 4s), "the second signal did not end the grace");
    const auto log = receiver.process.error_output();
    BOOST_TEST(log.find(R"({"event":"stopping","signal":"SIGQUIT"})") != std::string::npos, log);
    BOOST_TEST(log.find(R"({"event":"stopping now","signal":"SIGINT"})") != std::string::npos, log);
    auto line_ends = [&](const std::string& target, const std::string& ending) {
        const auto line = log.find(R"("target":")" + target + '"');
        return line != std::string::npos && log.substr(line, log.find('\n', line) - line).ends_with(ending);
    };
    BOOST_TEST(line_ends("/slower", R"("notSent":"receiver stopped before the answer"})"), log);
    BOOST_TEST(line_ends("/hang", R"("fault":"timeout"})"), log);
}

BOOST_AUTO_TEST_SUITE_END()
