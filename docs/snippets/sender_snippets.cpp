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

BOOST_AUTO_TEST_CASE(sending_without_waiting) {
    aq::mock_receiver receiver;
    const std::vector<std::string> urls{receiver.url() + "/hooks/a", receiver.url() + "/hooks/b"};
    aq::request_description description;
    description.method = "POST";
    description.body.kind = aq::body_kind::json;
    description.body.json = boost::json::object{{"title", "Disk full"}};
    aq::delivery_options options;
    std::ostringstream log;
    // [doc:sender_async]
    boost::asio::io_context io; // or the executor the program runs already
    for (const std::string& url : urls) {
        description.url = url;
        aq::http_request request = aq::build_http_request(description).value(); // unsigned, as built
        aq::async_send_request(
            io.get_executor(), std::move(request), options, [&log, url](aq::delivery sent) {
                log << url << ": "
                    << (sent.response ? std::to_string(sent.response->status) : sent.error_detail) << '\n';
            });
    }
    io.run(); // both exchanges at once, on this one thread
    // [/doc:sender_async]
    BOOST_TEST(log.str().find("/hooks/a: 200\n") != std::string::npos, log.str());
    BOOST_TEST(log.str().find("/hooks/b: 200\n") != std::string::npos, log.str());
}

BOOST_AUTO_TEST_SUITE_END()
