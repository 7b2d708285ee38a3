// GoogleTest checks on the mock receiver: an expectation as an `AssertionResult` that fails with
// its report, and a strict receiver's reporter that adds a failure to the running test.
//
//     EXPECT_TRUE(aq::gtest::met(receiver.expect(aq::exactly(1), aq::request_match().post())));
//
//     aq::mock_receiver_options options;
//     options.strict = true;
//     options.strict_reporter = aq::gtest::strict_reporter();
#pragma once

#include <allquiet/webhook/expectations.hpp>

#include <gtest/gtest.h>

#include <boost/assert/source_location.hpp>

#include <functional>
#include <string>

namespace allquiet::webhook::gtest {

/// The verdict as GoogleTest's `AssertionResult`: `EXPECT_TRUE` and `ASSERT_TRUE` print the report
/// when it is not met.
inline ::testing::AssertionResult met(const expectation_result& verdict) {
    if (verdict) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\n" << verdict.report();
}

/// A reporter for `mock_receiver_options::strict_reporter`: an `ADD_FAILURE` with the report, at
/// the line that made the reporter (the failure is raised where the receiver is destroyed).
inline std::function<void(const expectation_result&)>
strict_reporter(boost::source_location where = BOOST_CURRENT_LOCATION) {
    const std::string file = where.file_name();
    const int line = static_cast<int>(where.line());
    return [file, line](const expectation_result& verdict) {
        ADD_FAILURE_AT(file.c_str(), line) << "strict mock_receiver:\n" << verdict.report();
    };
}

} // namespace allquiet::webhook::gtest
