// The mock receiver's configuration in the form it runs: the model (aq::mock_config, from C++ or
// from the JSON document of a file or PUT /_aqhook/config) compiled once per load, with pointers
// parsed, templates compiled and fixed responses built.
#pragma once

#include "json_probe.hpp"

#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/fault.hpp>
#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/mock_rules.hpp>
#include <allquiet/webhook/request_template.hpp>
#include <allquiet/webhook/signature.hpp>
#include <allquiet/webhook/url.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;
namespace http = boost::beast::http;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

using aq::fault;
using aq::verification_policy;
using aq::verification_status;

/// Where a forwarding response sends the delivery.
struct configured_forward {
    aq::http_url url;
    /// The URL as the journal, the log and a 502 name it: without user information or fragment.
    std::string shown_url;
    std::optional<std::chrono::milliseconds> timeout; ///< empty: the receiver's forward timeout
};

/// One response as the configuration gives it; a patch or JSON body is already serialized.
struct configured_response {
    unsigned status = 200;
    std::vector<aq::header_field> headers; ///< including Content-Type when there is a body
    std::string body;
    /// `bodyTemplate` or `patchTemplate`: rendered against the delivery's JSON body each time.
    std::shared_ptr<const aq::handlebars_template> body_template;
    bool template_is_patch = false; ///< the rendered text must be a valid patch
    std::chrono::milliseconds delay{0};
    std::optional<fault> fault_kind;
    /// The delivery goes on to a forward target, whose answer is the response (unless `fault_kind`).
    std::optional<configured_forward> forward;
    /// The response as sent on a kept-alive HTTP/1.1 connection, built once at load and shared by
    /// every delivery it answers; empty for a template and a forward.
    std::shared_ptr<const http_response> fixed;
};

/// A response, or a sequence of responses used in turn (the last one repeats).
class response_sequence {
  public:
    explicit response_sequence(std::vector<configured_response> items);

    /// The next response of the sequence; safe to call from many threads.
    const configured_response& next() const {
        const std::size_t i = next_->fetch_add(1, std::memory_order_relaxed);
        return items_[std::min(i, items_.size() - 1)];
    }

    const std::vector<configured_response>& items() const { return items_; }

  private:
    std::vector<configured_response> items_;
    std::unique_ptr<std::atomic<std::size_t>> next_;
};

/// The conditions of a rule; every one given must hold.
struct match_spec {
    std::optional<std::string> method;     ///< exact, upper case
    std::optional<std::string> path;       ///< the target's path; `*` matches any run of characters
    std::vector<aq::header_field> headers; ///< name (any case) → exact value
    /// The value at a pointer (a slot of the configuration's `json_conditions` probe) equals this.
    struct json_condition {
        std::size_t slot;
        boost::json::value expected;
    };
    std::vector<json_condition> json;
    std::optional<verification_status> verification;
};

struct rule {
    std::string name; ///< as given, or "rule N"
    match_spec match;
    response_sequence respond;
    std::optional<aq::scenario_step> scenario;
};

/// The longest scenario name or state, in bytes; both are at least one byte.
inline constexpr std::size_t max_scenario_text = 256;

/// Why `text` cannot name a scenario or its state, or nothing when it can.
std::optional<std::string> scenario_text_problem(std::string_view text);

/// A whole configuration, immutable once loaded (sequence positions aside).
struct receiver_config {
    std::vector<std::string> secrets;
    aq::accepted_methods methods = aq::accepted_methods::any;
    aq::timestamp_tolerance tolerance;
    verification_policy policy = verification_policy::enforce;
    std::vector<rule> rules;
    /// Every pointer that the rules' `json` conditions read, looked up in one pass per delivery.
    json_probe json_conditions;
    response_sequence fallback{{configured_response{}}};
    /// Whether a response renders a template: the delivery's body is then parsed whole, once,
    /// and the `json` conditions read it too.
    bool renders_templates = false;
    /// What it was compiled from, for GET /_aqhook/config (secrets are redacted there).
    aq::mock_config model;
};

/// What the command line adds to every configuration loaded (the file, and PUT replacements).
struct config_overrides {
    std::vector<std::string> secrets;          ///< added to the document's
    std::optional<std::string> signing_method; ///< replaces `signingMethod`
    /// Replaces `toleranceSeconds`: a number of seconds, or null for no timestamp check.
    std::optional<boost::json::value> tolerance_seconds;
    std::optional<std::string> policy; ///< replaces `policy`
    /// The default answer (`default`) when the configuration gives none: a forward to this URL.
    std::optional<std::string> forward_to;
};

/// The steps a template rendered for an answer may take (`render_options::max_steps`): a
/// delivery's own body cannot make the receiver render for long.
inline constexpr std::size_t response_template_steps = 1'000'000;

/// The model with the command line's additions, compiled. Errors name the member by the JSON
/// pointer it has in `to_json(model)` and, inside a rule, the rule by name.
aq::result<std::shared_ptr<const receiver_config>> compile_receiver_config(aq::mock_config model,
                                                                           const config_overrides& overrides = {});

/// Reads a configuration document (`parse_mock_config`), then compiles it as above.
aq::result<std::shared_ptr<const receiver_config>>
parse_receiver_config(std::string_view json_text, const config_overrides& overrides = {});

/// The configuration as its document (`to_json` of the model) with each secret replaced by
/// "<redacted>".
boost::json::value redacted(const receiver_config& config);

} // namespace aqhook
