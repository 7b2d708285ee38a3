// A program built against an installed (or subproject) allquiet-webhook, as a user builds one:
// it signs a delivery, sends it to the in-process mock receiver, and checks what came back.
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/mock_receiver.hpp>

#include <iostream>

namespace aq = allquiet::webhook;

int main() {
    aq::mock_receiver receiver(aq::mock_config().secret("consumer-secret").otherwise(
        aq::mock_response().patch(aq::patch().resolve())));
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

    const auto verified = receiver.expect(aq::exactly(1), aq::request_match().post().verified());
    const bool resolved = sent.succeeded() && sent.patch && *sent.patch &&
                          (*sent.patch)->operations.append_intent->intent == aq::intent::resolved;
    if (!resolved || !verified) {
        std::cerr << "consumer: the delivery did not round-trip: " << sent.error_detail << "\n" << verified;
        return 1;
    }
    std::cout << "consumer: signed delivery verified and answered with a resolve patch\n";
    return 0;
}
