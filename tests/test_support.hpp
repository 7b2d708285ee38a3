// Helpers shared by the test suites.
#pragma once

#include <allquiet/webhook/error.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace test_support {

// Whether this is the sanitizer build, whose programs (the tests and the aqhook they run) hold
// freed memory back on purpose: tests that bound memory skip those bounds there. GCC says so with
// a macro, clang with a feature test.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized_build = true;
#elif defined(__has_feature)
constexpr bool sanitized_build = __has_feature(address_sanitizer);
#else
constexpr bool sanitized_build = false;
#endif

/// The contents of a file under data/.
inline std::string read_data_file(const std::string& name) {
    std::ifstream in(std::string(ALLQUIET_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open data file " << name);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// Polls `condition` until it holds or `limit` has passed; whether it held. For tests that wait
/// for something to happen: `limit` sits far above the time it takes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

} // namespace test_support

/// Asserts that a result failed with this error code at this JSON pointer.
#define CHECK_FAILS_WITH(result_expr, expected_code, expected_pointer)                                       \
    do {                                                                                                     \
        const auto& checked_result_ = (result_expr);                                                         \
        BOOST_TEST_REQUIRE(checked_result_.has_error(), "expected an error");                                \
        BOOST_TEST(checked_result_.error().code == ::allquiet::webhook::make_error_code(expected_code),      \
                   checked_result_.error().message());                                                       \
        BOOST_TEST(checked_result_.error().pointer == (expected_pointer));                                   \
    } while (false)
