#include <allquiet/webhook/signature.hpp>

#include "test_support.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <random>
#include <thread>
#include <vector>
#include <unistd.h>

namespace aq = allquiet::webhook;
namespace http = boost::beast::http;
using aq::error;
using namespace std::chrono;

// ---- allocation counting: OpenSSL's allocator and global operator new -----------------------

namespace {
std::atomic<long> openssl_allocations{0};
std::atomic<long> new_allocations{0};
void* counting_malloc(std::size_t n, const char*, int) {
    ++openssl_allocations;
    return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
    ++openssl_allocations;
    return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) { std::free(p); }
// Must run before OpenSSL allocates anything, so it is a static initializer.
const bool memory_hooks_installed =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;
} // namespace

// GCC takes the replaced global allocation functions for a malloc/delete mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
    ++new_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
// The nothrow forms too: a sanitizer's own would pair with the free() above and report a mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ++new_allocations;
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

BOOST_AUTO_TEST_SUITE(test_signature)

// ---- fixtures -----------------------------------------------------------------------------

namespace {

const std::string kat_secret = "s3cr3t-signing-key";
const std::string kat_timestamp = "2023-12-17T11:51:08.844Z";
const std::string kat_body = R"({"id":"81cd20be","title":"RAM above 60%"})";
const std::string kat_signature = "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bI=";
const aq::time_point kat_time = aq::timestamp::parse(kat_timestamp).value().instant();

aq::verifier make_verifier(std::vector<std::string> secrets, aq::time_point now = kat_time,
                           aq::accepted_methods methods = aq::accepted_methods::any) {
    aq::verifier_options options;
    options.secrets = std::move(secrets);
    options.methods = methods;
    options.clock = [now] { return now; };
    return aq::verifier(std::move(options));
}

using header_map = std::map<std::string, std::string>;

header_map signed_headers(aq::signing_method method, const std::string& secret = kat_secret,
                          const std::string& stamp = kat_timestamp, const std::string& body = kat_body) {
    auto h = aq::sign(method, secret, stamp, body);
    return {{h.signature.name, h.signature.value}, {h.timestamp.name, h.timestamp.value}};
}

} // namespace

BOOST_AUTO_TEST_CASE(known_answer_vector) {
    BOOST_TEST(aq::compute_signature(kat_secret, kat_timestamp, kat_body) == kat_signature);
    const auto h = aq::sign(aq::signing_method::allquiet, kat_secret, kat_timestamp, kat_body);
    BOOST_TEST(h.signature.name == "x-aq-signature");
    BOOST_TEST(h.signature.value == kat_signature);
    BOOST_TEST(h.timestamp.name == "x-aq-timestamp");
    BOOST_TEST(h.timestamp.value == kat_timestamp);
    const auto v =
        make_verifier({kat_secret})
            .check(header_map{{"X-Aq-Signature", kat_signature}, {"X-Aq-Timestamp", kat_timestamp}},
                   kat_body);
    BOOST_TEST(v.valid(), v.error.message());
    BOOST_TEST((*v.method == aq::signing_method::allquiet));
}

BOOST_AUTO_TEST_CASE(both_methods_sign_and_verify) {
    for (auto method : {aq::signing_method::allquiet, aq::signing_method::aws}) {
        const auto headers = signed_headers(method);
        const auto v = make_verifier({kat_secret}).check(headers, kat_body);
        BOOST_TEST(v.valid());
        BOOST_TEST((*v.method == method));
        BOOST_TEST(v.secret_index == 0u);
    }
    const auto aws = aq::sign(aq::signing_method::aws, kat_secret, kat_timestamp, kat_body);
    BOOST_TEST(aws.signature.name == "x-amzn-event-signature");
    BOOST_TEST(aws.timestamp.name == "x-amzn-event-timestamp");
    BOOST_TEST(aws.signature.value == kat_signature); // one algorithm, two header pairs
}

BOOST_AUTO_TEST_CASE(sign_now_stamps_the_service_format) {
    const aq::time_point now = sys_days{2026y / November / 27} + 10h + 1ms;
    const auto h = aq::sign_now(aq::signing_method::aws, "k", "body", now);
    BOOST_TEST(h.timestamp.value == "2026-11-27T10:00:00.001Z");
    BOOST_TEST(
        make_verifier({"k"}, now)
            .check(header_map{{h.signature.name, h.signature.value}, {h.timestamp.name, h.timestamp.value}},
                   "body")
            .valid());
}

