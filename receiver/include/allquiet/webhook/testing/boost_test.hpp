// Boost.Test checks on the mock receiver: an expectation as a check that fails with its report,
// and a strict receiver's reporter that fails the running test.
//
//     BOOST_TEST(aq::boost_test::met(receiver.expect(aq::exactly(1), aq::request_match().post())));
//
//     aq::mock_receiver_options options;
//     options.strict = true;
//     options.strict_reporter = aq::boost_test::strict_reporter();
#pragma once

#include <allquiet/webhook/expectations.hpp>

#include <boost/test/test_tools.hpp>

#include <boost/assert/source_location.hpp>

#include <functional>
#include <string>

namespace allquiet::webhook::boost_test {

/// The verdict as Boost.Test's `assertion_result`: `BOOST_TEST` and `BOOST_CHECK` print the report
/// when it is not met.
inline boost::test_tools::assertion_result met(const expectation_result& verdict) {
    boost::test_tools::assertion_result out(static_cast<bool>(verdict));
    if (!verdict) out.message() << "\n" << verdict.report();
    return out;
}

/// A reporter for `mock_receiver_options::strict_reporter`: a `BOOST_ERROR` with the report, naming
/// the line that made the reporter (the failure is raised where the receiver is destroyed).
inline std::function<void(const expectation_result&)>
strict_reporter(boost::source_location where = BOOST_CURRENT_LOCATION) {
    const std::string origin = std::string(where.file_name()) + ":" + std::to_string(where.line());
    return [origin](const expectation_result& verdict) {
        BOOST_ERROR("strict mock_receiver (reporter from " << origin << "):\n" << verdict.report());
    };
}

} // namespace allquiet::webhook::boost_test
