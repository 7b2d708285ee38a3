// A program built against an installed (or subproject) allquiet-webhook, as a user builds one:
// it signs a delivery, sends it to the in-process mock receiver, and checks what came back.
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/mock_receiver.hpp>

#include <iostream>

namespace aq = allquiet::webhook;

int main() {
    aq::mock_receiver receiver(R"({"secrets": ["consumer-secret"],
        "default": {"patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}})");
    aq::request_description request;
    request.method = "POST";
    request.url = receiver.url() + "/hooks/consumer";
    request.body.kind = aq::body_kind::json;
    request.body.json = boost::json::object{{"title", "from a consumer"}};
    request.enable_incident_updates = true;
    aq::delivery_options options;
    options.signing_method = aq::signing_method::aws;
    options.secret = "consumer-secret";
    const aq::delivery sent = aq::deliver(request, options);

    const auto entries = receiver.wait_for(1, std::chrono::seconds(5));
    const bool resolved = sent.succeeded() && sent.patch && *sent.patch &&
                          (*sent.patch)->operations.append_intent->intent == aq::intent::resolved;
    if (!resolved || !entries || entries->front().verification.status() != aq::verification_status::valid) {
        std::cerr << "consumer: the delivery did not round-trip: " << sent.error_detail << "\n";
        return 1;
    }
    std::cout << "consumer: signed delivery verified and answered with a resolve patch\n";
    return 0;
}
