// The configuration model's setters, and its JSON document both ways (docs/receiver.md).
#include "config_checks.hpp"

#include <allquiet/webhook/mock_rules.hpp>

#include <boost/json/object.hpp>

namespace allquiet::webhook {

namespace json = boost::json;

mock_response& mock_response::status(unsigned code) {
    status_ = code;
    return *this;
}

mock_response& mock_response::header(std::string name, std::string value) {
    headers_.push_back({std::move(name), std::move(value)});
    return *this;
}

mock_response& mock_response::body(std::string text) {
    body_ = text_body{std::move(text)};
    return *this;
}

mock_response& mock_response::json(json::value body) {
    if (auto* text = body.if_string())
        body_ = text_body{std::string(*text)};
    else
        body_ = json_body{std::move(body)};
    return *this;
}

mock_response& mock_response::patch(const webhook::patch& patch) {
    body_ = patch_body{to_json(patch)};
    return *this;
}

mock_response& mock_response::body_template(std::string handlebars) {
    body_ = webhook::body_template{std::move(handlebars)};
    return *this;
}

mock_response& mock_response::patch_template(std::string handlebars) {
    body_ = webhook::patch_template{std::move(handlebars)};
    return *this;
}

mock_response& mock_response::delay(std::chrono::milliseconds wait) {
    delay_ = wait;
    return *this;
}

mock_response& mock_response::fault(webhook::fault kind) {
    fault_ = kind;
    return *this;
}

mock_response& mock_response::forward_to(std::string url, std::optional<std::chrono::milliseconds> timeout) {
    forward_ = forward_target{std::move(url), timeout};
    return *this;
}

mock_rule& mock_rule::when(request_match match) {
    match_ = std::move(match);
    return *this;
}

mock_rule& mock_rule::respond(mock_response response) {
    responses_.push_back(std::move(response));
    return *this;
}

// when_state and set_state without in_scenario leave the scenario without a name, which loading
// reports.
mock_rule& mock_rule::in_scenario(std::string_view name) {
    if (!scenario_) scenario_.emplace();
    scenario_->name = name;
    return *this;
}

mock_rule& mock_rule::when_state(std::string_view state) {
    if (!scenario_) scenario_.emplace();
    scenario_->when_state = std::string(state);
    return *this;
}

mock_rule& mock_rule::set_state(std::string_view state) {
    if (!scenario_) scenario_.emplace();
    scenario_->set_state = std::string(state);
    return *this;
}

mock_config& mock_config::secret(std::string secret) {
    secrets_.push_back(std::move(secret));
    return *this;
}

mock_config& mock_config::signing_methods(accepted_methods methods) {
    methods_ = methods;
    return *this;
}

mock_config& mock_config::tolerance(std::optional<std::chrono::seconds> bound) {
    tolerance_ = bound;
    return *this;
}

mock_config& mock_config::policy(verification_policy policy) {
    policy_ = policy;
    return *this;
}

mock_config& mock_config::rule(mock_rule rule) {
    rules_.push_back(std::move(rule));
    return *this;
}

mock_config& mock_config::otherwise(mock_response response) {
    fallback_.push_back(std::move(response));
    return *this;
}

} // namespace allquiet::webhook

