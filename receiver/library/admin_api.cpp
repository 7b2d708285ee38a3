#include "admin_api.hpp"
#include "sample_incident.hpp"
#include "text_encoding.hpp"
#include "web_page.hpp"

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <variant>

namespace aqhook {

namespace json = boost::json;
namespace net = boost::asio;

namespace {

/// The value of `name` in the target's query string, undecoded (admin parameters are numbers).
std::optional<std::string_view> query_parameter(std::string_view target, std::string_view name) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) return std::nullopt;
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto pair = query.substr(0, query.find('&'));
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        query.remove_prefix(std::min(query.size(), pair.size() + 1));
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t min, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return std::nullopt;
    return value;
}

/// The longest error message an admin answer gives: one echoing a request's member names (a
/// configuration's JSON pointer) could otherwise be about as long as the request.
constexpr std::size_t max_error_message = 4096;

/// `{"error": message}`. What a message echoes of the request (a target, an id) may be any
/// bytes: it is made valid UTF-8, as JSON must be.
http_response error_message(unsigned status, std::string_view message, const http_request& request) {
    return json_text_response(
        status, json::serialize(json::object{{"error", valid_utf8_prefix(message, max_error_message)}}), request);
}

response_ptr error_response(unsigned status, std::string_view message, const http_request& request) {
    return std::make_shared<const http_response>(error_message(status, message, request));
}

/// Why an admin request is refused: the status and the message of the answer.
struct admin_error {
    unsigned status;
    std::string message;
};

/// One admin request on its way through a route.
struct admin_call {
    receiver_state& state;
    const http_request& request;
    std::string_view argument; ///< what `{id}` matched in the route's path

    handler_result respond(unsigned status, const json::value& body) const {
        return respond_with(json_response(status, body, request));
    }
    handler_result error(unsigned status, std::string_view message) const {
        return respond_with(error_response(status, message, request));
    }
    handler_result error(const admin_error& refused) const { return error(refused.status, refused.message); }
    /// A number from the query string, `fallback` when absent.
    std::optional<std::uint64_t> query_number(std::string_view name, std::uint64_t fallback,
                                              std::uint64_t min, std::uint64_t max) const {
        const auto given = query_parameter(text_of(request.target()), name);
        return given ? parse_number(*given, min, max) : std::optional<std::uint64_t>(fallback);
    }
};

// ---- responses that come later ------------------------------------------------------------------

/// Work run on the receiver's worker, off the I/O threads.
class worker_job final : public pending_response {
  public:
    worker_job(const http_request& request, std::function<response_ptr()> work)
        : stopping_(error_response(503, "the receiver is stopping", request)),
          failed_(error_response(500, "internal error", request)), work_(std::move(work)) {}

    /// Cancelled before the worker takes it, the job answers 503 without running; once running,
    /// it finishes (a listing or a configuration load is short) and answers. An exception from the
    /// work (memory running out) costs this request a 500, as on an I/O thread, not the worker.
    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        net::post(where.worker, [cancelled = cancelled_, stopping = stopping_, failed = failed_,
                                 work = std::move(work_), ready = std::move(ready)] {
            if (*cancelled) return ready(stopping);
            response_ptr answer;
            try {
                answer = work();
            } catch (const std::exception&) {
                answer = failed;
            }
            ready(std::move(answer));
        });
    }
    void cancel() override { *cancelled_ = true; }

  private:
    std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
    response_ptr stopping_;
    response_ptr failed_;
    std::function<response_ptr()> work_;
};

/// Hands `value`'s text to `sink` a piece at a time, without holding it whole.
template <class Sink>
void serialize_in_pieces(const json::value& value, Sink&& sink) {
    json::serializer serializer;
    serializer.reset(&value);
    char buffer[16 * 1024];
    while (!serializer.done())
        sink(serializer.read(buffer, sizeof buffer));
}

