#include "request_handler.hpp"
#include "admin_api.hpp"
#include "relay.hpp"
#include "response_message.hpp"

#include <allquiet/webhook/patch.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>

namespace aqhook {

namespace json = boost::json;

http_response json_text_response(unsigned status, std::string body, const http_request& request) {
    http_response response{static_cast<http::status>(status), request.version()};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

response_ptr json_response(unsigned status, const json::value& body, const http_request& request) {
    return std::make_shared<const http_response>(json_text_response(status, json::serialize(body), request));
}

namespace {

/// A delivery's answer held until its journal entry is in the journal file, then for what is left
/// of its delay: an answered delivery is never lost, even if the process is killed. Cancelled
/// (the server stops, the client is gone), it answers as soon as the entry is committed.
class committed_answer final : public pending_response, public std::enable_shared_from_this<committed_answer> {
  public:
    committed_answer(aqhook::journal& journal, send_response answer)
        : journal_(journal), answer_(std::move(answer)),
          due_(std::chrono::steady_clock::now() + answer_.delay) {}

    // The journal's callback runs on the journal file's writer thread, and answers from there
    // when no delay is left (`ready` may be called from any thread); the rest runs on the
    // connection's executor, whose work the callback counts until it runs.
    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        {
            std::lock_guard lock(mutex_);
            ready_ = std::move(ready);
            connection_ = where.connection;
        }
        journal_.when_written([self = shared_from_this(),
                                      busy = boost::asio::prefer(where.connection,
                                                                 boost::asio::execution::outstanding_work.tracked)] {
            self->committed();
        });
    }

    void cancel() override {
        std::unique_lock lock(mutex_);
        cancelled_ = true;
        if (delay_)
            delay_->cancel(); // its handler answers
        else if (committed_)
            answer(lock);
    }

  private:
    void committed() {
        std::unique_lock lock(mutex_);
        committed_ = true;
        if (cancelled_ || std::chrono::steady_clock::now() >= due_) return answer(lock);
        boost::asio::post(connection_, [self = shared_from_this()] { self->wait_out_delay(); });
    }

    void wait_out_delay() {
        std::unique_lock lock(mutex_);
        if (cancelled_) return answer(lock);
        delay_.emplace(connection_, due_);
        delay_->async_wait([self = shared_from_this()](boost::system::error_code) {
            std::unique_lock lock(self->mutex_);
            self->answer(lock);
        });
    }

    void answer(std::unique_lock<std::mutex>& lock) {
        if (!ready_) return; // answered already
        auto ready = std::exchange(ready_, nullptr);
        lock.unlock();
        ready(answer_.response);
    }

    aqhook::journal& journal_;
    const send_response answer_;
    const std::chrono::steady_clock::time_point due_;
    std::mutex mutex_; // the writer thread's callback and the connection's executor meet here
    std::function<void(response_ptr)> ready_;
    boost::asio::any_io_executor connection_;
    std::optional<boost::asio::steady_timer> delay_;
    bool committed_ = false, cancelled_ = false;
};

/// A forwarded delivery's answer, the target's, held until its entry, the target's answer in it, is
/// in the journal file.
class written_first final : public pending_response {
  public:
    written_first(aqhook::journal& journal, std::shared_ptr<pending_response> relay)
        : journal_(journal), relay_(std::move(relay)) {}

    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        relay_->start(where, [&journal = journal_, ready = std::move(ready),
                              busy = boost::asio::prefer(where.connection,
                                                         boost::asio::execution::outstanding_work.tracked)](
                                 response_ptr answer) {
            journal.when_written([ready, busy, answer = std::move(answer)] { ready(answer); });
        });
    }

    void cancel() override { relay_->cancel(); }

  private:
    aqhook::journal& journal_;
    std::shared_ptr<pending_response> relay_;
};

} // namespace

handler_result handle_request(receiver_state& state, http_request& request, std::string source) {
    if (is_admin_target(request.target())) return handle_admin(state, request);
    auto result = answer_delivery(state, request, std::move(source));
    if (!state.journal().durable()) return result;
    if (auto* answer = std::get_if<send_response>(&result.decision))
        result.decision = await_response{std::make_shared<committed_answer>(state.journal(), std::move(*answer))};
    else if (auto* later = std::get_if<await_response>(&result.decision))
        later->pending = std::make_shared<written_first>(state.journal(), std::move(later->pending));
    return result;
}

std::string source_address(const receiver_settings& settings, const http::fields& head, std::string_view peer) {
    if (!settings.trust_forwarded_for) return std::string(peer);
    std::string_view last_hop;
    for (auto [line, end] = head.equal_range("X-Forwarded-For"); line != end; ++line) {
        const std::string_view hops = text_of(line->value());
        const auto last_comma = hops.rfind(',');
        // an empty last element names no hop: the line before it does not count
        last_hop = without_blanks(last_comma == std::string_view::npos ? hops : hops.substr(last_comma + 1));
    }
    return std::string(last_hop.empty() ? peer : last_hop);
}

