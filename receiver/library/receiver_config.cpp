#include "receiver_config.hpp"
#include "response_message.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/patch.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace aqhook {

namespace json = boost::json;
using aq::error;
using aq::detail::json_reader;
using aq::detail::json_scope;

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

long long read_integer(json_reader& r, const json::value& v, long long min, long long max) {
    std::int64_t out = 0;
    aq::detail::read_json(r, v, out);
    if (out < min || out > max)
        r.fail(error::out_of_range, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    return out;
}

/// A final status: a 1xx is interim (RFC 9110 §15.2), never the answer to a request.
unsigned read_status(json_reader& r, const json::value& v) {
    std::int64_t status = 0;
    aq::detail::read_json(r, v, status);
    if (status < 200 || status > 599)
        r.fail(error::out_of_range,
               std::to_string(status) + " is not a final status: it must be from 200 to 599");
    return static_cast<unsigned>(status);
}

template <class Enum>
Enum read_choice(json_reader& r, const json::value& v,
                 std::initializer_list<std::pair<std::string_view, Enum>> choices) {
    const std::string text = read_string(r, v);
    std::string names;
    for (const auto& [name, value] : choices) {
        if (name == text) return value;
        names += (names.empty() ? "" : ", ") + std::string(name);
    }
    r.fail(error::unknown_value, "'" + text + "' is not one of " + names);
}

/// The longest header field a configuration may give (Beast refuses fields over 64 KiB; the
/// receiver reads no request headers over 8 KiB).
constexpr std::size_t max_header_field = 8 * 1024;

std::vector<aq::header_field> read_headers(json_reader& r, const json::value& v, bool response) {
    std::vector<aq::header_field> out;
    for (const auto& member : expect_object(r, v, "an object of header names to values")) {
        json_scope at(r, member.key());
        aq::header_field field{member.key(), read_string(r, member.value())};
        if (!aq::detail::is_token(field.name)) r.fail(error::invalid_header_name, "not an HTTP token");
        if (!aq::detail::is_field_value(field.value))
            r.fail(error::invalid_header_value, "control characters");
        if (field.name.size() + field.value.size() > max_header_field)
            r.fail(error::out_of_range,
                   "a header field is at most " + std::to_string(max_header_field) + " bytes");
        if (response && (aq::detail::iequals(field.name, "Content-Length") ||
                         aq::detail::iequals(field.name, "Transfer-Encoding") ||
                         aq::detail::iequals(field.name, "Connection")))
            r.fail(error::reserved_header, "the receiver sets it");
        out.push_back(std::move(field));
    }
    return out;
}

configured_response read_single_response(json_reader& r, const json::object& object) {
    configured_response out;
    std::optional<std::string> content_type;
    std::optional<std::string> body_member; // patch, body, patchTemplate or bodyTemplate
    for (const auto& member : object) {
        json_scope at(r, member.key());
        const auto key = member.key();
        if (key == "status") {
            out.status = read_status(r, member.value());
        } else if (key == "headers") {
            out.headers = read_headers(r, member.value(), true);
        } else if (key == "patch" || key == "body" || key == "patchTemplate" || key == "bodyTemplate") {
            if (body_member)
                r.fail(error::conflicting_members, "give one of patch, body, patchTemplate and bodyTemplate");
            body_member = std::string(key);
            if (key == "patchTemplate" || key == "bodyTemplate") {
                auto compiled = aq::handlebars_template::compile(read_string(r, member.value()));
                if (!compiled) r.fail(error::template_syntax, compiled.error().detail);
                out.body_template = std::make_shared<const aq::handlebars_template>(std::move(*compiled));
                out.template_is_patch = key == "patchTemplate";
                content_type =
                    out.template_is_patch ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
            } else if (key == "patch") {
                auto patch = aq::patch_from_json(member.value());
                if (!patch) {
                    auto e = patch.error();
                    throw aq::detail::read_failure{{e.code, r.pointer() + e.pointer, e.detail}};
                }
                out.body = json::serialize(aq::to_json(*patch));
                content_type = "application/json; charset=utf-8";
            } else if (const auto* text = member.value().if_string()) {
                out.body = std::string(*text);
                content_type = "text/plain; charset=utf-8";
            } else {
                out.body = json::serialize(member.value());
                content_type = "application/json; charset=utf-8";
            }
        } else if (key == "delayMs") {
            out.delay = std::chrono::milliseconds(read_integer(r, member.value(), 0, 600'000));
        } else if (key == "fault") {
            out.fault_kind =
                read_choice<fault>(r, member.value(), {{to_string(fault::reset), fault::reset},
                                                       {to_string(fault::timeout), fault::timeout}});
        } else if (key == "sequence") {
            r.fail(error::conflicting_members, "a sequence cannot be mixed with other members or nested");
        } else {
            r.fail(error::unknown_member,
                   "a response has status, headers, patch, body, delayMs, fault or sequence");
        }
    }
    // HTTP gives these responses no body (and Beast refuses to send one).
    if (body_member && (out.status == 204 || out.status == 304))
        r.fail_at(*body_member, error::body_not_allowed,
                  "a " + std::to_string(out.status) + " response has no body");
    const bool sets_type = std::any_of(out.headers.begin(), out.headers.end(), [](const aq::header_field& h) {
        return aq::detail::iequals(h.name, "Content-Type");
    });
    if (content_type && !sets_type) out.headers.push_back({"Content-Type", *content_type});
    return out;
}

/// A response object, or `{"sequence": [response, ...]}`.
response_sequence read_response_sequence(json_reader& r, const json::value& v) {
    const auto& object = expect_object(r, v, "a response object");
    const auto* sequence = object.if_contains("sequence");
    if (!sequence) return response_sequence({read_single_response(r, object)});
    if (object.size() != 1)
        r.fail(error::conflicting_members, "a sequence cannot be mixed with other members");
    json_scope at(r, "sequence");
    const auto* items = sequence->if_array();
    if (!items) aq::detail::fail_type(r, *sequence, "an array of responses");
    if (items->empty()) r.fail(error::out_of_range, "a sequence needs at least one response");
    std::vector<configured_response> responses;
    for (std::size_t i = 0; i < items->size(); ++i) {
        json_scope item(r, i);
        responses.push_back(read_single_response(r, expect_object(r, (*items)[i], "a response object")));
    }
    return response_sequence(std::move(responses));
}

match_spec read_match(json_reader& r, const json::value& v, json_probe& json_conditions) {
    match_spec out;
    for (const auto& member : expect_object(r, v, "an object of conditions")) {
        json_scope at(r, member.key());
        const auto key = member.key();
        if (key == "method") {
            std::string method = read_string(r, member.value());
            if (!aq::detail::is_token(method)) r.fail(error::invalid_method, "not an HTTP token");
            std::transform(method.begin(), method.end(), method.begin(), [](char c) {
                return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            });
            out.method = std::move(method);
        } else if (key == "path") {
            out.path = read_string(r, member.value());
            if (out.path->empty() || (out.path->front() != '/' && out.path->front() != '*'))
                r.fail(error::malformed_path, "a path starts with /");
        } else if (key == "headers") {
            out.headers = read_headers(r, member.value(), false);
        } else if (key == "json") {
            for (const auto& condition :
                 expect_object(r, member.value(), "an object of JSON pointers to values")) {
                json_scope at_pointer(r, condition.key());
                auto pointer = json_pointer::parse(condition.key());
                if (!pointer) r.fail(error::malformed_json_pointer, pointer.error().detail);
                out.json.push_back({json_conditions.add(*pointer), condition.value()});
            }
        } else if (key == "verification") {
            out.verification =
                read_choice<verification_status>(
                    r, member.value(),
                    {{to_string(verification_status::valid), verification_status::valid},
                     {to_string(verification_status::invalid), verification_status::invalid},
                     {to_string(verification_status::unsigned_), verification_status::unsigned_}});
        } else {
            r.fail(error::unknown_member, "conditions are method, path, headers, json and verification");
        }
    }
    return out;
}

/// `{"name": ..., "whenState": ..., "setState": ...}`; the name is required.
aq::scenario_step read_scenario(json_reader& r, const json::value& v) {
    aq::scenario_step out;
    for (const auto& member : expect_object(r, v, "a scenario object")) {
        json_scope at(r, member.key());
        const auto key = member.key();
        if (key != "name" && key != "whenState" && key != "setState")
            r.fail(error::unknown_member, "a scenario has name, whenState and setState");
        std::string text = read_string(r, member.value());
        if (const auto problem = scenario_text_problem(text)) r.fail(error::out_of_range, *problem);
        if (key == "name")
            out.name = std::move(text);
        else
            (key == "whenState" ? out.when_state : out.set_state) = std::move(text);
    }
    if (out.name.empty()) r.fail_at("name", error::missing_member, {});
    return out;
}

rule read_rule(json_reader& r, const json::value& v, std::size_t index, json_probe& json_conditions) {
    const auto& object = expect_object(r, v, "a rule object");
    std::string name = "rule " + std::to_string(index + 1);
    if (const auto* given = object.if_contains("name")) {
        json_scope at(r, "name");
        name = read_string(r, *given);
    }
    try {
        match_spec match;
        std::optional<response_sequence> respond;
        std::optional<aq::scenario_step> scenario;
        for (const auto& member : object) {
            json_scope at(r, member.key());
            if (member.key() == "name") continue;
            if (member.key() == "match")
                match = read_match(r, member.value(), json_conditions);
            else if (member.key() == "respond")
                respond.emplace(read_response_sequence(r, member.value()));
            else if (member.key() == "scenario")
                scenario = read_scenario(r, member.value());
            else
                r.fail(error::unknown_member, "a rule has name, match, respond and scenario");
        }
        if (!respond) r.fail_at("respond", error::missing_member, {});
        return rule{std::move(name), std::move(match), std::move(*respond), std::move(scenario)};
    } catch (aq::detail::read_failure& failure) {
        failure.error.detail =
            "in rule '" + name + "'" + (failure.error.detail.empty() ? "" : ": " + failure.error.detail);
        throw;
    }
}

/// The document with the command line's additions applied.
json::value apply_overrides(json::value document, const config_overrides& overrides) {
    auto* object = document.if_object();
    if (!object) return document; // the reader reports the type
    if (!overrides.secrets.empty()) {
        auto& secrets = (*object)["secrets"];
        if (secrets.is_null()) secrets = json::array();
        if (auto* list = secrets.if_array())
            for (const auto& s : overrides.secrets) // a secret given twice is tried once
                if (std::find(list->begin(), list->end(), json::value(s)) == list->end())
                    list->push_back(json::string(s));
    }
    if (overrides.signing_method) (*object)["signingMethod"] = *overrides.signing_method;
    if (overrides.tolerance_seconds) (*object)["toleranceSeconds"] = *overrides.tolerance_seconds;
    if (overrides.policy) (*object)["policy"] = *overrides.policy;
    return document;
}

} // namespace

aq::result<std::shared_ptr<const receiver_config>> parse_receiver_config(std::string_view json_text,
                                                                         const config_overrides& overrides) {
    auto parsed = aq::detail::parse_json_text(json_text);
    if (!parsed) return parsed.error();
    auto config = std::make_shared<receiver_config>();
    config->source = apply_overrides(std::move(*parsed), overrides);
    json_reader r;
    try {
        for (const auto& member : expect_object(r, config->source, "a configuration object")) {
            json_scope at(r, member.key());
            const auto key = member.key();
            if (key == "secrets") {
                if (!member.value().is_null()) aq::detail::read_json(r, member.value(), config->secrets);
                for (std::size_t i = 0; i < config->secrets.size(); ++i)
                    if (config->secrets[i].empty()) {
                        json_scope item(r, i);
                        r.fail(error::out_of_range, "a secret must not be empty");
                    }
            } else if (key == "signingMethod") {
                config->methods =
                    read_choice<aq::accepted_methods>(r, member.value(),
                                                      {{"any", aq::accepted_methods::any},
                                                       {"allquiet", aq::accepted_methods::allquiet},
                                                       {"aws", aq::accepted_methods::aws}});
            } else if (key == "toleranceSeconds") {
                config->tolerance = member.value().is_null()
                                        ? aq::timestamp_tolerance::none()
                                        : aq::timestamp_tolerance::symmetric(std::chrono::seconds(
                                              read_integer(r, member.value(), 0, 31'536'000)));
            } else if (key == "policy") {
                config->policy = read_choice<verification_policy>(
                    r, member.value(),
                    {{"enforce", verification_policy::enforce}, {"record", verification_policy::record}});
            } else if (key == "rules") {
                const auto* rules = member.value().if_array();
                if (!rules) aq::detail::fail_type(r, member.value(), "an array of rules");
                for (std::size_t i = 0; i < rules->size(); ++i) {
                    json_scope item(r, i);
                    config->rules.push_back(read_rule(r, (*rules)[i], i, config->json_conditions));
                }
            } else if (key == "default") {
                config->fallback = read_response_sequence(r, member.value());
            } else {
                r.fail(error::unknown_member, "a configuration has secrets, signingMethod, toleranceSeconds, "
                                              "policy, rules and default");
            }
        }
    } catch (aq::detail::read_failure& failure) {
        return std::move(failure.error);
    }
    auto renders = [](const response_sequence& sequence) {
        return std::any_of(sequence.items().begin(), sequence.items().end(),
                           [](const configured_response& item) { return item.body_template != nullptr; });
    };
    config->renders_templates =
        renders(config->fallback) || std::any_of(config->rules.begin(), config->rules.end(),
                                                 [&](const rule& r) { return renders(r.respond); });
    return std::shared_ptr<const receiver_config>(std::move(config));
}

response_sequence::response_sequence(std::vector<configured_response> items)
    : items_(std::move(items)), next_(std::make_unique<std::atomic<std::size_t>>(0)) {
    for (auto& item : items_)
        if (!item.body_template)
            item.fixed = std::make_shared<const http_response>(make_response(item, 11, true, item.body));
}

std::optional<std::string> scenario_text_problem(std::string_view text) {
    if (text.empty() || text.size() > max_scenario_text || !is_valid_utf8(text))
        return "a scenario name or state is 1 to " + std::to_string(max_scenario_text) + " bytes of UTF-8";
    return std::nullopt;
}

json::value redacted(const receiver_config& config) {
    json::value out = config.source;
    if (auto* object = out.if_object())
        if (auto* secrets = object->if_contains("secrets"))
            if (auto* list = secrets->if_array())
                for (auto& s : *list)
                    s = "<redacted>";
    return out;
}

} // namespace aqhook