namespace aqhook {

namespace json = boost::json;
using aq::error;

namespace {

const json::object& expect_object(json_reader& r, const json::value& v, std::string_view what) {
    const auto* object = v.if_object();
    if (!object) aq::detail::fail_type(r, v, what);
    return *object;
}

std::string read_string(json_reader& r, const json::value& v) {
    std::string out;
    aq::detail::read_json(r, v, out);
    return out;
}

std::int64_t read_integer(json_reader& r, const json::value& v) {
    std::int64_t out = 0;
    aq::detail::read_json(r, v, out);
    return out;
}

std::vector<aq::header_field> read_headers(json_reader& r, const json::value& v, bool response) {
    std::vector<aq::header_field> out;
    for (const auto& member : expect_object(r, v, "an object of header names to values")) {
        json_scope at(r, member.key());
        out.push_back({member.key(), read_string(r, member.value())});
        check_header(r, out.back(), response);
    }
    return out;
}

/// `{"url": "http://...", "timeout": ms}`; the URL and the timeout are checked with the rest of
/// the response (`check_forward`).
aq::forward_target read_forward(json_reader& r, const json::value& v) {
    const auto& object = expect_object(r, v, "a forward object");
    if (!object.contains("url")) r.fail_at("url", error::missing_member, {});
    aq::forward_target out;
    for (const auto& member : object) {
        json_scope at(r, member.key());
        if (member.key() == "url")
            out.url = read_string(r, member.value());
        else if (member.key() == "timeout")
            out.timeout = std::chrono::milliseconds(read_integer(r, member.value()));
        else
            r.fail(error::unknown_member, "a forward has url and timeout");
    }
    return out;
}

/// One of the members that give a body; `key` is known to be one of them.
void read_body(json_reader& r, std::string_view key, const json::value& v, aq::mock_response& out) {
    if (key == "patchTemplate" || key == "bodyTemplate") {
        std::string source = read_string(r, v);
        check_template(r, source);
        if (key == "patchTemplate")
            out.patch_template(std::move(source));
        else
            out.body_template(std::move(source));
    } else if (key == "patch") {
        out.patch(check_patch(r, v));
    } else {
        check_finite(r, v);
        out.json(v);
    }
}

aq::mock_response read_single_response(json_reader& r, const json::object& object) {
    aq::mock_response out;
    bool has_body = false;
    for (const auto& member : object) {
        json_scope at(r, member.key());
        const auto key = member.key();
        if (key == "status") {
            out.status(check_status(r, read_integer(r, member.value())));
        } else if (key == "headers") {
            for (auto& field : read_headers(r, member.value(), true))
                out.header(std::move(field.name), std::move(field.value));
        } else if (key == "patch" || key == "body" || key == "patchTemplate" || key == "bodyTemplate") {
            if (std::exchange(has_body, true))
                r.fail(error::conflicting_members, "give one of patch, body, patchTemplate and bodyTemplate");
            read_body(r, key, member.value(), out);
        } else if (key == "delayMs") {
            out.delay(check_delay(r, read_integer(r, member.value())));
        } else if (key == "fault") {
            out.fault(read_choice(r, member.value(), fault_names));
        } else if (key == "forward") {
            auto target = read_forward(r, member.value());
            out.forward_to(std::move(target.url), target.timeout);
        } else if (key == "sequence") {
            r.fail(error::conflicting_members, "a sequence cannot be mixed with other members or nested");
        } else {
            r.fail(error::unknown_member,
                   "a response has status, headers, patch, body, delayMs, fault, forward or sequence");
        }
    }
    check_body_allowed(r, out.status(), out.body());
    check_forward(r, out);
    return out;
}

/// A response object, or `{"sequence": [response, ...]}`.
std::vector<aq::mock_response> read_responses(json_reader& r, const json::value& v) {
    const auto& object = expect_object(r, v, "a response object");
    const auto* sequence = object.if_contains("sequence");
    if (!sequence) return {read_single_response(r, object)};
    if (object.size() != 1) r.fail(error::conflicting_members, "a sequence cannot be mixed with other members");
    json_scope at(r, "sequence");
    const auto* items = sequence->if_array();
    if (!items) aq::detail::fail_type(r, *sequence, "an array of responses");
    if (items->empty()) r.fail(error::out_of_range, "a sequence needs at least one response");
    std::vector<aq::mock_response> responses;
    for (std::size_t i = 0; i < items->size(); ++i) {
        json_scope item(r, i);
        responses.push_back(read_single_response(r, expect_object(r, (*items)[i], "a response object")));
    }
    return responses;
}

aq::request_match read_match(json_reader& r, const json::value& v) {
    aq::request_match out;
    for (const auto& member : expect_object(r, v, "an object of conditions")) {
        json_scope at(r, member.key());
        const auto key = member.key();
        if (key == "method") {
            const std::string method = read_string(r, member.value());
            check_method(r, method);
            out.method(method);
        } else if (key == "path") {
            std::string path = read_string(r, member.value());
            check_path(r, path);
            out.path(std::move(path));
        } else if (key == "headers") {
            for (auto& field : read_headers(r, member.value(), false))
                out.header(std::move(field.name), std::move(field.value));
        } else if (key == "json") {
            for (const auto& condition : expect_object(r, member.value(), "an object of JSON pointers to values")) {
                json_scope at_pointer(r, condition.key());
                check_pointer(r, condition.key());
                check_finite(r, condition.value());
                out.json(condition.key(), condition.value());
            }
        } else if (key == "verification") {
            out.verification(read_choice(r, member.value(), verification_names));
        } else {
            r.fail(error::unknown_member, "conditions are method, path, headers, json and verification");
        }
    }
    return out;
}

aq::scenario_step read_scenario(json_reader& r, const json::value& v) {
    aq::scenario_step out;
    const auto& object = expect_object(r, v, "a scenario object");
    if (!object.contains("name")) r.fail_at("name", error::missing_member, {});
    for (const auto& member : object) {
        json_scope at(r, member.key());
        if (member.key() == "name")
            out.name = read_string(r, member.value());
        else if (member.key() == "whenState")
            out.when_state = read_string(r, member.value());
        else if (member.key() == "setState")
            out.set_state = read_string(r, member.value());
        else
            r.fail(error::unknown_member, "a scenario has name, whenState and setState");
    }
    check_scenario(r, out);
    return out;
}

void read_rule_member(json_reader& r, std::string_view key, const json::value& v, aq::mock_rule& rule) {
    if (key == "match") {
        rule.when(read_match(r, v));
    } else if (key == "respond") {
        for (auto& response : read_responses(r, v))
            rule.respond(std::move(response));
    } else if (key == "scenario") {
        auto step = read_scenario(r, v);
        rule.in_scenario(step.name);
        if (step.when_state) rule.when_state(*step.when_state);
        if (step.set_state) rule.set_state(*step.set_state);
    } else {
        r.fail(error::unknown_member, "a rule has name, match, respond and scenario");
    }
}

aq::mock_rule read_rule(json_reader& r, const json::value& v, std::size_t index) {
    const auto& object = expect_object(r, v, "a rule object");
    std::string name;
    if (const auto* given = object.if_contains("name")) {
        json_scope at(r, "name");
        name = read_string(r, *given);
    }
    aq::mock_rule rule(std::move(name));
    in_rule(rule_label(rule, index), [&] {
        for (const auto& member : object) {
            json_scope at(r, member.key());
            if (member.key() != "name") read_rule_member(r, member.key(), member.value(), rule);
        }
        check_has_answer(r, rule.responses());
    });
    return rule;
}

void read_config_member(json_reader& r, std::string_view key, const json::value& v, aq::mock_config& config) {
    if (key == "secrets") {
        std::vector<std::string> secrets;
        if (!v.is_null()) aq::detail::read_json(r, v, secrets);
        for (std::size_t i = 0; i < secrets.size(); ++i) {
            json_scope item(r, i);
            check_secret(r, secrets[i]);
            config.secret(std::move(secrets[i]));
        }
    } else if (key == "signingMethod") {
        config.signing_methods(read_choice(r, v, signing_method_names));
    } else if (key == "toleranceSeconds") {
        config.tolerance(read_tolerance(r, v));
    } else if (key == "policy") {
        config.policy(read_choice(r, v, policy_names));
    } else if (key == "rules") {
        const auto* rules = v.if_array();
        if (!rules) aq::detail::fail_type(r, v, "an array of rules");
        for (std::size_t i = 0; i < rules->size(); ++i) {
            json_scope item(r, i);
            config.rule(read_rule(r, (*rules)[i], i));
        }
    } else if (key == "default") {
        for (auto& response : read_responses(r, v))
            config.otherwise(std::move(response));
    } else {
        r.fail(error::unknown_member,
               "a configuration has secrets, signingMethod, toleranceSeconds, policy, rules and default");
    }
}

json::value body_json(const aq::response_body& body) {
    struct to_value {
        json::value operator()(std::monostate) const { return nullptr; }
        json::value operator()(const aq::text_body& b) const { return json::string(b.text); }
        json::value operator()(const aq::json_body& b) const { return b.value; }
        json::value operator()(const aq::patch_body& b) const { return b.value; }
        json::value operator()(const aq::body_template& b) const { return json::string(b.source); }
        json::value operator()(const aq::patch_template& b) const { return json::string(b.source); }
    };
    return std::visit(to_value{}, body);
}

json::object headers_json(const std::vector<aq::header_field>& headers) {
    json::object out;
    for (const auto& h : headers)
        out[h.name] = h.value;
    return out;
}

json::object forward_json(const aq::forward_target& target) {
    json::object out{{"url", target.url}};
    if (target.timeout) out["timeout"] = target.timeout->count();
    return out;
}

/// A forwarding response has no status of its own: the target's is the answer.
json::value response_json(const aq::mock_response& response) {
    json::object out;
    if (!response.forward()) out["status"] = response.status();
    if (!response.headers().empty()) out["headers"] = headers_json(response.headers());
    if (const auto member = body_member(response.body()); !member.empty()) out[member] = body_json(response.body());
    if (response.delay().count() != 0) out["delayMs"] = response.delay().count();
    if (response.fault()) out["fault"] = to_string(*response.fault());
    if (response.forward()) out["forward"] = forward_json(*response.forward());
    return out;
}

/// One response as an object, several as a sequence.
json::value responses_json(const std::vector<aq::mock_response>& responses) {
    if (responses.size() == 1) return response_json(responses.front());
    json::array sequence;
    for (const auto& response : responses)
        sequence.push_back(response_json(response));
    return json::object{{"sequence", std::move(sequence)}};
}

json::object match_json(const aq::request_match& match) {
    json::object out;
    if (match.method()) out["method"] = *match.method();
    if (match.path()) out["path"] = *match.path();
    if (!match.headers().empty()) out["headers"] = headers_json(match.headers());
    if (!match.json().empty()) {
        json::object conditions;
        for (const auto& condition : match.json())
            conditions[condition.pointer] = condition.expected;
        out["json"] = std::move(conditions);
    }
    if (match.verification()) out["verification"] = to_string(*match.verification());
    return out;
}

json::object scenario_json(const aq::scenario_step& step) {
    json::object out{{"name", step.name}};
    if (step.when_state) out["whenState"] = *step.when_state;
    if (step.set_state) out["setState"] = *step.set_state;
    return out;
}

/// A rule without a name has none in the document either: it is numbered where it is loaded.
json::object rule_json(const aq::mock_rule& rule) {
    json::object out;
    if (!rule.name().empty()) out["name"] = rule.name();
    if (auto match = match_json(rule.match()); !match.empty()) out["match"] = std::move(match);
    if (!rule.responses().empty()) out["respond"] = responses_json(rule.responses());
    if (rule.scenario()) out["scenario"] = scenario_json(*rule.scenario());
    return out;
}

} // namespace

} // namespace aqhook