std::size_t text_size(const aq::journal_entry& entry) {
    std::size_t size = 0;
    serialize_in_pieces(aq::to_json(entry), [&](json::string_view piece) { size += piece.size(); });
    return size;
}

void append_entry(std::string& out, const aq::journal_entry& entry) {
    serialize_in_pieces(aq::to_json(entry),
                        [&](json::string_view piece) { out.append(piece.data(), piece.size()); });
}

/// How a listing writes its entries: a JSON array, or NDJSON (one entry a line, the oldest first:
/// an export, which `aqhook journal replay` reads).
struct listing_format {
    std::string_view open, between, after_each, close, content_type;

    /// The length of a listing whose entries' texts are `entry_sizes` long, added up.
    std::size_t length(std::size_t count, std::size_t entry_sizes) const {
        return open.size() + close.size() + entry_sizes + count * after_each.size() +
               (count > 0 ? (count - 1) * between.size() : 0);
    }
};

constexpr listing_format json_listing{"[", ",", "", "]", "application/json"};
constexpr listing_format ndjson_listing{"", "", "\n", "", "application/x-ndjson"};

/// The listing, `length` bytes long. The entries are measured first (they are immutable), so
/// that the text is allocated once at its size: built whole, or growing, a listing would hold two
/// or three times its size at its peak.
std::string serialize_entries(const std::vector<journal_entry_ptr>& entries, std::size_t length,
                              const listing_format& format) {
    std::string out;
    out.reserve(length);
    out += format.open;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out += format.between;
        append_entry(out, *entries[i]);
        out += format.after_each;
    }
    out += format.close;
    return out;
}

/// `response`, which gives `bytes` back to `budget` when its last holder drops it.
response_ptr held_against(std::shared_ptr<listing_budget> budget, std::size_t bytes, http_response response) {
    return response_ptr(new http_response(std::move(response)),
                        [budget = std::move(budget), bytes](const http_response* held) {
                            delete held;
                            budget->give_back(bytes);
                        });
}

/// 503: the listings not yet taken by their clients hold the whole budget.
response_ptr listings_busy(const http_request& request, const listing_budget& budget) {
    auto busy = error_message(503,
                              "the listings not yet taken by their clients hold the listing budget (" +
                                  std::to_string(budget.total()) + " bytes); try again",
                              request);
    busy.set(http::field::retry_after, "1");
    return std::make_shared<const http_response>(std::move(busy));
}

/// One entry, held against the listing budget as a listing is: as JSON it may be six times its
/// body's size, and unread answers stay in memory until the write deadline.
response_ptr entry_response(const http_request& request, receiver_state& state,
                            const aq::journal_entry& entry) {
    const auto& budget = state.listings();
    const std::size_t length = text_size(entry);
    if (!budget->take(length)) return listings_busy(request, *budget);
    std::string text;
    text.reserve(length);
    append_entry(text, entry);
    return held_against(budget, length, json_text_response(200, std::move(text), request));
}

/// The entries of `page` in its order, as many as the listing budget has room for
/// (`X-Aqhook-Truncated: true` when fewer than the page holds); 503 when it has room for none.
response_ptr listing_response(const http_request& request, receiver_state& state, const journal_page& page,
                              const listing_format& format = json_listing) {
    const auto [oldest, next] = state.journal().ids();
    auto entries = state.journal().list(page);
    const auto& budget = state.listings();
    const std::size_t room = budget->total() - std::min(budget->total(), budget->held());
    std::size_t length = format.length(0, 0), fitting = 0, entry_sizes = 0;
    for (; fitting < entries.size(); ++fitting) {
        const std::size_t sizes = entry_sizes + text_size(*entries[fitting]);
        const std::size_t longer = format.length(fitting + 1, sizes);
        if (fitting > 0 && longer > room) break; // the first is left to `take`
        entry_sizes = sizes;
        length = longer;
    }
    if (!entries.empty() && !budget->take(length)) return listings_busy(request, *budget);
    const bool truncated = fitting < entries.size();
    entries.resize(fitting);
    auto response = json_text_response(200, serialize_entries(entries, length, format), request);
    response.set(http::field::content_type, format.content_type);
    // What a poller needs to drop what the journal dropped, and to notice a restart.
    response.set("X-Aqhook-Oldest-Id", std::to_string(oldest));
    response.set("X-Aqhook-Next-Id", std::to_string(next));
    if (truncated) response.set("X-Aqhook-Truncated", "true");
    if (entries.empty()) return std::make_shared<const http_response>(std::move(response));
    return held_against(budget, length, std::move(response));
}

