// The GoogleTest helpers of the mock receiver, in a GoogleTest program of their own.
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/testing/gtest.hpp>

#include <gtest/gtest-spi.h>

#include <chrono>

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

namespace {

// EXPECT_NONFATAL_FAILURE runs its statement where local variables cannot be named.
void expect_a_post_that_never_came() {
    aq::mock_receiver receiver;
    EXPECT_TRUE(aq::gtest::met(receiver.expect(aq::at_least(1), aq::request_match().post(), 0ms)));
}

void destroy_a_strict_receiver_with_an_unused_rule() {
    aq::mock_receiver_options options;
    options.strict = true;
    options.strict_reporter = aq::gtest::strict_reporter();
    aq::mock_receiver receiver(R"({"rules": [{"name": "unused", "match": {"path": "/x"}, "respond": {"status": 200}}]})", options);
}

} // namespace

TEST(GtestHelpers, AnUnmetExpectationFailsWithItsReport) {
    EXPECT_NONFATAL_FAILURE(expect_a_post_that_never_came(),
                            "expected at least 1: POST\nnothing was received after waiting 0 ms\n");
}

TEST(GtestHelpers, AMetExpectationPasses) {
    aq::mock_receiver receiver;
    EXPECT_TRUE(aq::gtest::met(receiver.expect(aq::never(), aq::request_match(), 0ms)));
}

TEST(GtestHelpers, AStrictReceiverReportsThroughAddFailure) {
    EXPECT_NONFATAL_FAILURE(destroy_a_strict_receiver_with_an_unused_rule(),
                            "strict mock_receiver:\nrules that matched no delivery since the configuration "
                            "was loaded:\n  \"unused\"\n");
}
