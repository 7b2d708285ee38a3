// Helpers shared by the test suites.
#pragma once

#include <allquiet/webhook/error.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace test_support {

/// The contents of a file under data/.
inline std::string read_data_file(const std::string& name) {
    std::ifstream in(std::string(ALLQUIET_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open data file " << name);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
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