/// A long poll: answers with the journal once it holds `count` entries, 408 after `timeout`, and
/// 503 at once when the server stops or the client goes.
class journal_wait final : public pending_response, public std::enable_shared_from_this<journal_wait> {
  public:
    journal_wait(receiver_state& state, const http_request& request, std::size_t count,
                 std::chrono::milliseconds timeout)
        : state_(state), request_(request.method(), "", request.version()), count_(count), timeout_(timeout) {
        request_.keep_alive(request.keep_alive());
    }

    ~journal_wait() override { state_.journal().cancel(waiter_); }

    // Everything but the journal's callback runs on the connection's executor; that callback
    // posts there first.
    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        ready_ = std::move(ready);
        worker_ = where.worker;
        timer_.emplace(where.connection, timeout_);
        timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->finish(outcome::timed_out);
        });
        waiter_ =
            state_.journal().notify_at(count_, [weak = weak_from_this(), connection = where.connection] {
                net::post(connection, [weak] {
                    if (auto self = weak.lock()) self->finish(outcome::reached);
                });
            });
    }

    void cancel() override { finish(outcome::stopped); }

  private:
    enum class outcome { reached, timed_out, stopped };

    void finish(outcome how) {
        if (!ready_) return; // finished already
        auto ready = std::move(ready_);
        ready_ = nullptr;
        timer_->cancel();
        state_.journal().cancel(waiter_);
        switch (how) {
        case outcome::reached:
            net::post(worker_, [&state = state_, request = request_, ready = std::move(ready)] {
                ready(listing_response(request, state, {}));
            });
            return;
        case outcome::timed_out:
            return ready(json_response(
                408, json::object{{"error", "timed out before the journal held enough entries"}}, request_));
        case outcome::stopped:
            return ready(json_response(503, json::object{{"error", "the receiver is stopping"}}, request_));
        }
    }

    receiver_state& state_;
    http_request request_; // its version and keep-alive, for the response
    std::size_t count_;
    std::chrono::milliseconds timeout_;
    std::function<void(response_ptr)> ready_;
    net::any_io_executor worker_;
    std::optional<net::steady_timer> timer_;
    std::uint64_t waiter_ = 0;
};

// ---- the routes ---------------------------------------------------------------------------------

