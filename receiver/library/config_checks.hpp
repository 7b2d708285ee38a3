// The checks of a mock receiver's configuration that need no running receiver. The JSON reader
// (`parse_mock_config`) makes them as it reads each member, and the compile step makes them again
// for a configuration built in C++: one function per check, so both ways in fail alike, at the
// JSON pointer the member has in the document (`to_json`).
#pragma once

#include "json_probe.hpp"

#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/mock_rules.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/url.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;
using aq::detail::json_reader;
using aq::detail::json_scope;

/// A final status: a 1xx is interim (RFC 9110 §15.2), never the answer to a request.
unsigned check_status(json_reader& r, std::int64_t status);
std::int64_t check_range(json_reader& r, std::int64_t value, std::int64_t min, std::int64_t max);
std::chrono::milliseconds check_delay(json_reader& r, std::int64_t milliseconds);
/// A header field of a response (`response`) or of a rule's conditions; `r` is at its name.
void check_header(json_reader& r, const aq::header_field& field, bool response);
/// A 204 or 304 response has no body: HTTP gives it none (and Beast refuses to send one).
void check_body_allowed(json_reader& r, unsigned status, const aq::response_body& body);
/// The longest a forward target may take to answer, in milliseconds (`forward.timeout`,
/// `--forward-timeout`).
inline constexpr std::int64_t max_forward_timeout_ms = 600'000;
/// A forwarding response (`r` is at the response): an http or https `url`, a `timeout` of 1 to
/// `max_forward_timeout_ms`, and no status, headers or body beside it, which the target gives.
/// The URL, parsed; nothing for a response that does not forward.
std::optional<aq::http_url> check_forward(json_reader& r, const aq::mock_response& response);
void check_method(json_reader& r, std::string_view method);
void check_path(json_reader& r, std::string_view pattern);
json_pointer check_pointer(json_reader& r, std::string_view pointer);
aq::handlebars_template check_template(json_reader& r, const std::string& source);
/// The patch as the SDK checks one; its errors point inside it.
aq::patch check_patch(json_reader& r, const boost::json::value& patch);
/// A value JSON text can hold: Boost.JSON reads a number beyond a double's range (`1e999`) as
/// infinity, and a zero with such an exponent as NaN, and writes them as `Infinity` and `NaN`,
/// which no JSON reader takes (and NaN equals nothing, so no condition could hold).
void check_finite(json_reader& r, const boost::json::value& value);
void check_secret(json_reader& r, std::string_view secret);
/// Every string and member name in `document` (a configuration as `to_json` writes it) is UTF-8,
/// as a JSON document's are: a model built in C++ may hold any bytes, which `GET /_aqhook/config`
/// could not write as JSON.
void check_utf8(json_reader& r, const boost::json::value& document);

/// `r` is at the rule's `scenario`.
void check_scenario(json_reader& r, const aq::scenario_step& step);
/// A rule answers: `r` is at the rule.
void check_has_answer(json_reader& r, const std::vector<aq::mock_response>& answers);

/// The rule's name as the journal gives it: "rule N" (N from 1) when none was given.
std::string rule_label(const aq::mock_rule& rule, std::size_t index);

/// Runs `check` and names the rule in any failure it reports.
template <class Check>
decltype(auto) in_rule(const std::string& label, Check&& check) {
    try {
        return std::forward<Check>(check)();
    } catch (aq::detail::read_failure& failure) {
        failure.error.detail =
            "in rule '" + label + "'" + (failure.error.detail.empty() ? "" : ": " + failure.error.detail);
        throw;
    }
}

/// The member that holds a body in the document (`body`, `patch`, `bodyTemplate`,
/// `patchTemplate`); empty for none.
std::string_view body_member(const aq::response_body& body);

/// A word of a closed set, and its value.
template <class Enum>
using choice = std::pair<std::string_view, Enum>;

template <class Enum, std::size_t N>
Enum read_choice(json_reader& r, const boost::json::value& v, const std::array<choice<Enum>, N>& names) {
    std::string text;
    aq::detail::read_json(r, v, text);
    std::string listed;
    for (const auto& [name, value] : names) {
        if (name == text) return value;
        listed += (listed.empty() ? "" : ", ") + std::string(name);
    }
    r.fail(aq::error::unknown_value, "'" + text + "' is not one of " + listed);
}

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<choice<Enum>, N>& names) {
    for (const auto& [name, v] : names)
        if (v == value) return name;
    return {};
}

inline constexpr std::array<choice<aq::accepted_methods>, 3> signing_method_names{
    {{"any", aq::accepted_methods::any},
     {"allquiet", aq::accepted_methods::allquiet},
     {"aws", aq::accepted_methods::aws}}};
inline constexpr std::array<choice<aq::verification_policy>, 2> policy_names{
    {{"enforce", aq::verification_policy::enforce}, {"record", aq::verification_policy::record}}};
// The names the journal gives these too: the public headers' to_string.
inline constexpr std::array<choice<aq::verification_status>, 3> verification_names{
    {{to_string(aq::verification_status::valid), aq::verification_status::valid},
     {to_string(aq::verification_status::invalid), aq::verification_status::invalid},
     {to_string(aq::verification_status::unsigned_), aq::verification_status::unsigned_}}};
inline constexpr std::array<choice<aq::fault>, 2> fault_names{
    {{to_string(aq::fault::reset), aq::fault::reset}, {to_string(aq::fault::timeout), aq::fault::timeout}}};

inline constexpr std::int64_t max_tolerance_seconds = 31'536'000;

/// `toleranceSeconds`: seconds, or null for no timestamp check.
std::optional<std::chrono::seconds> read_tolerance(json_reader& r, const boost::json::value& v);

} // namespace aqhook
