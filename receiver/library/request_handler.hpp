// The receiver's request handler: one parsed HTTP request in, what to answer out. No sockets, so
// every rule of the receiver is testable without one. A delivery goes through these stages, in
// the order request_handler.cpp runs them:
//
//     admit (the allow-list) -> verify (the signature) -> choose the rule -> build the response
//     -> record (the journal entry)
//
// or, for a rule that forwards, choose the rule -> record -> relay (relay.hpp: the answer comes
// from the forward target, later).
//
// Requests under /_aqhook/ go to the admin API instead (admin_api.hpp).
#pragma once

#include "path_pattern.hpp"
#include "receiver_state.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace aqhook {

using response_ptr = std::shared_ptr<const http_response>;

/// Beast's string view of a target, method or field, as a standard one.
inline std::string_view text_of(boost::beast::string_view s) { return {s.data(), s.size()}; }

/// `s` without the spaces and tabs around it (RFC 9110 §5.6.3 OWS): an element of a field's list.
inline std::string_view without_blanks(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// Where a pending response may run: the connection's own executor (for its timers) and the
/// receiver's worker, for work too long for an I/O thread.
struct pending_context {
    const boost::asio::any_io_executor& connection;
    const boost::asio::any_io_executor& worker;
};

/// A response that is not ready when the handler returns: a wait on the journal, or work that
/// runs on the worker (a listing, a configuration load) so that deliveries never wait for it.
class pending_response {
  public:
    virtual ~pending_response() = default;
    /// Starts the work; `ready` is called once, from any thread, with the response.
    virtual void start(const pending_context& where, std::function<void(response_ptr)> ready) = 0;
    /// The server is stopping or the client has gone: call `ready` soon, with what there is.
    virtual void cancel() = 0;
};

/// Send the response, after `delay`.
struct send_response {
    response_ptr response;
    std::chrono::milliseconds delay{0};
};

/// Answer nothing, as fault `reset` (close the connection at once) or `timeout` (hold it until the
/// client gives up).
struct withhold_answer {
    fault kind;
};

/// The response comes when the pending work is done.
struct await_response {
    std::shared_ptr<pending_response> pending;
};

/// What the handler decided to do with a request; the session carries it out.
using handler_decision = std::variant<send_response, withhold_answer, await_response>;

/// The decision, and what the session needs besides to log it and to journal a failed answer.
struct handler_result {
    handler_decision decision;
    /// For the log line: "valid", "invalid", "unsigned", "admin", or "-" for a request refused
    /// before it was read whole.
    std::string_view verification = "admin";
    /// The delivery's journal entry, to mark when its answer never reaches the client; 0 for none.
    std::uint64_t journal_id = 0;
};

/// A result that sends `response` at once.
inline handler_result respond_with(response_ptr response) { return {send_response{std::move(response)}}; }

/// A result whose response comes later.
inline handler_result respond_later(std::shared_ptr<pending_response> pending) {
    return {await_response{std::move(pending)}};
}

/// Handles one request against the shared state: an admin request, or a delivery from `source`
/// (`source_address`, already admitted: `refused_by_source`), which is answered by the
/// configuration and recorded in the journal. The stages read the request; the last moves a
/// delivery's body into its journal entry, so the journal copies no body.
handler_result handle_request(receiver_state& state, http_request& request, std::string source);

/// A delivery's source, read once from its head: the peer, or with `trust_forwarded_for` the last
/// X-Forwarded-For hop (the one the trusted proxy added). Every X-Forwarded-For line counts, as one
/// list in order (RFC 9110 §5.3): a client's own line cannot stand in for the proxy's.
std::string source_address(const receiver_settings& settings, const http::fields& head, std::string_view peer);

/// Whether a request is refused on its head alone, before its body is read: a delivery from a
/// `source` that `--allow-ips` does not admit. Never an admin request.
bool refused_by_source(const receiver_state& state, const http::request_header<>& head, std::string_view source);

/// That refusal: 403, and not journaled, so that refused peers cannot push deliveries out of the
/// journal. A refused source costs no HMAC.
handler_result refuse_source(const http_request& request);

/// The answer to a request that cannot be read whole (its head is malformed or ambiguous, or it
/// is larger than a limit): `status` with the reason, not journaled. `request` is the head as far
/// as it was read; the connection closes after the answer.
handler_result refuse_unreadable(unsigned status, const std::string& reason, const http_request& request);

/// The answer when handling a request threw: 500, and the connection closes after it.
handler_result internal_error(const http_request& request);

/// The delivery path alone, after admission (the admin API's dummy delivery takes it too). A
/// delivery whose answer is a forward (`forward_to`) is answered later, by a relay (relay.hpp).
handler_result answer_delivery(receiver_state& state, http_request& request, std::string source);

/// The fields of a message's head, in order, as the journal holds them.
std::vector<aq::header_field> header_fields(const http::fields& fields);

/// A JSON response with the usual headers, fitting `request`'s version and keep-alive.
response_ptr json_response(unsigned status, const boost::json::value& body, const http_request& request);

/// The same with the body already serialized, to add headers to.
http_response json_text_response(unsigned status, std::string body, const http_request& request);

} // namespace aqhook
