#include "receiver_config.hpp"
#include "config_checks.hpp"
#include "response_message.hpp"
#include "text_encoding.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <unordered_set>

namespace aqhook {

namespace json = boost::json;

namespace {

/// Every check below runs where the member sits in `to_json(model)`, so that an error points
/// where the document would have it.
template <class Check>
decltype(auto) at(json_reader& r, std::string_view key, Check&& check) {
    json_scope scope(r, key);
    return std::forward<Check>(check)();
}

/// The names of one list seen so far. A name given twice cannot be written as one JSON object;
/// only a model built in C++ can hold it. Hashed: a list may have a hundred thousand names.
class unique_names {
  public:
    void add(json_reader& r, std::string_view name) {
        if (!seen_.insert(name).second) r.fail(aq::error::conflicting_members, "given twice");
    }

  private:
    std::unordered_set<std::string_view> seen_;
};

std::vector<aq::header_field> compile_headers(json_reader& r, const std::vector<aq::header_field>& headers,
                                              bool response) {
    unique_names names;
    for (const auto& header : headers)
        at(r, header.name, [&] {
            names.add(r, header.name);
            check_header(r, header, response);
        });
    return headers;
}

/// The Content-Type a body kind is sent with, unless the response's headers give one.
std::optional<std::string_view> default_content_type(const aq::response_body& body) {
    if (std::holds_alternative<std::monostate>(body)) return std::nullopt;
    if (std::holds_alternative<aq::text_body>(body) || std::holds_alternative<aq::body_template>(body))
        return "text/plain; charset=utf-8";
    return "application/json; charset=utf-8";
}

void compile_body(json_reader& r, const aq::response_body& body, configured_response& out) {
    if (std::holds_alternative<std::monostate>(body)) return;
    json_scope scope(r, body_member(body));
    if (const auto* text = std::get_if<aq::text_body>(&body)) {
        out.body = text->text;
    } else if (const auto* value = std::get_if<aq::json_body>(&body)) {
        check_finite(r, value->value);
        out.body = json::serialize(value->value);
    } else if (const auto* patch = std::get_if<aq::patch_body>(&body)) {
        out.body = json::serialize(aq::to_json(check_patch(r, patch->value)));
    } else if (const auto* text_template = std::get_if<aq::body_template>(&body)) {
        out.body_template = std::make_shared<const aq::handlebars_template>(check_template(r, text_template->source));
    } else if (const auto* patch_template = std::get_if<aq::patch_template>(&body)) {
        out.body_template = std::make_shared<const aq::handlebars_template>(check_template(r, patch_template->source));
        out.template_is_patch = true;
    }
}

/// `url` as people are shown it: the user information a URL may carry (a password) left out.
std::string shown_url(const aq::http_url& url) { return url.scheme + "://" + url.host_header() + url.target; }

configured_response compile_response(json_reader& r, const aq::mock_response& response) {
    configured_response out;
    out.status = at(r, "status", [&] { return check_status(r, response.status()); });
    out.headers = at(r, "headers", [&] { return compile_headers(r, response.headers(), true); });
    compile_body(r, response.body(), out);
    check_body_allowed(r, out.status, response.body());
    out.delay = at(r, "delayMs", [&] { return check_delay(r, response.delay().count()); });
    out.fault_kind = response.fault();
    if (auto url = check_forward(r, response))
        out.forward = configured_forward{*url, shown_url(*url), response.forward()->timeout};
    const bool sets_type = std::any_of(out.headers.begin(), out.headers.end(), [](const aq::header_field& h) {
        return aq::detail::iequals(h.name, "Content-Type");
    });
    if (const auto type = default_content_type(response.body()); type && !sets_type)
        out.headers.push_back({"Content-Type", std::string(*type)});
    return out;
}

/// One response, or `sequence` (as `to_json` writes them).
response_sequence compile_responses(json_reader& r, const std::vector<aq::mock_response>& responses) {
    if (responses.size() == 1) return response_sequence({compile_response(r, responses.front())});
    json_scope scope(r, "sequence");
    std::vector<configured_response> out;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        json_scope item(r, i);
        out.push_back(compile_response(r, responses[i]));
    }
    return response_sequence(std::move(out));
}

match_spec compile_match(json_reader& r, const aq::request_match& match, json_probe& json_conditions) {
    match_spec out;
    out.method = match.method();
    if (out.method) at(r, "method", [&] { check_method(r, *out.method); });
    out.path = match.path();
    if (out.path) at(r, "path", [&] { check_path(r, *out.path); });
    out.headers = at(r, "headers", [&] { return compile_headers(r, match.headers(), false); });
    json_scope conditions(r, "json");
    unique_names pointers;
    for (const auto& condition : match.json())
        at(r, condition.pointer, [&] {
            pointers.add(r, condition.pointer);
            check_finite(r, condition.expected);
            out.json.push_back({json_conditions.add(check_pointer(r, condition.pointer)), condition.expected});
        });
    out.verification = match.verification();
    return out;
}

rule compile_rule(json_reader& r, const aq::mock_rule& given, std::size_t index, json_probe& json_conditions) {
    std::string label = rule_label(given, index);
    return in_rule(label, [&] {
        auto match = at(r, "match", [&] { return compile_match(r, given.match(), json_conditions); });
        check_has_answer(r, given.responses());
        auto respond = at(r, "respond", [&] { return compile_responses(r, given.responses()); });
        if (given.scenario()) at(r, "scenario", [&] { check_scenario(r, *given.scenario()); });
        return rule{label, std::move(match), std::move(respond), given.scenario()};
    });
}

/// The command line's additions: secrets not given yet, and members replaced.
void apply_overrides(json_reader& r, aq::mock_config& model, const config_overrides& overrides) {
    for (const auto& secret : overrides.secrets) // a secret given twice is tried once
        if (std::find(model.secrets().begin(), model.secrets().end(), secret) == model.secrets().end())
            model.secret(secret);
    if (overrides.signing_method)
        model.signing_methods(at(r, "signingMethod", [&] {
            return read_choice(r, json::value(*overrides.signing_method), signing_method_names);
        }));
    if (overrides.tolerance_seconds)
        model.tolerance(at(r, "toleranceSeconds", [&] { return read_tolerance(r, *overrides.tolerance_seconds); }));
    if (overrides.policy)
        model.policy(at(r, "policy", [&] { return read_choice(r, json::value(*overrides.policy), policy_names); }));
    if (overrides.forward_to && model.fallback().empty())
        model.otherwise(aq::mock_response().forward_to(*overrides.forward_to));
}

aq::timestamp_tolerance compile_tolerance(json_reader& r, const std::optional<std::chrono::seconds>& bound) {
    if (!bound) return aq::timestamp_tolerance::none();
    return aq::timestamp_tolerance::symmetric(
        std::chrono::seconds(check_range(r, bound->count(), 0, max_tolerance_seconds)));
}

void compile_into(json_reader& r, receiver_config& config) {
    const auto& model = config.model;
    at(r, "secrets", [&] {
        for (std::size_t i = 0; i < model.secrets().size(); ++i) {
            json_scope item(r, i);
            check_secret(r, model.secrets()[i]);
        }
    });
    config.secrets = model.secrets();
    config.methods = model.signing_methods();
    config.tolerance = at(r, "toleranceSeconds", [&] { return compile_tolerance(r, model.tolerance()); });
    config.policy = model.policy();
    at(r, "rules", [&] {
        // The journal, strict mode's report and the web page name a rule by its name alone.
        std::unordered_set<std::string> names;
        for (std::size_t i = 0; i < model.rules().size(); ++i) {
            json_scope item(r, i);
            config.rules.push_back(compile_rule(r, model.rules()[i], i, config.json_conditions));
            const auto& name = config.rules.back().name;
            if (!names.insert(name).second)
                r.fail_at("name", aq::error::conflicting_members,
                          "another rule is named '" + name + "': the journal could not tell them apart");
        }
    });
    if (!model.fallback().empty())
        config.fallback = at(r, "default", [&] { return compile_responses(r, model.fallback()); });
    auto renders = [](const response_sequence& sequence) {
        return std::any_of(sequence.items().begin(), sequence.items().end(),
                           [](const configured_response& item) { return item.body_template != nullptr; });
    };
    config.renders_templates =
        renders(config.fallback) ||
        std::any_of(config.rules.begin(), config.rules.end(), [&](const rule& r) { return renders(r.respond); });
}

} // namespace

