// Sending deliveries: against the mock receiver over http, and against a TLS server with a
// certificate the test makes.
#include <allquiet/webhook/delivery.hpp>

#include "process.hpp"
#include "streaming_server.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <future>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_delivery)

namespace aq = allquiet::webhook;
namespace json = boost::json;
namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {

const aq::incident sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();

aq::request_description request_to(const std::string& url, bool updates = true) {
    aq::request_description d;
    d.method = "POST";
    d.url = url;
    d.body.kind = aq::body_kind::json;
    d.body.json = json::object{{"id", *sample.id}, {"title", *sample.title}};
    d.enable_incident_updates = updates;
    return d;
}

const char* resolve_config = R"({"secrets": ["dev-secret"], "rules": [
    {"name": "resolve", "match": {"path": "/resolve"}, "respond": {"patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}},
    {"name": "ticket", "match": {"path": "/ticket"}, "respond": {"patch": {"operations": {"addAttributes": {"attributes": [{"name": "Ticket", "value": "OPS-1"}]}}}}},
    {"name": "hang", "match": {"path": "/hang"}, "respond": {"fault": "timeout"}},
    {"name": "reset", "match": {"path": "/reset"}, "respond": {"fault": "reset"}},
    {"name": "junk", "match": {"path": "/junk"}, "respond": {"body": "this is no patch"}},
    {"name": "fail", "match": {"path": "/fail"}, "respond": {"status": 503}},
    {"name": "no content", "match": {"path": "/no-content"}, "respond": {"status": 204}},
    {"name": "empty object", "match": {"path": "/empty-object"}, "respond": {"body": "{}"}}]})";

aq::delivery_options signed_with(const std::string& secret) {
    aq::delivery_options options;
    options.signing_method = aq::signing_method::allquiet;
    options.secret = secret;
    return options;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_signed_delivery_is_answered_with_a_patch_that_applies) {
    aq::mock_receiver receiver(resolve_config);
    const auto sent = aq::deliver(request_to(receiver.url() + "/resolve"), signed_with("dev-secret"));
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST(sent.response->status == 200u);
    BOOST_TEST(*sent.request.header("x-aq-signature") != "");
    BOOST_TEST(sent.duration.count() > 0);
    BOOST_TEST_REQUIRE(sent.patch.has_value());
    const auto after = aq::apply_delivery(sample, sent,
                                          [] {
                                              aq::apply_options o;
                                              o.enforce_allowed_intents = false;
                                              return o;
                                          }())
                           .value();
    BOOST_TEST((*after.current_status() == aq::status::resolved));

    const auto entry = receiver.journal().at(0);
    BOOST_TEST(entry.verification.status() == aq::verification_status::valid);
    BOOST_TEST(entry.body == sent.request.body); // the bytes signed are the bytes sent
    BOOST_TEST(*entry.header("Content-Type") == "application/json; charset=utf-8");

    const auto ticket = aq::deliver(request_to(receiver.url() + "/ticket"), signed_with("dev-secret"));
    BOOST_TEST(*aq::apply_delivery(sample, ticket).value().find_attribute("Ticket")->value == "OPS-1");
}

