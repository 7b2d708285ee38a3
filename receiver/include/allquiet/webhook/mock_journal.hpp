// What the mock receiver journals for each delivery: the request as it arrived, how its signature
// was judged, the rule that chose the answer, and the answer.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/fault.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/timestamp.hpp>
#include <allquiet/webhook/verification.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// The answer the receiver gave; with a fault, none.
struct journal_response {
    /// The status sent; empty when a fault meant no answer (headers and body are empty then too).
    std::optional<unsigned> status;
    std::vector<header_field> headers;
    std::string body;
    std::optional<webhook::fault> fault;
    /// How long its rule held the answer back (`delayMs`): until then the entry shows the answer
    /// it is to get, and `not_sent` may still be set.
    std::chrono::milliseconds delay{0};
    /// Why the answer never reached the client, such as "client gone before the answer"; empty
    /// when it was written whole (and for a fault, which answers nothing on purpose).
    std::optional<std::string> not_sent;
};

/// A delivery the receiver sent on to a forward target (`mock_response::forward_to`), and what
/// the target answered. The entry's `response` is what the sender got: this answer relayed, or
/// the receiver's 502, 503 or 504 when there was none.
struct journal_forward {
    std::string url; ///< where it went (without the URL's user information)
    /// The request's headers as sent, after re-signing; empty when it was never sent (cancelled
    /// during its delay).
    std::vector<header_field> request_headers;
    /// The target's status; empty while the forward is under way, and when no answer came.
    std::optional<unsigned> status;
    std::vector<header_field> headers; ///< the target's answer's headers
    std::string body;                  ///< the target's answer's body
    /// From the start of the exchange (after any delay) to the end of the answer or the failure.
    std::chrono::microseconds duration{0};
    /// Why no answer came: "connection refused", "no answer within 30000 ms", "answer body larger
    /// than 1048576 bytes"... Empty when one did, and while the forward is under way.
    std::optional<std::string> error;

    /// The target answered, or the forward failed: the entry's `response` is final.
    bool done() const noexcept { return status || error; }
};

/// One delivery as the receiver got and answered it.
struct journal_entry {
    std::uint64_t id = 0;
    timestamp received_at{time_point{}};
    std::string remote_address; ///< the peer, or the last X-Forwarded-For hop when trusted
    std::string method;
    std::string target; ///< path and query, as sent
    std::vector<header_field> headers;
    std::string body; ///< the raw bytes received
    webhook::verification verification;
    std::optional<std::string> rule; ///< the name of the rule that matched; empty for the default
    journal_response response;
    /// Set when the delivery was forwarded.
    std::optional<journal_forward> forward;

    /// The first request header with this name (any case).
    std::optional<std::string_view> header(std::string_view name) const {
        for (const auto& h : headers)
            if (detail::iequals(h.name, name)) return std::string_view(h.value);
        return std::nullopt;
    }

    /// The body read as an incident (for templates that send the incident as JSON).
    result<webhook::incident> incident() const { return parse_incident(body); }
};

/// The journal entry in the admin API's shape (`GET /_aqhook/requests`), its memory from `storage`.
boost::json::value to_json(const journal_entry& entry, boost::json::storage_ptr storage = {});

} // namespace allquiet::webhook
