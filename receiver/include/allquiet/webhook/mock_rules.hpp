// A mock receiver's configuration in C++: secrets, how signatures are checked, and the rules that
// choose the answer to each delivery. The same model `aqhook serve --config` reads from JSON
// (`parse_mock_config`), so a test and a configuration file say the same things the same way.
//
//     auto config = aq::mock_config()
//         .secret("dev-secret")
//         .rule(aq::mock_rule("first try fails")
//                   .when(aq::request_match().post().path("/hooks/*"))
//                   .respond(aq::mock_response(503)))
//         .otherwise(aq::mock_response().patch(aq::patch().resolve()));
//
// Setters return the object, to chain; getters of the same name read it back. What the types
// cannot rule out (a status outside 200-599, a template that does not compile, a path that does not
// start with `/`) is an `input_error` naming the rule when the configuration is loaded.
#pragma once

#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/fault.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/request_match.hpp>
#include <allquiet/webhook/verification.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace allquiet::webhook {

struct patch;

/// What happens to a delivery whose signature fails.
enum class verification_policy {
    enforce, ///< answered 401 with the reason
    record,  ///< answered as if valid; the failure is only journaled
};

// A response's body as the configuration gives it. Each kind sets its Content-Type unless the
// response's headers do.

/// `"body": "text"`: sent as text/plain.
struct text_body {
    std::string text;
    friend bool operator==(const text_body&, const text_body&) = default;
};
/// `"body": {...}` (any JSON but a string): sent serialized, as application/json.
struct json_body {
    boost::json::value value;
    friend bool operator==(const json_body&, const json_body&) = default;
};
/// `"patch": {...}`: an incident patch, checked as the SDK checks one, sent as application/json.
struct patch_body {
    boost::json::value value; ///< the patch as JSON (`to_json(patch)`)
    friend bool operator==(const patch_body&, const patch_body&) = default;
};
/// `"bodyTemplate"`: Handlebars rendered against the delivery's JSON body, sent as text/plain.
struct body_template {
    std::string source;
    friend bool operator==(const body_template&, const body_template&) = default;
};
/// `"patchTemplate"`: the same, and the result must be a valid patch.
struct patch_template {
    std::string source;
    friend bool operator==(const patch_template&, const patch_template&) = default;
};
using response_body = std::variant<std::monostate, text_body, json_body, patch_body, body_template, patch_template>;

/// Where a forwarding answer sends the delivery (`mock_response::forward_to`): the user's own
/// service, whose answer the receiver relays to the sender.
struct forward_target {
    /// An http or https URL. The delivery goes to its path and query as given: the delivery's own
    /// path is not appended.
    std::string url;
    /// How long the target has to answer (1 to 600000 ms); empty: the receiver's forward timeout.
    std::optional<std::chrono::milliseconds> timeout;
    friend bool operator==(const forward_target&, const forward_target&) = default;
};

/// One answer a rule gives.
class mock_response {
  public:
    /// An answer with this status (200 to 599, checked when the configuration is loaded).
    explicit mock_response(unsigned status = 200) : status_(status) {}

    /// The status (200 to 599, checked when the configuration is loaded).
    mock_response& status(unsigned code);
    /// A response header; given again with the same name, the load fails.
    mock_response& header(std::string name, std::string value);
    /// A text body, sent as text/plain.
    mock_response& body(std::string text);
    /// A JSON body; a JSON string is text, as in the configuration.
    mock_response& json(boost::json::value body);
    /// An incident patch, sent as JSON.
    mock_response& patch(const webhook::patch& patch);
    /// A Handlebars template rendered against the delivery's JSON body, sent as text/plain.
    mock_response& body_template(std::string handlebars);
    /// The same, and the result must be a valid incident patch (else the answer is 500).
    mock_response& patch_template(std::string handlebars);
    /// Holds the answer back this long.
    mock_response& delay(std::chrono::milliseconds wait);
    /// Answers nothing, in this way.
    mock_response& fault(webhook::fault kind);
    /// Sends the delivery on to `url` and answers with the target's answer (its status, headers
    /// and body); 502 or 504 when none comes within `timeout` (the receiver's forward timeout when
    /// empty). With `delay`, waits first; with `fault`, answers the fault and forwards nothing. No
    /// status, headers or body beside it: the target gives them.
    mock_response& forward_to(std::string url,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    unsigned status() const noexcept { return status_; }
    const std::vector<header_field>& headers() const noexcept { return headers_; }
    const response_body& body() const noexcept { return body_; }
    std::chrono::milliseconds delay() const noexcept { return delay_; }
    const std::optional<webhook::fault>& fault() const noexcept { return fault_; }
    const std::optional<forward_target>& forward() const noexcept { return forward_; }

    friend bool operator==(const mock_response&, const mock_response&) = default;

  private:
    unsigned status_;
    std::vector<header_field> headers_;
    response_body body_;
    std::chrono::milliseconds delay_{0};
    std::optional<webhook::fault> fault_;
    std::optional<forward_target> forward_;
};

/// The state every scenario starts in, and returns to when scenarios are reset.
inline constexpr std::string_view scenario_start = "Started";

/// A rule's place in a scenario: a named state shared by rules, so that a test scripts answers
/// across deliveries ("503 first, then a resolve patch, then 200").
struct scenario_step {
    std::string name;                     ///< the scenario
    std::optional<std::string> when_state; ///< the rule matches only in this state; empty: any
    std::optional<std::string> set_state;  ///< the state after the rule matched; empty: unchanged