BOOST_AUTO_TEST_CASE(failures_are_reported_not_thrown) {
    aq::mock_receiver receiver(resolve_config);
    const auto refused = aq::deliver(request_to(receiver.url() + "/resolve"), signed_with("wrong"));
    BOOST_TEST(!refused.succeeded());
    BOOST_TEST(refused.response->status == 401u);
    BOOST_TEST(!refused.patch.has_value());
    CHECK_FAILS_WITH(aq::apply_delivery(sample, refused), aq::error::no_success_answer, "");
    BOOST_TEST(aq::apply_delivery(sample, refused).error().message() ==
               "no 2xx answer (nothing to read a patch from)");

    auto quick = signed_with("dev-secret");
    quick.timeout = 300ms;
    const auto hang = aq::deliver(request_to(receiver.url() + "/hang"), quick);
    BOOST_TEST(!hang.succeeded());
    BOOST_TEST((hang.error == boost::beast::error::timeout));
    BOOST_TEST(hang.error_detail == "no answer within 300 ms");
    BOOST_TEST(hang.incident_updates);
    CHECK_FAILS_WITH(aq::apply_delivery(sample, hang), aq::error::no_success_answer, "");
    BOOST_TEST(hang.duration < 2s);

    const auto reset = aq::deliver(request_to(receiver.url() + "/reset"), signed_with("dev-secret"));
    BOOST_TEST(reset.error.failed());
    BOOST_TEST(!reset.response.has_value());

    const auto junk = aq::deliver(request_to(receiver.url() + "/junk"), signed_with("dev-secret"));
    BOOST_TEST(junk.succeeded());
    BOOST_TEST_REQUIRE(junk.patch.has_value());
    BOOST_TEST(junk.patch->has_error());
    const auto untouched = aq::apply_delivery(sample, junk);
    BOOST_TEST(untouched.error().code == aq::error::syntax);

    BOOST_TEST(
        aq::deliver(request_to(receiver.url() + "/fail"), signed_with("dev-secret")).response->status ==
        503u);
    const auto no_updates =
        aq::deliver(request_to(receiver.url() + "/resolve", false), signed_with("dev-secret"));
    BOOST_TEST(!no_updates.patch.has_value());
    CHECK_FAILS_WITH(aq::apply_delivery(sample, no_updates), aq::error::updates_not_enabled, "");
    BOOST_TEST(aq::apply_delivery(sample, no_updates).error().detail ==
               "the template does not set enableIncidentUpdates");

    const auto closed_port = [] {
        aq::mock_receiver gone;
        return gone.port();
    }();
    const auto nobody = aq::deliver(request_to("http://127.0.0.1:" + std::to_string(closed_port) + "/"));
    BOOST_TEST((nobody.error == boost::asio::error::connection_refused));
    BOOST_TEST(nobody.error_detail == "connection refused");

    auto bad = request_to("http://127.0.0.1/");
    bad.method = "BREW";
    BOOST_TEST(aq::deliver(bad).error == aq::error::invalid_method);
}

BOOST_AUTO_TEST_CASE(an_answer_without_a_body_changes_nothing_and_an_empty_object_is_no_patch) {
    aq::mock_receiver receiver(resolve_config);
    const auto no_content =
        aq::deliver(request_to(receiver.url() + "/no-content"), signed_with("dev-secret"));
    BOOST_TEST(no_content.succeeded());
    BOOST_TEST(!no_content.patch.has_value());
    BOOST_TEST(json::serialize(aq::to_json(aq::apply_delivery(sample, no_content).value())) ==
               json::serialize(aq::to_json(sample)));
    const auto empty_object =
        aq::deliver(request_to(receiver.url() + "/empty-object"), signed_with("dev-secret"));
    BOOST_TEST_REQUIRE(empty_object.patch.has_value());
    BOOST_TEST(aq::apply_delivery(sample, empty_object).error().message() ==
               "/operations: required member missing");
}

BOOST_AUTO_TEST_CASE(the_timeout_holds_while_the_name_resolves) {
    // A resolver that never answers, as getaddrinfo waiting out an unreachable DNS server.
    auto released = std::make_shared<std::promise<void>>();
    std::shared_future<void> release = released->get_future().share();
    auto options = signed_with("dev-secret");
    options.timeout = 300ms;
    options.resolve = [release](const std::string&, std::uint16_t) {
        release.wait_for(60s);
        return std::vector<net::ip::tcp::endpoint>{};
    };
    const auto sent = aq::deliver(request_to("http://dns-never-answers.example:8080/x"), options);
    released->set_value();
    BOOST_TEST((sent.error == boost::beast::error::timeout));
    BOOST_TEST(sent.error_detail == "no answer within 300 ms");
    BOOST_TEST(sent.duration < 10s); // 300 ms when correct; the resolver would hold it 60 s

    options.resolve = [](const std::string&, std::uint16_t) -> std::vector<net::ip::tcp::endpoint> {
        throw boost::system::system_error(net::error::host_not_found);
    };
    const auto unknown = aq::deliver(request_to("http://no-such-host.example/x"), options);
    BOOST_TEST((unknown.error == net::error::host_not_found));
    BOOST_TEST(unknown.error_detail.find("the host name has no address") == 0u, unknown.error_detail);
}

BOOST_AUTO_TEST_CASE(a_resolver_can_pin_a_name_to_an_address) {
    aq::mock_receiver receiver(resolve_config);
    auto options = signed_with("dev-secret");
    std::string asked;
    options.resolve = [&asked](const std::string& host, std::uint16_t port) {
        asked = host;
        return std::vector<net::ip::tcp::endpoint>{{net::ip::make_address("127.0.0.1"), port}};
    };
    const auto sent = aq::deliver(
        request_to("http://receiver.test:" + std::to_string(receiver.port()) + "/resolve"), options);
    BOOST_TEST(sent.succeeded(), sent.error_detail);
    BOOST_TEST(asked == "receiver.test");
    BOOST_TEST(*receiver.journal().back().header("Host") ==
               "receiver.test:" + std::to_string(receiver.port()));
}

