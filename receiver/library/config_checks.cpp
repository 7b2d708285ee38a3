#include "config_checks.hpp"
#include "path_pattern.hpp"
#include "receiver_config.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/detail/http_syntax.hpp>

#include <cmath>

namespace aqhook {

using aq::error;

namespace {

/// The longest header field a configuration may give (Beast refuses fields over 64 KiB; the
/// receiver reads no request headers over 8 KiB).
constexpr std::size_t max_header_field = 8 * 1024;

} // namespace

unsigned check_status(json_reader& r, std::int64_t status) {
    if (status < 200 || status > 599)
        r.fail(error::out_of_range, std::to_string(status) + " is not a final status: it must be from 200 to 599");
    return static_cast<unsigned>(status);
}

std::int64_t check_range(json_reader& r, std::int64_t value, std::int64_t min, std::int64_t max) {
    if (value < min || value > max)
        r.fail(error::out_of_range, "must be from " + std::to_string(min) + " to " + std::to_string(max));
    return value;
}

std::chrono::milliseconds check_delay(json_reader& r, std::int64_t milliseconds) {
    return std::chrono::milliseconds(check_range(r, milliseconds, 0, 600'000));
}

void check_header(json_reader& r, const aq::header_field& field, bool response) {
    if (!aq::detail::is_token(field.name)) r.fail(error::invalid_header_name, "not an HTTP token");
    if (!aq::detail::is_field_value(field.value)) r.fail(error::invalid_header_value, "control characters");
    if (field.name.size() + field.value.size() > max_header_field)
        r.fail(error::out_of_range, "a header field is at most " + std::to_string(max_header_field) + " bytes");
    if (response && (aq::detail::iequals(field.name, "Content-Length") ||
                     aq::detail::iequals(field.name, "Transfer-Encoding") ||
                     aq::detail::iequals(field.name, "Connection")))
        r.fail(error::reserved_header, "the receiver sets it");
}

void check_body_allowed(json_reader& r, unsigned status, const aq::response_body& body) {
    const auto member = body_member(body);
    if (!member.empty() && (status == 204 || status == 304))
        r.fail_at(member, error::body_not_allowed, "a " + std::to_string(status) + " response has no body");
}

std::optional<aq::http_url> check_forward(json_reader& r, const aq::mock_response& response) {
    const auto& forward = response.forward();
    if (!forward) return std::nullopt;
    const std::string given_by_target = "a forward answers with the target's status, headers and body";
    if (response.status() != aq::mock_response().status())
        r.fail_at("status", error::conflicting_members, given_by_target);
    if (!response.headers().empty()) r.fail_at("headers", error::conflicting_members, given_by_target);
    if (const auto member = body_member(response.body()); !member.empty())
        r.fail_at(member, error::conflicting_members, given_by_target);
    json_scope scope(r, "forward");
    if (forward->timeout) {
        json_scope timeout(r, "timeout");
        check_range(r, forward->timeout->count(), 1, max_forward_timeout_ms);
    }
    auto url = aq::parse_http_url(forward->url);
    if (!url) r.fail_at("url", error::invalid_url, url.error().detail);
    return std::move(*url);
}

void check_method(json_reader& r, std::string_view method) {
    if (!aq::detail::is_token(method)) r.fail(error::invalid_method, "not an HTTP token");
}

void check_path(json_reader& r, std::string_view pattern) {
    if (!is_path_pattern(pattern)) r.fail(error::malformed_path, "a path starts with /");
}

json_pointer check_pointer(json_reader& r, std::string_view pointer) {
    auto parsed = json_pointer::parse(pointer);
    if (!parsed) r.fail(error::malformed_json_pointer, parsed.error().detail);
    return std::move(*parsed);
}

aq::handlebars_template check_template(json_reader& r, const std::string& source) {
    auto compiled = aq::handlebars_template::compile(source);
    if (!compiled) r.fail(error::template_syntax, compiled.error().detail);
    return std::move(*compiled);
}

aq::patch check_patch(json_reader& r, const boost::json::value& patch) {
    auto checked = aq::patch_from_json(patch);
    if (!checked) {
        auto e = checked.error();
        throw aq::detail::read_failure{{e.code, r.pointer() + e.pointer, e.detail}};
    }
    return std::move(*checked);
}

void check_finite(json_reader& r, const boost::json::value& value) {
    if (const auto* number = value.if_double(); number && !std::isfinite(*number))
        r.fail(error::out_of_range, "a number beyond the range of a double");
    if (const auto* array = value.if_array())
        for (const auto& item : *array)
            check_finite(r, item);
    if (const auto* object = value.if_object())
        for (const auto& member : *object)
            check_finite(r, member.value());
}

void check_secret(json_reader& r, std::string_view secret) {
    if (secret.empty()) r.fail(error::out_of_range, "a secret must not be empty");
}

void check_utf8(json_reader& r, const json::value& document) {
    auto check = [&](std::string_view text) {
        if (!is_valid_utf8(text))
            r.fail(error::syntax, "not valid UTF-8, which a configuration document could not hold");
    };
    if (const auto* text = document.if_string()) return check(*text);
    if (const auto* items = document.if_array())
        for (std::size_t i = 0; i < items->size(); ++i) {
            json_scope item(r, i);
            check_utf8(r, (*items)[i]);
        }
    if (const auto* members = document.if_object())
        for (const auto& member : *members) {
            check(member.key());
            json_scope at(r, member.key());
            check_utf8(r, member.value());
        }
}

void check_scenario(json_reader& r, const aq::scenario_step& step) {
    if (step.name.empty())
        r.fail_at("name", error::out_of_range, "a scenario needs a name (in C++, when_state and set_state need "
                                               "in_scenario)");
    auto check = [&](std::string_view member, const std::string& text) {
        if (const auto problem = scenario_text_problem(text)) r.fail_at(member, error::out_of_range, *problem);
    };
    check("name", step.name);
    // PUT /_aqhook/scenarios/{name} takes the name as a path segment, which URLs resolve away
    // when it is "." or ".." (RFC 3986 §5.2.4): curl as typed, browsers even percent-encoded.
    if (step.name == "." || step.name == "..")
        r.fail_at("name", error::out_of_range, "a scenario's name is not . or .., which no URL keeps as a path segment");
    if (step.when_state) check("whenState", *step.when_state);
    if (step.set_state) check("setState", *step.set_state);
}

void check_has_answer(json_reader& r, const std::vector<aq::mock_response>& answers) {
    if (answers.empty()) r.fail_at("respond", error::missing_member, {});
}

std::string rule_label(const aq::mock_rule& rule, std::size_t index) {
    return rule.name().empty() ? "rule " + std::to_string(index + 1) : rule.name();
}

std::string_view body_member(const aq::response_body& body) {
    struct names {
        std::string_view operator()(std::monostate) const { return {}; }
        std::string_view operator()(const aq::text_body&) const { return "body"; }
        std::string_view operator()(const aq::json_body&) const { return "body"; }
        std::string_view operator()(const aq::patch_body&) const { return "patch"; }
        std::string_view operator()(const aq::body_template&) const { return "bodyTemplate"; }
        std::string_view operator()(const aq::patch_template&) const { return "patchTemplate"; }
    };
    return std::visit(names{}, body);
}

std::optional<std::chrono::seconds> read_tolerance(json_reader& r, const boost::json::value& v) {
    if (v.is_null()) return std::nullopt;
    std::int64_t seconds = 0;
    aq::detail::read_json(r, v, seconds);
    return std::chrono::seconds(check_range(r, seconds, 0, max_tolerance_seconds));
}

} // namespace aqhook
