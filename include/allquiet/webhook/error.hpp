// Error codes of the SDK and the error type that untrusted input produces.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <type_traits>

namespace allquiet::webhook {

/// Everything that can be wrong with input the SDK reads.
enum class error {
    /// The text is not JSON.
    syntax = 1,
    /// JSON nests deeper than the parser allows.
    too_deep,
    /// A member has the wrong JSON type (a number where a string belongs, ...).
    wrong_type,
    /// A required member is absent.
    missing_member,
    /// A member the format does not define (where the format is closed).
    unknown_member,
    /// A string that must be one of a fixed set of values is not.
    unknown_value,
    /// A string or number breaks a length or range limit.
    out_of_range,
    /// A date-time is not RFC 3339 / ISO 8601 with a time zone.
    malformed_timestamp,
    /// A string that must be a UUID is not.
    malformed_uuid,
    /// An HTTP method is not a token, or not a method the SDK knows.
    invalid_method,
    /// A URL is not an absolute http or https URL.
    invalid_url,
    /// A header name is not an HTTP token.
    invalid_header_name,
    /// A header value holds CR, LF, NUL or another control character.
    invalid_header_value,
    /// A header the sender computes itself (Content-Length, Transfer-Encoding).
    reserved_header,
    /// A patch with no operation in it.
    empty_patch,
    /// Intent options that belong to another intent (snoozing options on `Resolved`, ...).
    intent_option_mismatch,
    /// The incident's `allowedIntents` does not list the intent a patch appends.
    intent_not_allowed,

    // Signatures.

    /// A signed request without its signature header (the timestamp header is there).
    missing_signature,
    /// A signed request without its timestamp header.
    missing_timestamp,
    /// The timestamp is older than the verifier's tolerance allows.
    timestamp_too_old,
    /// The timestamp is further in the future than the verifier's tolerance allows.
    timestamp_in_future,
    /// The signature is not 44 characters of standard, padded base64 for 32 bytes.
    malformed_signature,
    /// The signature does not match the body and timestamp under any configured secret.
    signature_mismatch,
    /// The verifier has no secret to check with.
    no_secret,
    /// The request is signed with a method the verifier does not accept.
    method_not_accepted,
    /// The request carries no signature headers at all.
    unsigned_request,

    // Templates.

    /// A template that does not compile.
    template_syntax,
    /// A call with parameters of a helper that does not exist, or a name Handlebars.js reserves.
    missing_helper,
    /// In strict mode: a path, `@data` or a call's name that names nothing.
    missing_value,
    /// A helper reported an error (wrong arguments to a built-in, a block helper without a block,
    /// or a C++ helper threw).
    helper_failed,
    /// Rendering passed the output size, nesting depth or step limit.
    render_limit,

    // Later codes go last, so that every code keeps its value.