BOOST_AUTO_TEST_CASE(https_with_a_certificate_the_test_makes) {
    char dir_template[] = "/tmp/aqhook-tls-XXXXXX";
    BOOST_TEST_REQUIRE(mkdtemp(dir_template) != nullptr);
    const std::string dir = dir_template, key = dir + "/key.pem", cert = dir + "/cert.pem";
    const auto made = test_support::run_process(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    BOOST_TEST_REQUIRE(made.exit_code == 0, made.err);

    // A one-connection-at-a-time TLS server answering every request with a resolve patch.
    net::io_context io;
    net::ssl::context context(net::ssl::context::tls_server);
    context.use_certificate_chain_file(cert);
    context.use_private_key_file(key, net::ssl::context::pem);
    net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    std::thread server([&] {
        for (int served = 0; served < 3; ++served) {
            boost::system::error_code ec;
            net::ssl::stream<net::ip::tcp::socket> tls(acceptor.accept(), context);
            tls.handshake(net::ssl::stream_base::server, ec);
            if (ec) continue; // a client that refused our certificate
            boost::beast::flat_buffer buffer;
            http::request<http::string_body> request;
            http::read(tls, buffer, request, ec);
            http::response<http::string_body> response{http::status::ok, 11};
            response.body() = R"({"operations":{"appendIntent":{"intent":"Resolved"}}})";
            response.prepare_payload();
            http::write(tls, response, ec);
            tls.shutdown(ec);
        }
    });

    const auto url = "https://localhost:" + std::to_string(port) + "/hook";
    auto trusted = signed_with("s");
    trusted.ca_file = cert;
    const auto ok = aq::deliver(request_to(url), trusted);
    BOOST_TEST(ok.succeeded(), ok.error_detail);
    BOOST_TEST(ok.patch.has_value());

    const auto untrusted = aq::deliver(request_to(url), signed_with("s"));
    BOOST_TEST(!untrusted.succeeded());
    BOOST_TEST(untrusted.error_detail.find("certificate verify failed") != std::string::npos,
               untrusted.error_detail);

    auto insecure = signed_with("s");
    insecure.verify_certificates = false;
    BOOST_TEST(aq::deliver(request_to(url), insecure).succeeded());
    server.join();
    test_support::run_process({"/bin/rm", "-rf", dir});
}

// RFC 9110 §15.2: a client reads past interim answers to the final one.
BOOST_AUTO_TEST_CASE(interim_answers_are_skipped_for_the_final_one) {
    net::io_context io;
    net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    std::thread server([&] {
        auto socket = acceptor.accept();
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(socket, buffer, request);
        net::write(socket,
                   net::buffer(std::string_view(
                       "HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 53\r\n\r\n"
                       R"({"operations":{"appendIntent":{"intent":"Resolved"}}})")));
    });
    const auto sent = aq::deliver(request_to("http://127.0.0.1:" + std::to_string(port) + "/hook"));
    server.join();
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST(sent.response->status == 200u);
    BOOST_TEST_REQUIRE(sent.patch.has_value());
    BOOST_TEST(sent.patch->has_value());
}

// RFC 9110 §9.3.2: the answer to HEAD has the Content-Length of the GET's body and no body. A
// client that reads that body waits until its deadline and reports no answer at all.
BOOST_AUTO_TEST_CASE(the_answer_to_head_has_no_body_whatever_its_length) {
    aq::mock_receiver receiver(resolve_config);
    auto head = request_to(receiver.url() + "/junk", false);
    head.method = "HEAD";
    head.body = {};
    auto options = signed_with("dev-secret");
    options.timeout = 5s;
    const auto sent = aq::deliver(head, options);
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST(sent.response->status == 200u);
    BOOST_TEST(sent.response->body.empty());
    BOOST_TEST(sent.duration < 4s);
    BOOST_TEST(receiver.journal().at(0).method == "HEAD");
}

// Every read completes at once against such a server, so a timeout checked read by read never
// fires: the deadline needs a timer of its own.
BOOST_AUTO_TEST_CASE(endless_interim_answers_end_at_the_deadline) {
    test_support::streaming_server server("", test_support::repeated("HTTP/1.1 100 Continue\r\n\r\n", 1000));
    aq::delivery_options options;
    options.timeout = 500ms;
    options.max_response_head = std::size_t(1) << 31; // so that the deadline alone ends it
    const auto sent = aq::deliver(request_to(server.url("/hook")), options);
    BOOST_TEST((sent.error == boost::beast::error::timeout), sent.error_detail);
    BOOST_TEST(sent.error_detail == "no answer within 500 ms");
    BOOST_TEST(sent.duration < 10s);
}

BOOST_AUTO_TEST_CASE(interim_answers_count_against_the_head_limit) {
    test_support::streaming_server server("", test_support::repeated("HTTP/1.1 100 Continue\r\n\r\n", 1000));
    const auto sent = aq::deliver(request_to(server.url("/hook")));
    BOOST_TEST((sent.error == http::error::header_limit), sent.error_detail);
    BOOST_TEST(sent.error_detail == "answer head larger than 65536 bytes (interim answers included)");
    BOOST_TEST(sent.duration < 10s);
}

// Beast's parser reads a chunk line (size and extensions) and the trailers whole, without a
// limit of its own: the read buffer's bound ends each. The bytes sent before the client gave up
// are the limit and what the loopback socket buffers hold; without a bound, the server's 256 MiB.
BOOST_AUTO_TEST_CASE(every_part_of_an_endless_answer_is_bounded) {
    const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string overflow = "answer chunk line or trailers larger than 65536 bytes";
    struct endless_answer {
        std::string name, head, block;
        boost::system::error_code error;
        std::string detail;
    };
    const endless_answer answers[] = {
        {"chunk extension", chunked + "1;e=", std::string(65536, 'a'), http::error::buffer_overflow,
         overflow},
        {"trailer line", chunked + "0\r\nx-trailer: ", std::string(65536, 'a'), http::error::buffer_overflow,
         overflow},
        {"chunk-size zeros", chunked, std::string(65536, '0'), http::error::buffer_overflow, overflow},
        {"header line", "HTTP/1.1 200 OK\r\nx-header: ", std::string(65536, 'a'), http::error::header_limit,
         "answer head larger than 65536 bytes (interim answers included)"},
        {"chunks", chunked, test_support::repeated("400\r\n" + std::string(1024, 'a') + "\r\n", 64),
         http::error::body_limit, "answer body larger than 1048576 bytes"},
    };
    for (const auto& answer : answers) {
        BOOST_TEST_CONTEXT(answer.name) {
            test_support::streaming_server server(answer.head, answer.block);
            const auto sent = aq::deliver(request_to(server.url("/hook")));
            BOOST_TEST((sent.error == answer.error), sent.error_detail);
            BOOST_TEST(sent.error_detail == answer.detail);
            BOOST_TEST(server.bytes_sent() < std::size_t(64) << 20);
        }
    }
}

// The bounds leave room for what a receiver really sends: a body of the limit, read through a
// buffer of 64 KiB, plain and chunked.
BOOST_AUTO_TEST_CASE(an_answer_at_the_body_limit_is_read_whole) {
    const std::string body(1 << 20, 'a');
    const std::string chunk = "10000\r\n" + std::string(1 << 16, 'a') + "\r\n";
    const std::string answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + body,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + test_support::repeated(chunk, 16) +
            "0\r\nx-trailer: t\r\n\r\n",
    };
    for (const auto& answer : answers) {
        test_support::streaming_server server(answer, "", answer.size());
        const auto sent = aq::deliver(request_to(server.url("/hook"), false));
        BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
        BOOST_TEST((sent.response->body == body));
    }
}