namespace allquiet::webhook {

result<mock_config> parse_mock_config(std::string_view json_text) {
    auto parsed = detail::parse_json_text(json_text);
    if (!parsed) return parsed.error();
    aqhook::json_reader r;
    mock_config config;
    try {
        for (const auto& member : aqhook::expect_object(r, *parsed, "a configuration object")) {
            aqhook::json_scope at(r, member.key());
            aqhook::read_config_member(r, member.key(), member.value(), config);
        }
    } catch (detail::read_failure& failure) {
        return std::move(failure.error);
    }
    return config;
}

boost::json::value to_json(const mock_config& config) {
    namespace json = boost::json;
    json::array secrets;
    for (const auto& secret : config.secrets())
        secrets.emplace_back(secret);
    json::array rules;
    for (const auto& rule : config.rules())
        rules.push_back(aqhook::rule_json(rule));
    json::object out{
        {"secrets", std::move(secrets)},
        {"signingMethod", aqhook::name_of(config.signing_methods(), aqhook::signing_method_names)},
        {"toleranceSeconds", config.tolerance() ? json::value(config.tolerance()->count()) : json::value(nullptr)},
        {"policy", aqhook::name_of(config.policy(), aqhook::policy_names)},
        {"rules", std::move(rules)},
    };
    if (!config.fallback().empty()) out["default"] = aqhook::responses_json(config.fallback());
    return out;
}

} // namespace allquiet::webhook
