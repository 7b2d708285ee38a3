// The request description a rendered template gives (method, url, headers, body), and the
// concrete HTTP request a sender makes of it.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/url.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// Which of the template's body members is sent.
enum class body_kind {
    none,      ///< no body member given
    text,      ///< `body.text`, sent as is
    form_data, ///< `body.formData`, sent form-urlencoded
    json,      ///< `body.json`, sent serialized
};

/// The body a template asks for. Only the member that `kind` names is used.
struct request_body {
    body_kind kind = body_kind::none;
    std::string text;
    std::vector<std::pair<std::string, std::string>> form_data;
    boost::json::value json;
};

/// What a rendered request template describes (wire-formats §2).
struct request_description {
    std::string method; ///< upper case
    std::string url;    ///< absolute http or https URL
    std::vector<header_field> headers;
    request_body body;
    /// Whether the response body is read as an incident patch.
    bool enable_incident_updates = false;
    /// Members the format does not define; kept for display, never sent.
    boost::json::object unknown_members;
};

/// The HTTP methods a template may name.
inline constexpr std::array<std::string_view, 8> known_http_methods{"GET",   "HEAD",   "POST",    "PUT",
                                                                    "PATCH", "DELETE", "OPTIONS", "TRACE"};

/// Checks a description built in code as parsing checks one read from text: method, URL,
/// header names and values. The error's pointer names the member (`/headers/X-Team`).
inline std::optional<input_error> check_request_description(const request_description& request) {
    if (std::find(known_http_methods.begin(), known_http_methods.end(), request.method) ==
        known_http_methods.end())
        return input_error{error::invalid_method, "/method",
                           "'" + request.method +
                               "' is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE"};
    if (auto url = parse_http_url(request.url); !url)
        return input_error{error::invalid_url, "/url", url.error().detail};
    for (const auto& header : request.headers) {
        detail::json_reader where;
        where.enter("headers");
        where.enter(header.name);
        if (!detail::is_token(header.name))
            return input_error{error::invalid_header_name, where.pointer(),
                               "names are letters, digits and !#$%&'*+-.^_`|~"};
        if (!detail::is_field_value(header.value))
            return input_error{error::invalid_header_value, where.pointer(),
                               "CR, LF, NUL and other control characters are not allowed"};
        if (detail::iequals(header.name, "Content-Length") ||
            detail::iequals(header.name, "Transfer-Encoding"))
            return input_error{error::reserved_header, where.pointer(),
                               "the sender computes it from the body"};
    }
    return std::nullopt;
}

namespace detail {

inline void read_string_map(json_reader& r, const json::value& v,
                            std::vector<std::pair<std::string, std::string>>& out) {
    const auto* object = v.if_object();
    if (!object) fail_type(r, v, "an object of strings");
    out.reserve(object->size());
    for (const auto& member : *object) {
        json_scope step(r, member.key());
        std::string value;
        read_json(r, member.value(), value);
        out.emplace_back(member.key(), std::move(value));
    }
}

/// `body`: the first of text, formData, json that is present and not null wins.
inline void read_request_body(json_reader& r, const json::value& v, request_body& out) {
    if (v.is_null()) return;
    const auto* object = v.if_object();
    if (!object) fail_type(r, v, "an object with text, formData or json");
    if (const auto* text = object->if_contains("text"); text && !text->is_null()) {
        json_scope step(r, "text");
        out.kind = body_kind::text;
        read_json(r, *text, out.text);
    } else if (const auto* form = object->if_contains("formData"); form && !form->is_null()) {
        json_scope step(r, "formData");
        out.kind = body_kind::form_data;
        read_string_map(r, *form, out.form_data);
    } else if (const auto* body_json = object->if_contains("json")) {
        out.kind = body_kind::json;
        out.json = *body_json;
    }
}

inline void read_request_description(json_reader& r, const json::value& v, request_description& out) {
    const auto* object = v.if_object();
    if (!object) fail_type(r, v, "an object with method, url, headers and body");
    bool has_method = false, has_url = false;
    for (const auto& member : *object) {
        json_scope step(r, member.key());
        const auto key = member.key();
        if (key == "method") {
            read_json(r, member.value(), out.method);
            if (!is_token(out.method)) r.fail(error::invalid_method, "not an HTTP token");
            for (auto& c : out.method)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            has_method = true;
        } else if (key == "url") {
            read_json(r, member.value(), out.url);
            has_url = true;
        } else if (key == "headers") {
            std::vector<std::pair<std::string, std::string>> headers;
            if (!member.value().is_null()) read_string_map(r, member.value(), headers);
            for (auto& [name, value] : headers)
                out.headers.push_back({std::move(name), std::move(value)});
        } else if (key == "body") {
            read_request_body(r, member.value(), out.body);
        } else if (key == "enableIncidentUpdates") {
            if (!member.value().is_null()) read_json(r, member.value(), out.enable_incident_updates);
        } else {
            out.unknown_members.insert_or_assign(key, member.value());
        }
    }
    if (!has_method) r.fail_at("method", error::missing_member, {});
    if (!has_url) r.fail_at("url", error::missing_member, {});
    if (auto problem = check_request_description(out)) throw read_failure{std::move(*problem)};
}

} // namespace detail

