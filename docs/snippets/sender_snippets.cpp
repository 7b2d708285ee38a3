// The sender side's samples, run against the in-process mock receiver.
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/request_rendering.hpp>
#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/mock_receiver.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>

BOOST_AUTO_TEST_SUITE(sender_snippets)

namespace aq = allquiet::webhook;

BOOST_AUTO_TEST_CASE(delivering) {
    aq::mock_receiver receiver(
        aq::mock_config().secret("dev-secret").otherwise(aq::mock_response().patch(aq::patch().resolve())));
    std::ifstream in(ALLQUIET_SAMPLE_INCIDENT, std::ios::binary);
    const aq::incident incident =
        aq::parse_incident(std::string(std::istreambuf_iterator<char>(in), {})).value();
    const auto request_template =
        aq::handlebars_template::compile(
            R"({"method": "POST", "url": ")" + receiver.url() +
            R"(/hooks/{{id}}", "enableIncidentUpdates": true, "body": {"json": {"title": "{{title}}"}}})")
            .value();
    std::ostringstream log;
    std::optional<aq::incident> updated;
    // [doc:sender_deliver]
    auto request = aq::render_request(request_template, incident).value();
    aq::delivery_options options;
    options.signing_method = aq::signing_method::allquiet; // unsigned when empty
    options.secret = "dev-secret";
    options.timeout = std::chrono::seconds(10);        // resolve + connect + TLS + send + read
    aq::delivery sent = aq::deliver(request, options); // never throws for network trouble

    if (!sent.response)
        log << sent.error_detail; // "no answer within 10000 ms", "connection refused", TLS errors
    else if (sent.succeeded())    // a 2xx answer
        updated =
            aq::apply_delivery(incident, sent).value(); // with enableIncidentUpdates: the answer as a patch
    // [/doc:sender_deliver]
    BOOST_TEST(log.str().empty());
    BOOST_TEST_REQUIRE(updated.has_value());
    BOOST_TEST((updated->current_status() == aq::status::resolved));
    BOOST_TEST(receiver.expect(aq::exactly(1), aq::request_match().verified()));
}

BOOST_AUTO_TEST_SUITE_END()