bool refused_by_source(const receiver_state& state, const http::request_header<>& head, std::string_view source) {
    const auto& allowed = state.settings().allowed_sources;
    return allowed && !is_admin_target(head.target()) && !allowed->contains(source);
}

namespace {

std::string_view path_of(const http_request& request) {
    const auto target = text_of(request.target());
    return target.substr(0, target.find('?'));
}

// ---- verify -------------------------------------------------------------------------------------

/// Without secrets nothing is checked and every delivery counts as unsigned (`no_secret`).
aq::verification verify(const loaded_config& loaded, const http_request& request) {
    auto checked = loaded.verifier.check(request);
    if (loaded.config->secrets.empty()) checked.error = aq::error::no_secret;
    return checked;
}

// ---- choose the rule ----------------------------------------------------------------------------

/// The delivery's body as JSON, read at most once and only as far as a stage needs it: the
/// values at the `json` conditions' pointers in one streaming pass, or, when a response renders
/// a template, the whole tree, which the conditions then read too.
class delivery_body {
  public:
    delivery_body(const receiver_config& config, std::string_view text) : config_(config), text_(text) {}

    /// The value at a `json` condition's slot; nullptr where there is none or the body is not JSON.
    const json::value* at(std::size_t slot) {
        if (config_.renders_templates) {
            const auto* document = tree();
            return document ? config_.json_conditions.find(*document, slot) : nullptr;
        }
        if (!probed_) probed_.emplace(config_.json_conditions.read(text_, &arena_));
        if (!*probed_ || !(**probed_)[slot]) return nullptr;
        return &*(**probed_)[slot];
    }

    /// The whole body; nullptr when it is not JSON.
    const json::value* tree() {
        if (!parsed_) parsed_.emplace(aq::detail::parse_json_text(text_, &arena_));
        return *parsed_ ? &**parsed_ : nullptr;
    }

