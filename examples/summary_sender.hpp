// The code under test in the mock receiver examples: it sends an incident's summary to a webhook,
// signed with the All Quiet method, as a service of yours would.
#pragma once

#include <allquiet/webhook/delivery.hpp>

#include <chrono>
#include <string>

inline allquiet::webhook::delivery send_summary(const std::string& url, const std::string& title,
                                                const std::string& secret) {
    namespace aq = allquiet::webhook;
    aq::request_description request;
    request.method = "POST";
    request.url = url;
    request.body.kind = aq::body_kind::json;
    request.body.json = boost::json::object{{"title", title}};
    request.enable_incident_updates = true;
    aq::delivery_options options;
    options.signing_method = aq::signing_method::allquiet;
    options.secret = secret;
    options.timeout = std::chrono::seconds(5);
    return aq::deliver(request, options);
}