handler_result web_page(const admin_call& call) {
    http_response page{http::status::ok, call.request.version()};
    page.set(http::field::content_type, "text/html; charset=utf-8");
    page.set(http::field::cache_control, "no-store");
    // The page needs nothing from elsewhere; forbidding it keeps a delivery's body inert.
    page.set("Content-Security-Policy",
             "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
    page.set("Referrer-Policy", "no-referrer");
    page.body() = web_page_html;
    page.keep_alive(call.request.keep_alive());
    page.prepare_payload();
    return respond_with(std::make_shared<const http_response>(std::move(page)));
}

handler_result health(const admin_call& call) { return call.respond(200, json::object{{"status", "ok"}}); }

handler_result list_requests(const admin_call& call) {
    const auto limit = call.query_number("limit", SIZE_MAX, 1, SIZE_MAX);
    const auto after = call.query_number("after", 0, 0, UINT64_MAX);
    const auto before = call.query_number("before", UINT64_MAX, 1, UINT64_MAX);
    if (!limit || !after || !before)
        return call.error(400, "limit, after and before are whole numbers (limit from 1)");
    const auto format_name = query_parameter(text_of(call.request.target()), "format").value_or("json");
    if (format_name != "json" && format_name != "ndjson") return call.error(400, "format is json or ndjson");
    const bool ndjson = format_name == "ndjson";
    const journal_page page{static_cast<std::size_t>(*limit), *after, *before, ndjson};
    return respond_later(std::make_shared<worker_job>(
        call.request, [&state = call.state, page, ndjson, request = http_request(call.request)] {
            return listing_response(request, state, page, ndjson ? ndjson_listing : json_listing);
        }));
}

handler_result clear_requests(const admin_call& call) {
    call.state.journal().clear();
    return call.respond(200, json::object{{"cleared", true}});
}

handler_result wait_for_requests(const admin_call& call) {
    const auto capacity = call.state.journal().limits().max_entries;
    const auto count = call.query_number("count", 0, 1, capacity);
    if (!count || *count == 0)
        return call.error(400, "count must be a whole number from 1 to the journal size, " +
                                   std::to_string(capacity));
    const auto timeout = call.query_number("timeoutMs", 10'000, 0, 600'000);
    if (!timeout) return call.error(400, "timeoutMs must be a whole number from 0 to 600000");
    return respond_later(std::make_shared<journal_wait>(
        call.state, call.request, static_cast<std::size_t>(*count), std::chrono::milliseconds(*timeout)));
}

handler_result one_request(const admin_call& call) {
    const auto id = parse_number(call.argument, 1, UINT64_MAX);
    const auto entry = id ? call.state.journal().find(*id) : nullptr;
    if (!entry) return call.error(404, "no journal entry " + std::string(call.argument));
    return respond_later(
        std::make_shared<worker_job>(call.request, [&state = call.state, entry, request = http_request(call.request)] {
            return entry_response(request, state, *entry);
        }));
}

handler_result show_config(const admin_call& call) {
    return call.respond(200, redacted(*call.state.config()->config));
}

handler_result replace_config(const admin_call& call) {
    return respond_later(
        std::make_shared<worker_job>(call.request, [&state = call.state, request = http_request(call.request)] {
            if (auto problem = state.replace_config(request.body()))
                return error_response(400, problem->message(), request);
            return json_response(200, redacted(*state.config()->config), request);
        }));
}

/// `{"scenario": "state", ...}`: the scenarios of the configuration that `loaded` is.
handler_result scenarios_answer(const admin_call& call, const loaded_config& loaded) {
    json::object out;
    for (const auto& [name, state] : loaded.scenarios->all())
        out[name] = state;
    return call.respond(200, out);
}

handler_result show_scenarios(const admin_call& call) { return scenarios_answer(call, *call.state.config()); }

handler_result reset_scenarios(const admin_call& call) {
    const auto loaded = call.state.config();
    loaded->scenarios->reset();
    return scenarios_answer(call, *loaded);
}

/// `text` with each `%XX` replaced by its byte; nothing when a `%` is not followed by two hex digits.
std::optional<std::string> percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        unsigned byte = 0;
        const char* digits = text.data() + i + 1;
        if (text.size() - i < 3 || std::from_chars(digits, digits + 2, byte, 16).ptr != digits + 2)
            return std::nullopt;
        out += static_cast<char>(byte);
        i += 2;
    }
    return out;
}

/// `PUT /_aqhook/scenarios/{name}` with `{"state": "..."}`; the name percent-encoded in the path.
handler_result set_scenario(const admin_call& call) {
    const auto body = aq::detail::parse_json_text(call.request.body());
    const auto* object = body ? body->if_object() : nullptr;
    const auto* state = object && object->size() == 1 ? object->if_contains("state") : nullptr;
    if (!state || !state->is_string()) return call.error(400, R"(the body is {"state": "the new state"})");
    std::string text(state->as_string());
    if (const auto problem = scenario_text_problem(text)) return call.error(400, "state: " + *problem);
    const auto loaded = call.state.config();
    const auto name = percent_decoded(call.argument);
    if (!name || !loaded->scenarios->set(*name, std::move(text)))
        return call.error(404, "no scenario " + std::string(call.argument) + " in the configuration");
    return scenarios_answer(call, *loaded);
}

