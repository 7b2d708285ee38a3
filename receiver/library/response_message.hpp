// The HTTP message a configured response becomes: built once at load for a fixed answer
// (receiver_config.cpp), and per delivery for a rendered template or another HTTP version
// (request_handler.cpp).
#pragma once

#include "receiver_config.hpp"

#include <string>
#include <utility>

namespace aqhook {

/// The HTTP response `configured` gives, with `body` (its own, or a rendered template's).
inline http_response make_response(const configured_response& configured, unsigned version, bool keep_alive,
                                   std::string body) {
    http_response response{static_cast<http::status>(configured.status), version};
    for (const auto& h : configured.headers)
        response.insert(h.name, h.value);
    response.body() = std::move(body);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

} // namespace aqhook