    friend bool operator==(const scenario_step&, const scenario_step&) = default;
};

/// Conditions and the answers to a delivery that meets them.
class mock_rule {
  public:
    /// An empty name is given "rule N" (its position, from 1) when the configuration is loaded.
    explicit mock_rule(std::string name = {}) : name_(std::move(name)) {}

    /// The conditions a delivery must meet (request_match.hpp); none: every delivery.
    mock_rule& when(request_match match);
    /// The answer (required); called again, the answers form a sequence used in turn, the last one repeating.
    mock_rule& respond(mock_response response);
    /// Takes part in scenario `name`.
    mock_rule& in_scenario(std::string_view name);
    /// Matches only while the scenario is in `state` (needs `in_scenario`).
    mock_rule& when_state(std::string_view state);
    /// Moves the scenario to `state` when it matches (needs `in_scenario`).
    mock_rule& set_state(std::string_view state);

    const std::string& name() const noexcept { return name_; }
    const request_match& match() const noexcept { return match_; }
    const std::vector<mock_response>& responses() const noexcept { return responses_; }
    const std::optional<scenario_step>& scenario() const noexcept { return scenario_; }

    friend bool operator==(const mock_rule&, const mock_rule&) = default;

  private:
    std::string name_;
    request_match match_;
    std::vector<mock_response> responses_;
    std::optional<scenario_step> scenario_;
};

/// A whole configuration.
class mock_config {
  public:
    /// A secret to verify with; several let secrets rotate.
    mock_config& secret(std::string secret);
    /// The signing methods accepted (any by default).
    mock_config& signing_methods(accepted_methods methods);
    /// How far a timestamp may be from now, both ways; `std::nullopt`: no timestamp check.
    mock_config& tolerance(std::optional<std::chrono::seconds> bound);
    /// What happens to a delivery that is not validly signed (enforce by default: 401).
    mock_config& policy(verification_policy policy);
    /// Rules are tried in order; the first that matches answers.
    mock_config& rule(mock_rule rule);
    /// The answer when no rule matches (200 with no body unless given); called again, a sequence.
    mock_config& otherwise(mock_response response);

    const std::vector<std::string>& secrets() const noexcept { return secrets_; }
    accepted_methods signing_methods() const noexcept { return methods_; }
    const std::optional<std::chrono::seconds>& tolerance() const noexcept { return tolerance_; }
    verification_policy policy() const noexcept { return policy_; }
    const std::vector<mock_rule>& rules() const noexcept { return rules_; }
    /// The default answers as given; when none was, the receiver answers 200 with no body.
    const std::vector<mock_response>& fallback() const noexcept { return fallback_; }

    friend bool operator==(const mock_config&, const mock_config&) = default;

  private:
    std::vector<std::string> secrets_;
    accepted_methods methods_ = accepted_methods::any;
    std::optional<std::chrono::seconds> tolerance_ = std::chrono::seconds(300);
    verification_policy policy_ = verification_policy::enforce;
    std::vector<mock_rule> rules_;
    std::vector<mock_response> fallback_;
};

/// Reads a configuration document (the format of `aqhook serve --config`, docs/receiver.md).
/// Errors name the member by JSON pointer and, inside a rule, the rule by name.
result<mock_config> parse_mock_config(std::string_view json_text);

/// The configuration as that document; `parse_mock_config` of it gives an equal configuration.
boost::json::value to_json(const mock_config& config);

} // namespace allquiet::webhook