// Two sends on one I/O context run side by side: the one to the slow answer does not hold the
// other back, and each completes with its own delivery.
BOOST_AUTO_TEST_CASE(sends_on_one_executor_run_side_by_side) {
    aq::mock_receiver receiver(R"({"rules": [
        {"match": {"path": "/slow"}, "respond": {"status": 202, "delayMs": 1500}},
        {"match": {"path": "/fast"}, "respond": {"status": 201, "body": "fast"}}]})");
    net::io_context io;
    std::vector<std::string> completed;
    std::optional<aq::delivery> slow, fast;
    const auto start = std::chrono::steady_clock::now();
    auto send = [&](const std::string& path, std::optional<aq::delivery>& into) {
        auto request = aq::build_http_request(request_to(receiver.url() + path, false)).value();
        aq::async_send_request(io.get_executor(), std::move(request), {}, [&, path](aq::delivery sent) {
            completed.push_back(path);
            into = std::move(sent);
        });
    };
    send("/slow", slow);
    send("/fast", fast);
    io.run(); // one thread for both
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST((completed == std::vector<std::string>{"/fast", "/slow"}));
    BOOST_TEST_REQUIRE(fast->succeeded(), fast->error_detail);
    BOOST_TEST(fast->response->status == 201u);
    BOOST_TEST(fast->response->body == "fast");
    BOOST_TEST(fast->duration < 1500ms); // it did not wait for the slow answer
    BOOST_TEST_REQUIRE(slow->succeeded(), slow->error_detail);
    BOOST_TEST(slow->response->status == 202u);
    BOOST_TEST(slow->duration >= 1500ms);
    BOOST_TEST(elapsed < 10s);
    BOOST_TEST(receiver.journal().size() == 2u);
}