aq::result<std::shared_ptr<const receiver_config>> compile_receiver_config(aq::mock_config model,
                                                                           const config_overrides& overrides) {
    using compiled = std::shared_ptr<const receiver_config>;
    return aq::detail::read_reporting_failure<compiled>([&](json_reader& r, compiled& out) {
        auto config = std::make_shared<receiver_config>();
        apply_overrides(r, model, overrides);
        check_utf8(r, aq::to_json(model));
        config->model = std::move(model);
        compile_into(r, *config);
        out = std::move(config);
    });
}

aq::result<std::shared_ptr<const receiver_config>> parse_receiver_config(std::string_view json_text,
                                                                         const config_overrides& overrides) {
    auto model = aq::parse_mock_config(json_text);
    if (!model) return model.error();
    return compile_receiver_config(std::move(*model), overrides);
}

response_sequence::response_sequence(std::vector<configured_response> items)
    : items_(std::move(items)), next_(std::make_unique<std::atomic<std::size_t>>(0)) {
    for (auto& item : items_)
        if (!item.body_template && !item.forward)
            item.fixed = std::make_shared<const http_response>(make_response(item, 11, true, item.body));
}

std::optional<std::string> scenario_text_problem(std::string_view text) {
    if (text.empty() || text.size() > max_scenario_text || !is_valid_utf8(text))
        return "a scenario name or state is 1 to " + std::to_string(max_scenario_text) + " bytes of UTF-8";
    return std::nullopt;
}

json::value redacted(const receiver_config& config) {
    json::value out = aq::to_json(config.model);
    for (auto& secret : out.at("secrets").as_array())
        secret = "<redacted>";
    return out;
}

} // namespace aqhook
