// The mock receiver in a GoogleTest suite: a sender (`send_summary`, standing in for the code under
// test) is checked against rules written in C++, with expectations that print the nearest
// deliveries when they fail, and a strict receiver that fails the test on anything unmatched.
//
//     build/examples/mock_receiver_gtest      (or: meson test -C build mock_receiver_gtest_example)
#include "summary_sender.hpp"

#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/testing/gtest.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

class MockReceiverTest : public ::testing::Test {
  protected:
    static aq::mock_receiver_options strict() {
        aq::mock_receiver_options options;
        options.strict = true; // a delivery no rule matched, or a rule never used, fails the test
        options.strict_reporter = aq::gtest::strict_reporter();
        return options;
    }

    aq::mock_receiver receiver{
        aq::mock_config()
            .secret("test-secret")
            .rule(aq::mock_rule("disk alerts resolve")
                      .when(aq::request_match().post().path("/hooks/*").json("/title", "Disk full"))
                      .respond(aq::mock_response().patch(aq::patch().resolve())))
            .rule(aq::mock_rule("others fail, then succeed")
                      .when(aq::request_match().post().path("/hooks/*"))
                      .respond(aq::mock_response(503))
                      .respond(aq::mock_response(202))),
        strict()};
};

TEST_F(MockReceiverTest, DiskAlertsAreResolvedAndOthersRetried) {
    const auto url = receiver.url() + "/hooks/aq";
    const aq::delivery disk = send_summary(url, "Disk full", "test-secret");
    ASSERT_TRUE(disk.succeeded()) << disk.error_detail;
    EXPECT_TRUE(disk.patch->has_value());

    EXPECT_EQ(send_summary(url, "CPU high", "test-secret").response->status, 503u);
    EXPECT_EQ(send_summary(url, "CPU high", "test-secret").response->status, 202u); // the sequence goes on

    const auto cpu_high = aq::request_match().verified().json("/title", "CPU high");
    EXPECT_TRUE(aq::gtest::met(receiver.expect(aq::exactly(2), cpu_high)));
    const auto badly_signed = aq::request_match().verification(aq::verification_status::invalid);
    EXPECT_TRUE(aq::gtest::met(receiver.expect(aq::never(), badly_signed)));
}
