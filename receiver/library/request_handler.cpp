#include "request_handler.hpp"
#include "sample_incident.hpp"
#include "web_page.hpp"

#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/patch.hpp>

#include <boost/json/serialize.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <variant>

namespace aqhook {

namespace json = boost::json;

receiver_state::receiver_state(std::string_view config_json, receiver_settings settings)
    : settings_(std::move(settings)), config_(load(config_json).value()), journal_(settings_.journal_size) {}

aq::result<std::shared_ptr<const loaded_config>> receiver_state::load(std::string_view config_json) const {
    auto config = parse_receiver_config(config_json, settings_.overrides);
    if (!config) return config.error();
    aq::verifier_options options;
    options.secrets = (*config)->secrets;
    options.methods = (*config)->methods;
    options.tolerance = (*config)->tolerance;
    return std::make_shared<const loaded_config>(loaded_config{*config, aq::verifier(std::move(options))});
}

std::optional<aq::input_error> receiver_state::replace_config(std::string_view config_json) {
    auto loaded = load(config_json);
    if (!loaded) return loaded.error();
    std::lock_guard lock(mutex_);
    config_ = std::move(*loaded);
    generation_.fetch_add(1, std::memory_order_release);
    return std::nullopt;
}

std::shared_ptr<const http_response> json_reply(unsigned status, const json::value& body, unsigned version,
                                                bool keep_alive) {
    http_response reply{static_cast<http::status>(status), version};
    reply.set(http::field::content_type, "application/json");
    reply.set(http::field::cache_control, "no-store");
    reply.keep_alive(keep_alive);
    reply.body() = json::serialize(body);
    reply.prepare_payload();
    return std::make_shared<const http_response>(std::move(reply));
}

std::shared_ptr<const http_response> wait_reply(const receiver_state& state, bool reached, unsigned version,
                                                bool keep_alive) {
    if (!reached)
        return json_reply(408, json::object{{"error", "timed out before the journal held enough entries"}},
                          version, keep_alive);
    json::array entries;
    for (const auto& entry : state.journal().snapshot())
        entries.push_back(aq::to_json(entry));
    return json_reply(200, entries, version, keep_alive);
}

namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

/// The value of `name` in the target's query string, undecoded (admin parameters are numbers).
std::optional<std::string_view> query_parameter(std::string_view target, std::string_view name) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) return std::nullopt;
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    return std::nullopt;
}

std::optional<long long> parse_number(std::string_view text, long long min, long long max) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return std::nullopt;
    return value;
}

/// The page's "Trigger Dummy Request": the sample incident, signed as asked, to `path`.
/// Returns the request, or why the form is wrong.
std::variant<http_request, std::string> dummy_delivery(std::string_view form_json) {
    const auto form = aq::detail::parse_json_text(form_json);
    if (!form || !form->is_object()) return std::string("expected a JSON object");
    const auto& o = form->as_object();
    auto text = [&](std::string_view key, std::string_view fallback) -> std::optional<std::string> {
        const auto* v = o.if_contains(key);
        if (!v) return std::string(fallback);
        if (!v->is_string()) return std::nullopt;
        return std::string(v->as_string());
    };
    const auto method = text("signingMethod", "allquiet");
    const auto secret = text("secret", "");
    const auto path = text("path", "/hooks/dummy");
    if (!method || !secret || !path) return std::string("signingMethod, secret and path are strings");
    if (path->empty() || path->front() != '/' || path->rfind(admin_prefix, 0) == 0 ||
        !aq::detail::is_field_value(*path) || path->find(' ') != std::string::npos)
        return std::string("path must start with / and lie outside ") + std::string(admin_prefix);
    const auto signing = aq::signing_method_from_string(*method);
    if (!signing && *method != "none") return std::string("signingMethod is allquiet, aws or none");
    if (signing && secret->empty()) return std::string("signing needs a secret");

    http_request request{http::verb::post, *path, 11};
    request.set(http::field::host, "aqhook");
    request.set(http::field::content_type, "application/json; charset=utf-8");
    request.body() = json::serialize(json::parse(sample_incident_json));
    if (signing) {
        const auto headers = aq::sign_now(*signing, *secret, request.body());
        request.set(headers.signature.name, headers.signature.value);
        request.set(headers.timestamp.name, headers.timestamp.value);
    }
    request.prepare_payload();
    return request;
}