/// Reads a request description from a parsed JSON value. Method names are matched without
/// regard to case and stored in upper case; unknown members are kept but not sent.
inline result<request_description> request_description_from_json(const boost::json::value& json) {
    return detail::read_reporting_failure<request_description>(
        [&](detail::json_reader& reader, request_description& out) {
            detail::read_request_description(reader, json, out);
        });
}

/// Reads a request description from rendered template text. Text that is not JSON gives
/// `error::syntax` with the line and column in the rendered text.
inline result<request_description> parse_request_description(std::string_view rendered_text) {
    auto value = detail::parse_json_text(rendered_text);
    if (!value) return value.error();
    return request_description_from_json(*value);
}

/// The description as JSON, in the template's own shape (only the body member that is used).
inline boost::json::value to_json(const request_description& request) {
    boost::json::object headers;
    for (const auto& h : request.headers)
        headers[h.name] = h.value;
    boost::json::object body;
    switch (request.body.kind) {
    case body_kind::none: break;
    case body_kind::text: body["text"] = request.body.text; break;
    case body_kind::form_data: {
        boost::json::object form;
        for (const auto& [name, value] : request.body.form_data)
            form[name] = value;
        body["formData"] = std::move(form);
        break;
    }
    case body_kind::json: body["json"] = request.body.json; break;
    }
    boost::json::object out{
        {"method", request.method}, {"url", request.url}, {"headers", std::move(headers)}};
    if (request.body.kind != body_kind::none) out["body"] = std::move(body);
    out["enableIncidentUpdates"] = request.enable_incident_updates;
    for (const auto& extra : request.unknown_members)
        out.emplace(extra.key(), extra.value());
    return out;
}

/// A concrete HTTP/1.1 request, ready to be written to a connection.
struct http_request {
    std::string method;
    http_url url;
    /// In sending order: Host (unless the template sets it), the template's headers,
    /// Content-Type (unless the template sets it and there is a body), Content-Length.
    std::vector<header_field> headers;
    std::string body;

    /// The value of the first header with this name (any case), or nothing.
    std::optional<std::string_view> header(std::string_view name) const {
        for (const auto& h : headers)
            if (detail::iequals(h.name, name)) return std::string_view(h.value);
        return std::nullopt;
    }
};

/// The request as HTTP/1.1 text: the request line, the headers, an empty line, the body. Lines end
/// with `line_end`: CRLF on the wire, "\n" where a person reads it. The parts were checked when
/// the request was built (no CR or LF in any of them).
inline std::string http_request_text(const http_request& request, std::string_view line_end) {
    std::string out;
    out.reserve(request.method.size() + request.url.target.size() + request.body.size() + 256);
    out.append(request.method).append(" ").append(request.url.target).append(" HTTP/1.1").append(line_end);
    for (const auto& h : request.headers)
        out.append(h.name).append(": ").append(h.value).append(line_end);
    out.append(line_end).append(request.body);
    return out;
}

/// The natural Content-Type of each body kind, used where the template sets none.
inline std::string_view default_content_type(body_kind kind) {
    switch (kind) {
    case body_kind::text: return "text/plain; charset=utf-8";
    case body_kind::form_data: return "application/x-www-form-urlencoded";
    case body_kind::json: return "application/json; charset=utf-8";
    case body_kind::none: break;
    }
    return {};
}

/// The bytes of the body: text as is, form data urlencoded (`a=1&b=x+y`), JSON serialized.
inline std::string serialize_body(const request_body& body) {
    switch (body.kind) {
    case body_kind::none: return {};
    case body_kind::text: return body.text;
    case body_kind::form_data: {
        std::string out;
        for (const auto& [name, value] : body.form_data) {
            if (!out.empty()) out += '&';
            detail::append_form_encoded(out, name);
            out += '=';
            detail::append_form_encoded(out, value);
        }
        return out;
    }
    case body_kind::json: return boost::json::serialize(body.json);
    }
    return {};
}

/// Builds the HTTP request a sender makes of a description, after the same checks as parsing.
inline result<http_request> build_http_request(const request_description& request) {
    if (auto problem = check_request_description(request)) return std::move(*problem);
    http_request out{request.method, parse_http_url(request.url).value(), {}, serialize_body(request.body)};

    auto template_sets = [&](std::string_view name) {
        return std::any_of(request.headers.begin(), request.headers.end(),
                           [&](const header_field& h) { return detail::iequals(h.name, name); });
    };
    if (!template_sets("Host")) out.headers.push_back({"Host", out.url.host_header()});
    out.headers.insert(out.headers.end(), request.headers.begin(), request.headers.end());
    if (request.body.kind != body_kind::none && !template_sets("Content-Type"))
        out.headers.push_back({"Content-Type", std::string(default_content_type(request.body.kind))});
    const bool method_has_body =
        request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (request.body.kind != body_kind::none || method_has_body)
        out.headers.push_back({"Content-Length", std::to_string(out.body.size())});
    return out;
}

} // namespace allquiet::webhook