BOOST_AUTO_TEST_CASE(header_names_match_in_any_case) {
    const auto verifier = make_verifier({kat_secret});
    for (auto [sig, ts] :
         {std::pair{"x-aq-signature", "x-aq-timestamp"}, std::pair{"X-AQ-SIGNATURE", "X-AQ-TIMESTAMP"},
          std::pair{"X-Aq-Signature", "x-AQ-tImEsTaMp"}}) {
        BOOST_TEST(verifier.check(header_map{{sig, kat_signature}, {ts, kat_timestamp}}, kat_body).valid());
    }
    BOOST_TEST(
        verifier
            .check(
                std::vector<std::pair<std::string, std::string>>{{"X-AMZN-Event-Signature", kat_signature},
                                                                 {"X-Amzn-Event-Timestamp", kat_timestamp}},
                kat_body)
            .valid());
}

BOOST_AUTO_TEST_CASE(every_kind_of_header_lookup) {
    const auto verifier = make_verifier({kat_secret});
    std::vector<aq::header_field> fields{{"X-Aq-Signature", kat_signature},
                                         {"X-Aq-Timestamp", kat_timestamp}};
    BOOST_TEST(verifier.check(fields, kat_body).valid());

    const header_map lower{{"x-aq-signature", kat_signature}, {"x-aq-timestamp", kat_timestamp}};
    auto optional_lookup = [&](std::string_view name) -> std::optional<std::string_view> {
        auto it = lower.find(std::string(name));
        return it == lower.end() ? std::nullopt : std::optional<std::string_view>(it->second);
    };
    BOOST_TEST(verifier.check(optional_lookup, kat_body).valid());
    auto pointer_lookup = [&](std::string_view name) -> const std::string* {
        auto it = lower.find(std::string(name));
        return it == lower.end() ? nullptr : &it->second;
    };
    BOOST_TEST(verifier.check(pointer_lookup, kat_body).valid());

    http::request<http::string_body> request{http::verb::post, "/hooks/aq", 11};
    request.set("X-AQ-Signature", kat_signature);
    request.set("x-aq-timestamp", kat_timestamp);
    request.body() = kat_body;
    BOOST_TEST(verifier.check(request).valid());
    BOOST_TEST(verifier.check(request.base(), kat_body).valid());
    request.body() += " ";
    BOOST_TEST(verifier.check(request).error == error::signature_mismatch);

    // Among other fields, and with a header repeated, the first of its name counts (as Beast's
    // own lookup would have it).
    http::request<http::string_body> busy{http::verb::post, "/hooks/aq", 11};
    busy.set(http::field::host, "receiver");
    busy.set(http::field::content_type, "application/json");
    busy.insert("x-aq-signaturE", kat_signature);
    busy.insert("X-Aq-Timestamp", kat_timestamp);
    busy.insert("X-Aq-Signature", "bm90IHRoZSBzaWduYXR1cmUgYXQgYWxsLCAzMiBieXQ=");
    busy.body() = kat_body;
    BOOST_TEST(verifier.check(busy).valid());
    busy.erase("x-aq-signature");
    BOOST_TEST(verifier.check(busy).error == error::missing_signature);
}

BOOST_AUTO_TEST_CASE(rotation_tries_each_secret_in_order) {
    const auto verifier = make_verifier({"old-secret", kat_secret, "newer"});
    const auto v = verifier.check(signed_headers(aq::signing_method::allquiet), kat_body);
    BOOST_TEST(v.valid());
    BOOST_TEST(v.secret_index == 1u);
    BOOST_TEST(verifier.check(signed_headers(aq::signing_method::aws, "newer"), kat_body).secret_index == 2u);
}

BOOST_AUTO_TEST_CASE(each_reason_for_refusal) {
    const auto verifier = make_verifier({kat_secret});
    auto reason = [&](const header_map& h, const std::string& body = kat_body) {
        return verifier.check(h, body);
    };

    const auto unsigned_request = reason({{"content-type", "application/json"}});
    BOOST_TEST(unsigned_request.error == error::unsigned_request);
    BOOST_TEST(!unsigned_request.method.has_value());

    const auto no_sig = reason({{"x-aq-timestamp", kat_timestamp}});
    BOOST_TEST(no_sig.error == error::missing_signature);
    BOOST_TEST((*no_sig.method == aq::signing_method::allquiet));
    BOOST_TEST(reason({{"x-amzn-event-signature", kat_signature}}).error == error::missing_timestamp);
    BOOST_TEST(reason({{"x-aq-signature", kat_signature}, {"x-aq-timestamp", "17 Dec 2023"}}).error ==
               error::malformed_timestamp);
    BOOST_TEST(reason({{"x-aq-signature", kat_signature}, {"x-aq-timestamp", ""}}).error ==
               error::malformed_timestamp);

    for (const char* bad :
         {"", "sha256=eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bI=",
          "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bI",
          "eyatl7yXBXABV-cR8eIfXJ4gOryNuWpS54lnjpE30bI=", "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bJ=",
          "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30b==", "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bI=="}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(reason({{"x-aq-signature", bad}, {"x-aq-timestamp", kat_timestamp}}).error ==
                       error::malformed_signature);
        }
    }
    const auto wrong_secret = signed_headers(aq::signing_method::allquiet, "not-the-secret");
    BOOST_TEST(reason(wrong_secret).error == error::signature_mismatch);

    BOOST_TEST(make_verifier({}).check(signed_headers(aq::signing_method::aws), kat_body).error ==
               error::no_secret);
    BOOST_TEST(make_verifier({kat_secret}, kat_time, aq::accepted_methods::aws)
                   .check(signed_headers(aq::signing_method::allquiet), kat_body)
                   .error == error::method_not_accepted);
    BOOST_TEST(make_verifier({kat_secret}, kat_time, aq::accepted_methods::allquiet)
                   .check(signed_headers(aq::signing_method::aws), kat_body)
                   .error == error::method_not_accepted);
}

