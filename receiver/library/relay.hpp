// Forwarding a delivery to the user's own service (a response's `forward_to`, `--forward-to`) and
// relaying its answer: a pending response of the delivery's connection, which the session awaits
// as it awaits any other, so that a forward in flight holds its connection and nothing more.
//
//     --> the delivery's method, target and verification (the report line)
//     wait the response's delay -> build the request (end-to-end headers, X-Forwarded-*,
//     re-signed) -> send it (the SDK's async_send_request) -> relay the answer, or 502/504
//     -> journal both legs -> <-- the status, the target and the time (the report line)
#pragma once

#include "request_handler.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

/// A delivery on its way to a forward target: what the relay needs of it.
struct relayed_delivery {
    http_request request;               ///< as it arrived, head and body
    std::string source;                 ///< its source address, sent as X-Forwarded-For
    aq::verification verification;      ///< its signature's verdict, whose method it is signed again with
    configured_forward target;          ///< where it goes
    std::chrono::milliseconds delay{0}; ///< how long the response waits before it is sent
    std::uint64_t journal_id = 0;       ///< its journal entry, which records the forward's outcome
};

/// The pending response that sends `delivery` on to its target and answers with the target's
/// answer: its status, its headers but those about one connection, its body. When no answer comes:
/// 502 (refused, reset, a bad or too large answer) or 504 (none within the timeout) with
/// `{"error": "forward failed", "reason": ..., "url": ...}`; 503 when cancelled (the receiver
/// stops). The journal entry `delivery.journal_id` gets both legs. Runs on the connection's
/// executor; `cancel` ends the exchange under way.
std::shared_ptr<pending_response> relay_delivery(receiver_state& state, relayed_delivery delivery);

/// `fields` without those that concern one connection only (RFC 9110 §7.6.1): Connection,
/// Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade, and those Connection names.
std::vector<aq::header_field> end_to_end(std::vector<aq::header_field> fields);

} // namespace aqhook