handler_result admin(receiver_state& state, const http_request& request) {
    const auto version = request.version();
    const bool keep_alive = request.keep_alive();
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = path_of(target).substr(admin_prefix.size());
    const auto method = request.method();
    auto reply = [&](unsigned status, const json::value& body) {
        handler_result result;
        result.reply = json_reply(status, body, version, keep_alive);
        return result;
    };
    auto error_reply = [&](unsigned status, std::string message) {
        return reply(status, json::object{{"error", std::move(message)}});
    };
    auto only = [&](std::initializer_list<http::verb> allowed) {
        for (auto v : allowed)
            if (v == method) return true;
        return false;
    };

    if (path.empty()) {
        if (!only({http::verb::get, http::verb::head})) return error_reply(405, "use GET");
        handler_result result;
        http_response page{http::status::ok, version};
        page.set(http::field::content_type, "text/html; charset=utf-8");
        page.set(http::field::cache_control, "no-store");
        // The page needs nothing from elsewhere; forbidding it keeps a delivery's body inert.
        page.set(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
        page.body() = web_page_html;
        page.keep_alive(keep_alive);
        page.prepare_payload();
        result.reply = std::make_shared<const http_response>(std::move(page));
        return result;
    }
    if (path == "dummy") {
        if (!only({http::verb::post})) return error_reply(405, "use POST");
        auto dummy = dummy_delivery(request.body());
        if (auto* problem = std::get_if<std::string>(&dummy)) return error_reply(400, *problem);
        const auto answered = handle_request(state, std::get<http_request>(dummy), "127.0.0.1");
        return reply(
            200,
            json::object{{"status", answered.fault_kind == fault::none ? answered.reply->result_int() : 0u}});
    }
    if (path == "health") {
        if (!only({http::verb::get, http::verb::head})) return error_reply(405, "use GET");
        return reply(200, json::object{{"status", "ok"}});
    }
    if (path == "requests") {
        if (method == http::verb::delete_) {
            state.journal().clear();
            return reply(200, json::object{{"cleared", true}});
        }
        if (!only({http::verb::get, http::verb::head})) return error_reply(405, "use GET or DELETE");
        json::array entries;
        for (const auto& entry : state.journal().snapshot())
            entries.push_back(aq::to_json(entry));
        return reply(200, entries);
    }
    if (path == "requests/wait") {
        if (!only({http::verb::get})) return error_reply(405, "use GET");
        const auto capacity = static_cast<long long>(state.journal().capacity());
        const auto count = parse_number(query_parameter(target, "count").value_or(""), 1, capacity);
        if (!count)
            return error_reply(400, "count must be a whole number from 1 to the journal size, " +
                                        std::to_string(capacity));
        const auto timeout = parse_number(query_parameter(target, "timeoutMs").value_or("10000"), 0, 600'000);
        if (!timeout) return error_reply(400, "timeoutMs must be a whole number from 0 to 600000");
        handler_result result;
        result.wait = wait_instruction{static_cast<std::size_t>(*count), std::chrono::milliseconds(*timeout)};
        return result;
    }
    if (path.substr(0, 9) == "requests/") {
        if (!only({http::verb::get, http::verb::head})) return error_reply(405, "use GET");
        const auto id = parse_number(path.substr(9), 1, INT64_MAX);
        const auto entry = id ? state.journal().find(static_cast<std::uint64_t>(*id)) : std::nullopt;
        if (!entry) return error_reply(404, "no journal entry " + std::string(path.substr(9)));
        return reply(200, aq::to_json(*entry));
    }
    if (path == "config") {
        if (method == http::verb::put) {
            if (auto problem = state.replace_config(request.body()))
                return error_reply(400, problem->message());
            return reply(200, redacted(*state.config()->config));
        }
        if (!only({http::verb::get, http::verb::head})) return error_reply(405, "use GET or PUT");
        return reply(200, redacted(*state.config()->config));
    }
    return error_reply(404, "no admin endpoint " + std::string(path_of(target)));
}

/// The peer, or with `trust_forwarded_for` the last X-Forwarded-For hop (the one the trusted
/// proxy added).
std::string_view source_address(const receiver_settings& settings, const http_request& request,
                                std::string_view peer) {
    if (settings.trust_forwarded_for) {
        const auto forwarded = request.find("X-Forwarded-For");
        if (forwarded != request.end()) {
            std::string_view hops(forwarded->value().data(), forwarded->value().size());
            std::string_view last =
                hops.substr(hops.rfind(',') == std::string_view::npos ? 0 : hops.rfind(',') + 1);
            while (!last.empty() && (last.front() == ' ' || last.front() == '\t'))
                last.remove_prefix(1);
            while (!last.empty() && (last.back() == ' ' || last.back() == '\t'))
                last.remove_suffix(1);
            if (!last.empty()) return last;
        }
    }
    return peer;
}

/// Writes a message's header fields, in order, into `out`, reusing the strings it has.
void copy_headers(const http::fields& fields, std::vector<aq::header_field>& out) {
    out.resize(static_cast<std::size_t>(std::distance(fields.begin(), fields.end())));
    auto next = out.begin();
    for (const auto& field : fields) {
        next->name.assign(field.name_string().data(), field.name_string().size());
        next->value.assign(field.value().data(), field.value().size());
        ++next;
    }
}

/// How the journal names a fault.
std::optional<std::string_view> fault_name(fault kind) {
    switch (kind) {
    case fault::reset: return "reset";
    case fault::timeout: return "timeout";
    case fault::none: break;
    }
    return std::nullopt;
}

/// Writes `text`, or its absence, into `out`, reusing the string `out` has.
void assign(std::optional<std::string>& out, std::optional<std::string_view> text) {
    if (!text)
        out.reset();
    else if (out)
        out->assign(*text);
    else
        out.emplace(*text);
}

/// The values a delivery's JSON body holds at the configuration's pointers, read at most once;
/// nullopt when the body is not JSON.
using json_condition_values = std::optional<std::vector<std::optional<json::value>>>;

bool rule_matches(const match_spec& match, const http_request& request, std::string_view path,
                  verification_status verification, const json_condition_values& body_values) {
    if (match.method &&
        *match.method != std::string_view(request.method_string().data(), request.method_string().size()))
        return false;
    if (match.path && !glob_match(*match.path, path)) return false;
    for (const auto& expected : match.headers) {
        const auto found = request.find(expected.name);
        if (found == request.end() ||
            std::string_view(found->value().data(), found->value().size()) != expected.value)
            return false;
    }
    if (!match.json.empty()) {
        if (!body_values) return false;
        for (const auto& condition : match.json) {
            const auto& actual = (*body_values)[condition.slot];
            if (!actual || *actual != condition.expected) return false;
        }
    }
    return !match.verification || *match.verification == verification;
}

} // namespace

handler_result handle_request(receiver_state& state, http_request& request, std::string_view peer_address) {
    connection_memory memory;
    return handle_request(state, request, peer_address, memory);
}

handler_result handle_request(receiver_state& state, http_request& request, std::string_view peer_address,
                              connection_memory& memory) {
    const std::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, admin_prefix.size()) == admin_prefix) return admin(state, request);

    const loaded_config& loaded = state.config(memory.config);
    const receiver_config& config = *loaded.config;
    aq::journal_entry& entry = *memory.entry;

    // Every member of the entry is written: it may hold an earlier delivery.
    entry.received_at = aq::timestamp::now();
    entry.remote_address.assign(source_address(state.settings(), request, peer_address));
    entry.method.assign(request.method_string().data(), request.method_string().size());
    entry.target.assign(target);
    copy_headers(request, entry.headers);

    // Verification: without secrets nothing is checked and every delivery counts as unsigned.
    const auto checked = loaded.verifier.check(request);
    verification_status status = verification_status::invalid;
    if (checked.valid())
        status = verification_status::valid;
    else if (checked.error == aq::error::unsigned_request || config.secrets.empty())
        status = verification_status::unsigned_;
    entry.verification.status.assign(to_string(status));
    entry.verification.method = checked.method;
    assign(entry.verification.error, !config.secrets.empty() && !checked.valid()
                                         ? std::optional<std::string_view>(checked.error.message())
                                         : std::nullopt);

    handler_result result;
    result.verification = entry.verification.status;
    const auto version = request.version();
    const bool keep_alive = request.keep_alive();

    std::optional<std::string_view> rule_name; // of the rule that matched
    auto finish = [&](handler_result out) {
        assign(entry.rule, rule_name);
        entry.response.status = out.fault_kind == fault::none ? out.reply->result_int() : 0;
        assign(entry.response.fault, fault_name(out.fault_kind));
        copy_headers(*out.reply, entry.response.headers);
        entry.response.body.assign(out.reply->body());
        entry.body = std::move(request.body()); // read for the last time above
        state.journal().append(memory.entry);
        return out;
    };

    const auto& allowed = state.settings().allowed_sources;
    if (allowed && !allowed->contains(entry.remote_address)) {
        result.reply =
            json_reply(403, json::object{{"error", "source address not allowed"}}, version, keep_alive);
        return finish(std::move(result));
    }
    if (!config.secrets.empty() && !checked.valid() && config.policy == verification_policy::enforce) {
        result.reply = json_reply(401, json::object{{"error", checked.error.message()}}, version, keep_alive);
        return finish(std::move(result));
    }

    // The body's values for json conditions, and the body as JSON for answer templates: each
    // read at most once, into an arena that starts on the stack, since they live only while the
    // answer is chosen.
    unsigned char arena_start[16 * 1024];
    json::monotonic_resource arena(arena_start, sizeof arena_start);
    json_condition_values body_values;
    bool body_probed = false;
    auto probed_body = [&]() -> const json_condition_values& {
        if (!body_probed) body_values = config.json_conditions.read(request.body(), &arena);
        body_probed = true;
        return body_values;
    };

    const response_spec* chosen = nullptr;
    for (const auto& r : config.rules) {
        if (!rule_matches(r.match, request, path_of(target), status,
                          r.match.json.empty() ? body_values : probed_body()))
            continue;
        chosen = &r.respond.next();
        rule_name = r.name;
        break;
    }
    if (!chosen) chosen = &config.fallback.next();

    if (chosen->body_template) {
        static const json::value no_json = json::object();
        const auto context = aq::detail::parse_json_text(request.body(), &arena);
        auto rendered = chosen->body_template->render(context ? *context : no_json);
        std::optional<aq::input_error> problem;
        if (!rendered)
            problem = rendered.error();
        else if (chosen->template_is_patch)
            if (auto patch = aq::parse_patch(*rendered); !patch) problem = patch.error();
        if (problem) {
            // The configuration's fault, not the sender's: 500 with the reason, journaled.
            result.reply = json_reply(500, json::object{{"error", "answer template: " + problem->message()}},
                                      version, keep_alive);
            return finish(std::move(result));
        }
        result.reply = std::make_shared<const http_response>(
            answer_for(*chosen, version, keep_alive, std::move(*rendered)));
    } else if (version == 11 && keep_alive) {
        result.reply = chosen->prepared;
    } else {
        result.reply =
            std::make_shared<const http_response>(answer_for(*chosen, version, keep_alive, chosen->body));
    }
    result.delay = chosen->delay;
    result.fault_kind = chosen->fault_kind;
    return finish(std::move(result));
}

} // namespace aqhook