BOOST_AUTO_TEST_CASE(a_body_changed_by_one_byte_is_refused) {
    const auto verifier = make_verifier({kat_secret});
    const auto headers = signed_headers(aq::signing_method::allquiet);
    for (std::size_t i = 0; i < kat_body.size(); ++i) {
        std::string tampered = kat_body;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        BOOST_TEST(verifier.check(headers, tampered).error == error::signature_mismatch);
    }
    BOOST_TEST(verifier.check(headers, kat_body + " ").error == error::signature_mismatch);
    BOOST_TEST(verifier.check(headers, kat_body.substr(1)).error == error::signature_mismatch);
    // The timestamp is signed too.
    auto moved = headers;
    moved["x-aq-timestamp"] = "2023-12-17T11:51:08.845Z";
    BOOST_TEST(verifier.check(moved, kat_body).error == error::signature_mismatch);
}

BOOST_AUTO_TEST_CASE(timestamp_bounds_one_second_inside_and_outside) {
    const auto headers = signed_headers(aq::signing_method::allquiet);
    auto at = [&](aq::time_point now, aq::timestamp_tolerance tolerance) {
        aq::verifier_options options;
        options.secrets = {kat_secret};
        options.tolerance = tolerance;
        options.clock = [now] { return now; };
        return aq::verifier(options).check(headers, kat_body).error;
    };
    const aq::timestamp_tolerance t{seconds(300), seconds(60), true};
    BOOST_TEST(!at(kat_time + 299s, t));
    BOOST_TEST(!at(kat_time + 300s, t));
    BOOST_TEST(at(kat_time + 301s, t) == error::timestamp_too_old);
    BOOST_TEST(!at(kat_time - 59s, t));
    BOOST_TEST(!at(kat_time - 60s, t));
    BOOST_TEST(at(kat_time - 61s, t) == error::timestamp_in_future);
    BOOST_TEST(!at(kat_time, aq::timestamp_tolerance{}));
    BOOST_TEST(at(kat_time + 301s, aq::timestamp_tolerance{}) == error::timestamp_too_old);
    BOOST_TEST(at(kat_time - 301s, aq::timestamp_tolerance::symmetric(300s)) == error::timestamp_in_future);
    // Replaying old deliveries: no check at all.
    BOOST_TEST(!at(kat_time + hours(24 * 365), aq::timestamp_tolerance::none()));
}

// Found by fuzz_signature: dates centuries from the clock overflowed the difference.
BOOST_AUTO_TEST_CASE(timestamps_centuries_away_are_refused_without_overflow) {
    for (const char* far : {"1678-01-01T00:00:00.000Z", "1727-01-01T00:00:00.000Z"}) {
        const auto h = aq::sign(aq::signing_method::allquiet, kat_secret, far, kat_body);
        BOOST_TEST(make_verifier({kat_secret}, kat_time + hours(24 * 365 * 230))
                       .check(header_map{{h.signature.name, h.signature.value},
                                         {h.timestamp.name, h.timestamp.value}},
                              kat_body)
                       .error == error::timestamp_too_old);
    }
    const auto h = aq::sign(aq::signing_method::aws, kat_secret, "2261-12-31T23:59:59.999Z", kat_body);
    BOOST_TEST(
        make_verifier({kat_secret}, aq::timestamp::parse("1678-01-01T00:00:00Z").value().instant())
            .check(header_map{{h.signature.name, h.signature.value}, {h.timestamp.name, h.timestamp.value}},
                   kat_body)
            .error == error::timestamp_in_future);
}

