// The mock receiver's samples: its configuration built in C++.
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/patch.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(receiver_snippets)

namespace aq = allquiet::webhook;

/// The configuration of docs/receiver.md, as its JSON document there says it (test_mock_rules
/// checks that the two agree).
aq::mock_config configuration_example() {
    // [doc:mock_config_builder]
    auto config = aq::mock_config()
        .secret("dev-secret")
        .signing_methods(aq::accepted_methods::any)
        .tolerance(std::chrono::seconds(300))
        .policy(aq::verification_policy::enforce)
        .rule(aq::mock_rule("resolve critical")
                  .when(aq::request_match()
                            .post()
                            .path("/hooks/*")
                            .header("X-Team", "storage")
                            .json("/events/0/severity", "Critical")
                            .verified())
                  .respond(aq::mock_response(200)
                               .header("X-Handled-By", "aqhook")
                               .patch(aq::patch().resolve())
                               .delay(std::chrono::milliseconds(0))))
        .rule(aq::mock_rule("flaky")
                  .when(aq::request_match().path("/flaky"))
                  .respond(aq::mock_response(500))
                  .respond(aq::mock_response(200)))
        .otherwise(aq::mock_response(200));
    aq::mock_receiver receiver(config); // or later: receiver.set_config(config)
    // [/doc:mock_config_builder]
    BOOST_TEST(!receiver.set_config(config));
    return config;
}

BOOST_AUTO_TEST_CASE(the_builder_example_starts_a_receiver) {
    const auto config = configuration_example();
    BOOST_TEST(config.rules().size() == 2u);
    BOOST_TEST(config.rules()[1].responses().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