/// The page's "Trigger Dummy Request": the sample incident, signed as asked, to `path`. Without
/// a secret of its own, the form signs with the receiver's first (which it never sees); a
/// receiver without secrets checks nothing, so the incident then goes unsigned.
/// Returns the request, or why the form is wrong.
boost::system::result<http_request, admin_error> dummy_delivery(std::string_view form_json,
                                                                const receiver_config& config) {
    auto bad_form = [](std::string message) { return admin_error{400, std::move(message)}; };
    const auto form = aq::detail::parse_json_text(form_json);
    if (!form || !form->is_object()) return bad_form("expected a JSON object");
    const auto& o = form->as_object();
    auto member = [&](std::string_view key, std::string_view fallback) -> std::optional<std::string> {
        const auto* v = o.if_contains(key);
        if (!v) return std::string(fallback);
        if (!v->is_string()) return std::nullopt;
        return std::string(v->as_string());
    };
    const auto method = member("signingMethod", "allquiet");
    const auto secret = member("secret", "");
    const auto path = member("path", "/hooks/dummy");
    if (!method || !secret || !path) return bad_form("signingMethod, secret and path are strings");
    if (path->empty() || path->front() != '/' || is_admin_target(*path) ||
        !aq::detail::is_field_value(*path) || path->find(' ') != std::string::npos)
        return bad_form("path must start with / and lie outside " + std::string(admin_prefix));
    const auto signing = aq::signing_method_from_string(*method);
    if (!signing && *method != "none") return bad_form("signingMethod is allquiet, aws or none");
    const std::string& key = !secret->empty() || config.secrets.empty() ? *secret : config.secrets.front();

    http_request request{http::verb::post, *path, 11};
    request.set(http::field::host, "aqhook");
    request.set(http::field::content_type, "application/json; charset=utf-8");
    request.body() = json::serialize(json::parse(sample_incident_json));
    if (signing && !key.empty()) {
        const auto headers = aq::sign_now(*signing, key, request.body());
        request.set(headers.signature.name, headers.signature.value);
        request.set(headers.timestamp.name, headers.timestamp.value);
    }
    request.prepare_payload();
    return request;
}

/// The dummy form's answer: `{"status": <the delivery's status>}`, 0 when a fault answered nothing.
response_ptr dummy_answer(unsigned status, const http_request& request) {
    return json_response(200, json::object{{"status", status}}, request);
}

/// The dummy form's answer once a delivery answered later (a forward) has its answer.
class dummy_answered_later final : public pending_response {
  public:
    dummy_answered_later(std::shared_ptr<pending_response> delivery, const http_request& request)
        : delivery_(std::move(delivery)), request_(request.method(), "", request.version()) {
        request_.keep_alive(request.keep_alive());
    }

    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        delivery_->start(where, [request = request_, ready = std::move(ready)](response_ptr answer) {
            ready(dummy_answer(answer->result_int(), request));
        });
    }
    void cancel() override { delivery_->cancel(); }

  private:
    std::shared_ptr<pending_response> delivery_;
    http_request request_; // its version and keep-alive, for the response
};

handler_result send_dummy(const admin_call& call) {
    auto dummy = dummy_delivery(call.request.body(), *call.state.config()->config);
    if (!dummy) return call.error(dummy.error());
    auto answered = answer_delivery(call.state, *dummy, "127.0.0.1");
    if (auto* later = std::get_if<await_response>(&answered.decision))
        return respond_later(std::make_shared<dummy_answered_later>(std::move(later->pending), call.request));
    const auto* answer = std::get_if<send_response>(&answered.decision);
    return respond_with(dummy_answer(answer ? answer->response->result_int() : 0u, call.request));
}

