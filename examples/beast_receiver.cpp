// A minimal All Quiet webhook receiver on Boost.Beast: it verifies each delivery's signature and
// answers "resolve on receipt", a patch that resolves the incident the delivery came from.
//
//     ALLQUIET_WEBHOOK_SECRET=... build/examples/beast_receiver [PORT]   (8090; 0 takes a free one)
//
// Listens on 127.0.0.1 and answers a delivery to any path. One connection at a time, to stay
// short; a production service would use Beast's async API (the mock receiver's
// receiver/library/server.cpp shows one way).
#include <allquiet/webhook.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace aq = allquiet::webhook;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// [doc:beast_answer]
http::response<http::string_body> answer(const aq::verifier& verifier,
                                         const http::request<http::string_body>& request) {
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    auto reply_error = [&](http::status status, std::string reason) {
        response.result(status);
        response.body() = boost::json::serialize(boost::json::object{{"error", std::move(reason)}});
    };

    // The signature covers the raw body: verify before parsing anything. The client learns only
    // that it was refused; why goes to the log, where an attacker cannot read it.
    if (const aq::verification check = verifier.check(request); !check) {
        reply_error(http::status::unauthorized, "signature not valid");
        std::cerr << "refused a delivery: " << check.error.message() << "\n";
    } else if (const auto incident = aq::parse_incident(request.body()); !incident)
        reply_error(http::status::bad_request, "not an incident: " + incident.error().message());
    else // The answer is a patch: All Quiet applies it to the incident (with incident updates on).
        response.body() = boost::json::serialize(aq::to_json(
            aq::patch().resolve("resolved on receipt").upsert_attribute("Receiver", "beast_receiver")));
    response.prepare_payload();
    return response;
}
// [/doc:beast_answer]

void serve_connection(tcp::socket socket, const aq::verifier& verifier) {
    boost::beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(1 << 20); // deliveries are small; refuse anything huge
        boost::system::error_code ec;
        http::read(socket, buffer, parser, ec);
        if (ec) return; // closed, cut off or malformed: nothing to answer
        const auto response = answer(verifier, parser.get());
        http::write(socket, response, ec);
        if (ec || !response.keep_alive()) return;
    }
}

int main(int argc, char** argv) {
    // The secret comes from the environment, never the command line (visible to every user).
    const char* secret = std::getenv("ALLQUIET_WEBHOOK_SECRET");
    if (!secret || !*secret) {
        std::cerr << "set ALLQUIET_WEBHOOK_SECRET to the webhook's signing secret\n";
        return 2;
    }
    // [doc:beast_verifier]
    aq::verifier_options options;
    options.secrets = {secret};                      // add the previous one while rotating
    options.methods = aq::accepted_methods::any;     // "All Quiet" or "AWS DevOps Agent" headers
    const aq::verifier verifier(std::move(options)); // keyed once, shared by every request
    // [/doc:beast_verifier]

    boost::asio::io_context io;
    const auto port = static_cast<unsigned short>(argc > 1 ? std::stoi(argv[1]) : 8090);
    tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), port});
    std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    for (;;)
        serve_connection(acceptor.accept(), verifier);
}