// The request goes exactly as built: no header is added, none signed.
BOOST_AUTO_TEST_CASE(a_request_is_sent_as_it_is) {
    aq::mock_receiver receiver;
    aq::http_request request{"PUT",
                             aq::parse_http_url(receiver.url() + "/as/is?q=1").value(),
                             {{"Host", "somewhere.test"}, {"X-Mine", "1"}, {"Content-Length", "5"}},
                             "a  \xc3\xa9"};
    auto options = signed_with("dev-secret"); // signing is the caller's: this does not sign
    const auto sent = aq::send_request(request, options);
    BOOST_TEST_REQUIRE(sent.succeeded(), sent.error_detail);
    BOOST_TEST(sent.request.method == "PUT");
    BOOST_TEST(sent.incident_updates == false);
    BOOST_TEST(!sent.patch.has_value());
    const auto entry = receiver.journal().at(0);
    BOOST_TEST(entry.method == "PUT");
    BOOST_TEST(entry.target == "/as/is?q=1");
    BOOST_TEST(entry.body == "a  \xc3\xa9");
    BOOST_TEST(entry.headers.size() == 3u);
    BOOST_TEST(*entry.header("Host") == "somewhere.test");
    BOOST_TEST(!entry.header("x-aq-signature").has_value());
}

// A send whose cancellation slot is signalled ends at once, whether it waits for the answer or for
// its name to resolve; the server's answer, the resolver and the deadline are not waited for.
BOOST_AUTO_TEST_CASE(a_cancelled_send_ends_at_once) {
    aq::mock_receiver receiver(
        R"({"rules": [{"match": {"path": "/hang"}, "respond": {"fault": "timeout"}}]})");
    auto never_resolves = std::make_shared<std::promise<void>>();
    std::shared_future<void> release = never_resolves->get_future().share();
    for (const std::string& url :
         {receiver.url() + "/hang", std::string("http://dns-never-answers.example/x")}) {
        BOOST_TEST_CONTEXT(url) {
            net::io_context io;
            net::cancellation_signal cancel;
            aq::delivery_options options;
            options.timeout = 30s;
            options.resolve = [release](const std::string& host, std::uint16_t port) {
                if (host != "127.0.0.1") release.wait_for(60s);
                return std::vector<net::ip::tcp::endpoint>{{net::ip::make_address("127.0.0.1"), port}};
            };
            std::optional<aq::delivery> sent;
            aq::async_send_request(io.get_executor(), aq::build_http_request(request_to(url, false)).value(),
                                   options,
                                   net::bind_cancellation_slot(
                                       cancel.slot(), [&](aq::delivery done) { sent = std::move(done); }));
            net::steady_timer soon(io, 300ms);
            soon.async_wait(
                [&](boost::system::error_code) { cancel.emit(net::cancellation_type::terminal); });
            const auto start = std::chrono::steady_clock::now();
            io.run();
            const auto elapsed = std::chrono::steady_clock::now() - start;
            BOOST_TEST((elapsed < 10s)); // 300 ms when correct
            BOOST_TEST_REQUIRE(sent.has_value());
            BOOST_TEST((sent->error == net::error::operation_aborted), sent->error.message());
            BOOST_TEST(sent->error_detail == "cancelled");
            BOOST_TEST(!sent->response.has_value());
        }
    }
    never_resolves->set_value();
}

BOOST_AUTO_TEST_SUITE_END()