struct admin_route {
    http::verb method;     ///< GET routes answer HEAD too
    std::string_view path; ///< after /_aqhook/; a final `{id}` matches one path segment
    handler_result (*handle)(const admin_call&);
    /// Answered without the token, holding nothing from the journal or the configuration: the
    /// health check, and the page's shell, which a browser opens from its URL before the page's
    /// script can send the token (as every request the page makes does).
    bool open = false;
};

// Routes that share a path stand together; the first path that matches wins.
constexpr admin_route routes[] = {
    {http::verb::get, "", web_page, true},
    {http::verb::get, "health", health, true},
    {http::verb::get, "requests", list_requests},
    {http::verb::delete_, "requests", clear_requests},
    {http::verb::get, "requests/wait", wait_for_requests},
    {http::verb::get, "requests/{id}", one_request},
    {http::verb::get, "config", show_config},
    {http::verb::put, "config", replace_config},
    {http::verb::post, "dummy", send_dummy},
    {http::verb::get, "scenarios", show_scenarios},
    {http::verb::delete_, "scenarios", reset_scenarios},
    {http::verb::put, "scenarios/{id}", set_scenario},
};

/// Whether `path` matches a route's path, and what its `{id}` matched.
std::optional<std::string_view> match_path(std::string_view pattern, std::string_view path) {
    constexpr std::string_view placeholder = "{id}";
    if (!pattern.ends_with(placeholder))
        return pattern == path ? std::optional<std::string_view>("") : std::nullopt;
    const auto prefix = pattern.substr(0, pattern.size() - placeholder.size());
    if (!path.starts_with(prefix) || path.size() == prefix.size()) return std::nullopt;
    const auto argument = path.substr(prefix.size());
    if (argument.find('/') != std::string_view::npos) return std::nullopt;
    return argument;
}

// ---- access ------------------------------------------------------------------------------------

/// `Host` without its port, and without the brackets of an IPv6 address.
std::string_view host_name(std::string_view host) {
    if (host.starts_with('[')) return host.substr(1, host.find(']') - 1);
    return host.substr(0, host.rfind(':') == std::string_view::npos || host.find(':') != host.rfind(':')
                              ? host.size()
                              : host.rfind(':'));
}

/// Whether `Host` names this receiver. A web page that reaches it through DNS rebinding names
/// its own domain there, so only IP addresses, `localhost` and the names given are taken.
bool host_allowed(const admin_access& access, std::string_view host) {
    const auto name = host_name(host);
    if (aq::detail::iequals(name, "localhost")) return true;
    for (const auto& allowed : access.hosts)
        if (aq::detail::iequals(name, allowed)) return true;
    boost::system::error_code ec;
    const auto address = net::ip::make_address(std::string(name), ec);
    if (ec) return false;
    const auto listening = net::ip::make_address(access.listen_address, ec);
    return !ec && (listening.is_unspecified() || listening == address);
}

/// Whether a browser says that another site sent this request.
bool cross_site(const http_request& request) {
    const auto fetch_site = text_of(request["Sec-Fetch-Site"]);
    if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") return true;
    const auto origin = text_of(request[http::field::origin]);
    if (origin.empty()) return false;
    const auto host = text_of(request[http::field::host]);
    return origin != "http://" + std::string(host) && origin != "https://" + std::string(host);
}

bool is_json(std::string_view content_type) {
    const auto media_type = content_type.substr(0, content_type.find(';'));
    auto trimmed = media_type;
    while (!trimmed.empty() && trimmed.back() == ' ')
        trimmed.remove_suffix(1);
    return aq::detail::iequals(trimmed, "application/json");
}

/// The token of `Authorization: Bearer TOKEN`, the scheme in any case (RFC 9110 §11.1).
std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ' ||
        !aq::detail::iequals(authorization.substr(0, scheme.size()), scheme))
        return std::nullopt;
    auto token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    return token;
}