BOOST_AUTO_TEST_CASE(no_tolerance_accepts_any_timestamp_text_that_was_signed) {
    aq::verifier_options options;
    options.secrets = {"k"};
    options.tolerance = aq::timestamp_tolerance::none();
    const auto h = aq::sign(aq::signing_method::aws, "k", "not a date", "b");
    BOOST_TEST(
        aq::verifier(options)
            .check(header_map{{h.signature.name, h.signature.value}, {h.timestamp.name, h.timestamp.value}},
                   "b")
            .valid());
}

BOOST_AUTO_TEST_CASE(verify_throws_with_the_reason_and_never_the_secret) {
    const auto verifier = make_verifier({kat_secret});
    BOOST_TEST((*verifier.verify(signed_headers(aq::signing_method::aws), kat_body).method ==
                aq::signing_method::aws));
    try {
        (void)verifier.verify(signed_headers(aq::signing_method::aws, "other"), kat_body);
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == error::signature_mismatch);
        BOOST_TEST(std::string(e.what()).find(kat_secret) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(matches_the_openssl_command_line_on_random_input) {
    std::mt19937_64 random(20261127);
    char dir_template[] = "/tmp/aqhook-sig-XXXXXX";
    BOOST_TEST_REQUIRE(mkdtemp(dir_template) != nullptr);
    const std::string message_file = std::string(dir_template) + "/message";
    for (int round = 0; round < 40; ++round) {
        std::string secret(1 + random() % 64, '\0'), body(random() % 5000, '\0');
        for (auto& c : secret)
            c = static_cast<char>(random());
        for (auto& c : body)
            c = static_cast<char>(random());
        const std::string stamp =
            aq::timestamp(aq::time_point(nanoseconds(random() % 4'000'000'000'000'000'000))).text();
        std::ofstream(message_file, std::ios::binary) << stamp << ":" << body;

        std::string hex_key;
        for (unsigned char c : secret) {
            char two[3];
            std::snprintf(two, sizeof two, "%02x", c);
            hex_key += two;
        }
        const std::string command = "openssl dgst -sha256 -mac HMAC -macopt hexkey:" + hex_key + " -binary " +
                                    message_file + " | openssl base64 -A";
        FILE* pipe = popen(command.c_str(), "r");
        BOOST_TEST_REQUIRE(pipe != nullptr);
        char output[128] = {};
        const std::size_t n = std::fread(output, 1, sizeof output - 1, pipe);
        BOOST_TEST_REQUIRE(pclose(pipe) == 0);
        BOOST_TEST_CONTEXT("round " << round) {
            BOOST_TEST(std::string(output, n) == aq::compute_signature(secret, stamp, body));
        }
    }
    std::remove(message_file.c_str());
    rmdir(dir_template);
}

BOOST_AUTO_TEST_CASE(allocations_do_not_grow_with_the_body) {
    BOOST_TEST_REQUIRE(memory_hooks_installed);
    const auto verifier = make_verifier({kat_secret});
    auto count = [&](const std::string& body) {
        const auto headers = signed_headers(aq::signing_method::allquiet, kat_secret, kat_timestamp, body);
        (void)verifier.check(headers, body); // warm up lazily initialised OpenSSL state
        const long openssl_before = openssl_allocations, new_before = new_allocations;
        const auto v = verifier.check(headers, body);
        BOOST_TEST(v.valid());
        return std::pair{openssl_allocations - openssl_before, new_allocations - new_before};
    };
    const auto small = count(std::string(64, 'x'));
    const auto large = count(std::string(1 << 20, 'y'));
    BOOST_TEST(small.second == 0); // the verifier itself never allocates
    BOOST_TEST(large.second == 0);
    BOOST_TEST(small.first == large.first); // OpenSSL's context copy: fixed, whatever the body
    BOOST_TEST_MESSAGE("OpenSSL allocations per verification: " << small.first);
}

BOOST_AUTO_TEST_CASE(one_verifier_serves_more_threads_than_its_pool_keeps_contexts) {
    const auto verifier = make_verifier({kat_secret});
    std::atomic<int> accepted{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const std::string body =
                    "{\"thread\":" + std::to_string(t) + ",\"delivery\":" + std::to_string(i) + "}";
                auto headers = signed_headers(aq::signing_method::allquiet, kat_secret, kat_timestamp, body);
                if (verifier.check(headers, body).valid()) ++accepted;
                headers["x-aq-signature"] = signed_headers(aq::signing_method::allquiet, kat_secret,
                                                           kat_timestamp, body + " ")["x-aq-signature"];
                if (!verifier.check(headers, body).valid()) ++refused;
            }
        });
    for (auto& thread : threads)
        thread.join();
    BOOST_TEST(accepted == 12 * 200);
    BOOST_TEST(refused == 12 * 200);
}

BOOST_AUTO_TEST_SUITE_END()
