// The test programs' entry point. Each tests/test_*.cpp is one suite of a test program (test_sdk,
// test_receiver), and each suite is one meson test, run with --run_test=SUITE.
#define BOOST_TEST_MODULE allquiet_webhook
#include <boost/test/unit_test.hpp>