  private:
    const receiver_config& config_;
    std::string_view text_;
    // What is read lives only while the response is chosen and built: an arena that starts on
    // the stack holds it.
    unsigned char arena_start_[16 * 1024];
    json::monotonic_resource arena_{arena_start_, sizeof arena_start_};
    std::optional<std::optional<std::vector<std::optional<json::value>>>> probed_;
    std::optional<aq::result<json::value>> parsed_;
};

bool rule_matches(const match_spec& match, const http_request& request, verification_status verification,
                  delivery_body& body) {
    if (match.method && *match.method != text_of(request.method_string())) return false;
    if (match.path && !glob_match(*match.path, path_of(request))) return false;
    for (const auto& expected : match.headers) {
        const auto found = request.find(expected.name);
        if (found == request.end() || text_of(found->value()) != expected.value) return false;
    }
    for (const auto& condition : match.json) {
        const auto* actual = body.at(condition.slot);
        if (!actual || *actual != condition.expected) return false;
    }
    return !match.verification || *match.verification == verification;
}

struct chosen_response {
    const configured_response* response;
    std::optional<std::string> rule; ///< the name of the rule that matched; empty for the default
};

/// The first rule whose conditions hold and, in a scenario, whose scenario lets it answer (moving
/// the scenario on); a rule outside scenarios takes no lock.
chosen_response choose_rule(const loaded_config& loaded, const http_request& request,
                            verification_status verification, delivery_body& body) {
    const auto& rules = loaded.config->rules;
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (rule_matches(rules[i].match, request, verification, body) &&
            (!rules[i].scenario || loaded.scenarios->take(*rules[i].scenario))) {
            loaded.count_match(i);
            return {&rules[i].respond.next(), rules[i].name};
        }
    return {&loaded.config->fallback.next(), std::nullopt};
}

// ---- build the response -------------------------------------------------------------------------

handler_decision build_response(const configured_response& chosen, const http_request& request,
                                delivery_body& body) {
    if (chosen.fault_kind) return withhold_answer{*chosen.fault_kind};
    if (!chosen.body_template)
        return send_response{request.version() == 11 && request.keep_alive()
                                 ? chosen.fixed
                                 : std::make_shared<const http_response>(make_response(
                                       chosen, request.version(), request.keep_alive(), chosen.body)),
                             chosen.delay};
    static const json::value no_json = json::object();
    const auto* context = body.tree();
    aq::render_options options;
    options.max_steps = response_template_steps;
    auto rendered = chosen.body_template->render(context ? *context : no_json, options);
    std::optional<aq::input_error> problem;
    if (!rendered)
        problem = rendered.error();
    else if (chosen.template_is_patch)
        if (auto patch = aq::parse_patch(*rendered); !patch) problem = patch.error();
    if (problem) // the configuration's fault, not the sender's: 500 with the reason, journaled
        return send_response{
            json_response(500, json::object{{"error", "response template: " + problem->message()}}, request)};
    return send_response{std::make_shared<const http_response>(make_response(
                             chosen, request.version(), request.keep_alive(), std::move(*rendered))),
                         chosen.delay};
}

// ---- record -------------------------------------------------------------------------------------

/// The journal entry of a delivery as it arrived, and how its signature was judged; its body is
/// moved in (read for the last time).
aq::journal_entry delivery_entry(http_request& request, std::string source, const aq::verification& verified,
                                 std::optional<std::string> rule) {
    aq::journal_entry entry;
    entry.received_at = aq::timestamp::now();
    entry.remote_address = std::move(source);
    entry.method = text_of(request.method_string());
    entry.target = text_of(request.target());
    entry.headers = header_fields(request);
    entry.body = std::move(request.body());
    entry.verification = verified;
    entry.rule = std::move(rule);
    return entry;
}

std::uint64_t record(aqhook::journal& journal, http_request& request, std::string source,
                     const aq::verification& verified, std::optional<std::string> rule,
                     const handler_decision& decision) {
    auto entry = delivery_entry(request, std::move(source), verified, std::move(rule));
    if (const auto* withheld = std::get_if<withhold_answer>(&decision)) entry.response.fault = withheld->kind;
    if (const auto* answer = std::get_if<send_response>(&decision)) {
        entry.response.status = answer->response->result_int();
        entry.response.headers = header_fields(*answer->response);
        entry.response.body = answer->response->body();
        entry.response.delay = answer->delay;
    }
    return journal.append(std::move(entry));
}

/// A delivery that goes on to a forward target: journaled now, with where it goes; the relay
/// records the rest when the target's answer, which is the delivery's, comes.
handler_result forward(receiver_state& state, http_request& request, std::string source,
                       const aq::verification& verified, std::optional<std::string> rule,
                       const configured_response& chosen) {
    http_request forwarded = request; // the relay's own: the journal takes the body
    auto entry = delivery_entry(request, source, verified, std::move(rule));
    entry.forward.emplace().url = chosen.forward->shown_url;
    entry.response.delay = chosen.delay;
    handler_result result;
    result.verification = to_string(verified.status());
    result.journal_id = state.journal().append(std::move(entry));
    result.decision =
        await_response{relay_delivery(state, {std::move(forwarded), std::move(source), verified,
                                              *chosen.forward, chosen.delay, result.journal_id})};
    return result;
}

} // namespace

std::vector<aq::header_field> header_fields(const http::fields& fields) {
    std::vector<aq::header_field> out;
    out.reserve(static_cast<std::size_t>(std::distance(fields.begin(), fields.end())));
    for (const auto& field : fields)
        out.push_back({std::string(text_of(field.name_string())), std::string(text_of(field.value()))});
    return out;
}

handler_result refuse_source(const http_request& request) {
    auto result = respond_with(json_response(403, json::object{{"error", "source address not allowed"}}, request));
    result.verification = to_string(verification_status::unsigned_); // its signature is never checked
    return result;
}

handler_result refuse_unreadable(unsigned status, const std::string& reason, const http_request& request) {
    auto result = respond_with(json_response(status, json::object{{"error", reason}}, request));
    result.verification = "-";
    return result;
}

handler_result internal_error(const http_request& request) {
    return respond_with(json_response(500, json::object{{"error", "internal error"}}, request));
}

handler_result answer_delivery(receiver_state& state, http_request& request, std::string source) {
    const auto loaded = state.config();
    const receiver_config& config = *loaded->config;
    const aq::verification verified = verify(*loaded, request);
    handler_result result;
    std::optional<std::string> rule;
    if (verified.status() != verification_status::valid && !config.secrets.empty() &&
        config.policy == verification_policy::enforce) {
        // A test receiver tells the sender why: the point is to debug the signing side.
        result = respond_with(json_response(401, json::object{{"error", verified.error.message()}}, request));
    } else {
        delivery_body body(config, request.body());
        auto chosen = choose_rule(*loaded, request, verified.status(), body);
        const auto& response = *chosen.response;
        if (response.forward && !response.fault_kind)
            return forward(state, request, std::move(source), verified, std::move(chosen.rule), response);
        result.decision = build_response(response, request, body);
        rule = std::move(chosen.rule);
    }
    result.verification = to_string(verified.status());
    result.journal_id =
        record(state.journal(), request, std::move(source), verified, std::move(rule), result.decision);
    return result;
}

} // namespace aqhook