/// Why the request may not use the admin API, or nothing when it may.
std::optional<admin_error> refusal(const admin_access& access, const http_request& request,
                                   const admin_route& route) {
    if (!host_allowed(access, text_of(request[http::field::host])))
        return admin_error{403, "the Host header does not name this receiver (see --admin-host)"};
    if (access.token && !route.open) {
        const auto token = bearer_token(text_of(request[http::field::authorization]));
        if (!token || !token_matches(*access.token, *token))
            return admin_error{401, "this receiver's admin API needs its token: Authorization: Bearer TOKEN"};
    }
    if (route.method != http::verb::get) {
        if (!is_json(text_of(request[http::field::content_type])))
            return admin_error{415, "a request that changes the receiver sends Content-Type: application/json"};
        if (cross_site(request)) return admin_error{403, "cross-site requests may not change the receiver"};
    }
    return std::nullopt;
}

/// 405, naming the methods the path takes in the message and in `Allow` (RFC 9110 §15.5.6).
handler_result method_not_allowed(const std::vector<http::verb>& methods, const http_request& request) {
    std::string message = "use", allow;
    for (const auto method : methods) {
        const std::string name(http::to_string(method));
        message += (allow.empty() ? " " : " or ") + name;
        allow += (allow.empty() ? "" : ", ") + name + (method == http::verb::get ? ", HEAD" : "");
    }
    auto response = error_message(405, message, request);
    response.set(http::field::allow, allow);
    return respond_with(std::make_shared<const http_response>(std::move(response)));
}

} // namespace

bool token_matches(const std::string& configured, std::string_view token) {
    return token.size() == configured.size() &&
           CRYPTO_memcmp(token.data(), configured.data(), token.size()) == 0;
}

std::optional<std::string> admin_token_problem(std::string_view token) {
    if (token.empty()) return std::string("the token is empty");
    if (token.size() < min_admin_token_length)
        return "a token has at least " + std::to_string(min_admin_token_length) + " characters";
    if (std::any_of(token.begin(), token.end(), [](char c) { return c <= ' ' || c > '~'; }))
        return std::string("a token is visible ASCII characters, without spaces or control characters");
    return std::nullopt;
}

std::optional<std::string> admin_token_for(const std::string& listen_address,
                                           std::optional<std::string> given) {
    if (given) return given;
    boost::system::error_code ec;
    const auto address = net::ip::make_address(listen_address, ec);
    if (!ec && address.is_loopback()) return std::nullopt;
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1)
        throw std::runtime_error("cannot make an admin token: no randomness");
    std::string token;
    for (const unsigned char byte : random) {
        token += "0123456789abcdef"[byte >> 4];
        token += "0123456789abcdef"[byte & 15];
    }
    return token;
}

handler_result handle_admin(receiver_state& state, const http_request& request) {
    const auto target = text_of(request.target());
    const auto path = target.substr(admin_prefix.size(), target.find('?') - admin_prefix.size());
    const admin_call base{state, request, {}};
    const auto method = request.method() == http::verb::head ? http::verb::get : request.method();

    const admin_route* resource = nullptr; // the first route whose path matches
    std::vector<http::verb> allowed;       // the methods of its path
    for (const auto& route : routes) {
        const auto argument = match_path(route.path, path);
        if (!argument) continue;
        if (resource && route.path != resource->path) break;
        resource = &route;
        if (route.method != method) {
            allowed.push_back(route.method);
            continue;
        }
        if (auto refused = refusal(state.settings().admin, request, route))
            return base.error(*refused);
        return route.handle(admin_call{state, request, *argument});
    }
    if (!allowed.empty()) return method_not_allowed(allowed, request);
    return base.error(404, "no admin endpoint " + std::string(target.substr(0, target.find('?'))));
}

} // namespace aqhook