    /// Members that exclude each other are given together (`body` with `patch`, `sequence` with
    /// `status`, ...).
    conflicting_members,
    /// A body given for a response whose status has none (204, 304).
    body_not_allowed,
    /// A path or path pattern that does not start with `/` (or, for a pattern, `*`).
    malformed_path,
    /// A JSON pointer that breaks RFC 6901 (does not start with `/`, or a `~` not followed by 0 or 1).
    malformed_json_pointer,
    /// An entry of an address list that is not an IP address or CIDR range.
    malformed_address,
    /// A patch is asked of a delivery whose template does not set `enableIncidentUpdates`.
    updates_not_enabled,
    /// A patch is asked of a delivery that got no 2xx answer (an error status, or no answer at all).
    no_success_answer,
};

namespace detail {

class error_category_impl final : public boost::system::error_category {
  public:
    constexpr error_category_impl() noexcept : boost::system::error_category(0x61517765'62686f6bULL) {}

    const char* name() const noexcept override { return "allquiet.webhook"; }

    std::string message(int code) const override { return message(code, nullptr, 0); }

    const char* message(int code, char*, std::size_t) const noexcept override {
        switch (static_cast<error>(code)) {
        case error::syntax: return "not valid JSON";
        case error::too_deep: return "JSON nested too deeply";
        case error::wrong_type: return "wrong JSON type";
        case error::missing_member: return "required member missing";
        case error::unknown_member: return "unknown member";
        case error::unknown_value: return "unknown value";
        case error::out_of_range: return "value out of range";
        case error::malformed_timestamp: return "malformed date-time";
        case error::malformed_uuid: return "malformed UUID";
        case error::invalid_method: return "invalid HTTP method";
        case error::invalid_url: return "invalid URL";
        case error::invalid_header_name: return "invalid header name";
        case error::invalid_header_value: return "invalid header value";
        case error::reserved_header: return "header is computed by the sender";
        case error::empty_patch: return "patch has no operation";
        case error::intent_option_mismatch: return "intent options do not match the intent";
        case error::intent_not_allowed: return "intent not in the incident's allowedIntents";
        case error::missing_signature: return "signature header missing";
        case error::missing_timestamp: return "timestamp header missing";
        case error::timestamp_too_old: return "timestamp too old";
        case error::timestamp_in_future: return "timestamp in the future";
        case error::malformed_signature: return "malformed signature";
        case error::signature_mismatch: return "signature mismatch";
        case error::no_secret: return "no signing secret configured";
        case error::method_not_accepted: return "signing method not accepted";
        case error::unsigned_request: return "request is not signed";
        case error::template_syntax: return "template syntax error";
        case error::missing_helper: return "missing helper";
        case error::missing_value: return "missing value";
        case error::helper_failed: return "helper failed";
        case error::render_limit: return "render limit exceeded";
        case error::conflicting_members: return "members exclude each other";
        case error::body_not_allowed: return "status allows no body";
        case error::malformed_path: return "malformed path";
        case error::malformed_json_pointer: return "malformed JSON pointer";
        case error::malformed_address: return "malformed IP address or range";
        case error::updates_not_enabled: return "incident updates not enabled";
        case error::no_success_answer: return "no 2xx answer";
        }
        return "unknown allquiet.webhook error";
    }
};

inline constexpr error_category_impl error_category_instance{};

} // namespace detail

/// The category of every `error` code.
inline const boost::system::error_category& webhook_category() noexcept {
    return detail::error_category_instance;
}

/// Makes `error` usable wherever an `error_code` is expected.
inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), webhook_category()};
}

/// Writes the code's message.
inline std::ostream& operator<<(std::ostream& out, error e) { return out << make_error_code(e).message(); }

/// What went wrong with a piece of input, and where.
struct input_error {
    /// What: one of `error`, or another category's code (Boost.JSON's, ...).
    boost::system::error_code code;
    /// Where: a JSON pointer to the offending member ("" for the whole document), or, for
    /// text that is not JSON, empty with the position in `detail`.
    std::string pointer;
    /// A short explanation for people; never holds secrets.
    std::string detail;
    /// For text that does not parse (JSON, templates): the 1-based line and column of the fault,
    /// which `detail` also names; 0 otherwise.
    std::size_t line = 0;
    std::size_t column = 0;

    /// One line: `pointer: what (detail)`.
    std::string message() const {
        std::string out = pointer.empty() ? std::string() : pointer + ": ";
        out += code.message();
        if (!detail.empty()) out += " (" + detail + ")";
        return out;
    }

    friend bool operator==(const input_error&, const input_error&) = default;
};

/// The exception `.value()` throws for a failed `result`: a `system_error` whose `what()` is
/// `input_error::message()`.
class input_exception : public boost::system::system_error {
  public:
    explicit input_exception(input_error e)
        : boost::system::system_error(e.code), error_(std::move(e)), what_(error_.message()) {}

    const char* what() const noexcept override { return what_.c_str(); }

    /// The error with its pointer and detail.
    const input_error& error() const noexcept { return error_; }

  private:
    input_error error_;
    std::string what_;
};

BOOST_NORETURN inline void throw_exception_from_error(const input_error& e,
                                                      const boost::source_location& loc) {
    boost::throw_with_location(input_exception(e), loc);
}

/// The result of reading untrusted input.
template <class T>
using result = boost::system::result<T, input_error>;

} // namespace allquiet::webhook

template <>
struct boost::system::is_error_code_enum<allquiet::webhook::error> : std::true_type {};
