// The outcome of checking a delivery's signature, and what a verifier accepts. Apart from
// signature.hpp, which computes signatures with OpenSSL, so that code that only reads outcomes
// (the mock receiver's journal and expectations) does not compile OpenSSL's headers.
#pragma once

#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/signing_method.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// Which methods a verifier accepts.
enum class accepted_methods { any, allquiet, aws };

/// How far a timestamp may be from the verifier's clock.
struct timestamp_tolerance {
    std::chrono::nanoseconds past = std::chrono::seconds(300);   ///< how old it may be
    std::chrono::nanoseconds future = std::chrono::seconds(300); ///< how far ahead it may be
    bool enabled = true; ///< false: any timestamp, even unparsable, for replaying old deliveries

    /// The same bound both ways.
    static timestamp_tolerance symmetric(std::chrono::nanoseconds bound) { return {bound, bound, true}; }
    /// No timestamp check at all.
    static timestamp_tolerance none() { return {{}, {}, false}; }
};

/// The configuration of a verifier.
struct verifier_options {
    /// Tried in order; more than one lets secrets rotate without downtime.
    std::vector<std::string> secrets;
    accepted_methods methods = accepted_methods::any;
    timestamp_tolerance tolerance = {};
    /// The verifier's idea of now; inject a fixed clock in tests.
    std::function<time_point()> clock = [] { return time_point(std::chrono::system_clock::now()); };
};

/// What a verification found, as the mock receiver's rules, journal and expectations name it.
enum class verification_status {
    valid,     ///< signed with a configured secret, in time
    invalid,   ///< signed, but the signature or its timestamp fails
    unsigned_, ///< no signature header, or no secret to check one with
};

/// `valid`, `invalid` or `unsigned`, as the journal's JSON spells them.
constexpr std::string_view to_string(verification_status status) noexcept {
    switch (status) {
    case verification_status::valid: return "valid";
    case verification_status::invalid: return "invalid";
    case verification_status::unsigned_: break;
    }
    return "unsigned";
}

inline std::ostream& operator<<(std::ostream& out, verification_status status) { return out << to_string(status); }

/// The status for `valid`, `invalid` or `unsigned`, or nothing.
constexpr std::optional<verification_status> verification_status_from_string(std::string_view text) noexcept {
    if (text == "valid") return verification_status::valid;
    if (text == "invalid") return verification_status::invalid;
    if (text == "unsigned") return verification_status::unsigned_;
    return std::nullopt;
}

/// The outcome of checking one request: the verifier's answer, and what the mock receiver
/// journals for each delivery.
struct verification {
    /// The method found from the headers; empty when the request carries no signature header.
    std::optional<signing_method> method;
    /// Which of the configured secrets matched (valid only when `valid()`).
    std::size_t secret_index = 0;
    /// Empty when the signature is valid; otherwise exactly why not. `error::no_secret` when
    /// there was no secret to check with (a receiver without secrets checks nothing).
    boost::system::error_code error;

    bool valid() const noexcept { return !error; }
    explicit operator bool() const noexcept { return valid(); }

    verification_status status() const noexcept {
        if (!error) return verification_status::valid;
        if (error == webhook::error::unsigned_request || error == webhook::error::no_secret)
            return verification_status::unsigned_;
        return verification_status::invalid;
    }

    friend bool operator==(const verification&, const verification&) = default;
};

} // namespace allquiet::webhook
