// Signature verification inside a cpp-httplib server: the SDK needs no particular HTTP library,
// only the request's headers and its raw body.
//
//     ALLQUIET_WEBHOOK_SECRET=... build/examples/httplib_receiver [PORT]   (8091; 0 takes a free one)
//
// Listens on 127.0.0.1 and serves POST /hooks/allquiet alone.
#include <allquiet/webhook/signature.hpp>

#include <httplib.h>

#include <cstdlib>
#include <iostream>

namespace aq = allquiet::webhook;

int main(int argc, char** argv) {
    const char* secret = std::getenv("ALLQUIET_WEBHOOK_SECRET");
    if (!secret || !*secret) {
        std::cerr << "set ALLQUIET_WEBHOOK_SECRET to the webhook's signing secret\n";
        return 2;
    }
    const aq::verifier verifier(aq::verifier_options{.secrets = {secret}});

    httplib::Server server;
    server.set_payload_max_length(1 << 20);
    // [doc:httplib_handler]
    server.Post("/hooks/allquiet", [&](const httplib::Request& request, httplib::Response& response) {
        // httplib's headers are a multimap of name and value: the verifier takes it as it is.
        const aq::verification check = verifier.check(request.headers, request.body);
        if (!check) {
            response.status = 401;
            response.set_content(R"({"error": "signature not valid"})", "application/json");
            std::cerr << "refused a delivery: " << check.error.message() << "\n"; // the reason stays here
            return;
        }
        response.status = 204; // no body, so no patch: the incident stays as it is
    });
    // [/doc:httplib_handler]

    const int port = argc > 1 ? std::stoi(argv[1]) : 8091;
    const int bound =
        port == 0 ? server.bind_to_any_port("127.0.0.1") : server.bind_to_port("127.0.0.1", port);
    if (bound < 0 || (port != 0 && !bound)) {
        std::cerr << "cannot listen on port " << port << "\n";
        return 1;
    }
    std::cout << "listening on http://127.0.0.1:" << (port == 0 ? bound : port) << std::endl;
    return server.listen_after_bind() ? 0 : 1;
}
