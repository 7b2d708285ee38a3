// The two ways All Quiet signs a delivery, and the headers each one uses; signature.hpp signs and
// verifies with them.
#pragma once

#include <optional>
#include <string_view>

namespace allquiet::webhook {

/// The two signing methods All Quiet offers.
enum class signing_method {
    allquiet, ///< "HMAC-SHA256 (All Quiet)": x-aq-signature, x-aq-timestamp
    aws,      ///< "HMAC-SHA256 (AWS DevOps Agent)": x-amzn-event-signature, x-amzn-event-timestamp
};

/// `allquiet` or `aws`, as the command line and the journal spell them.
constexpr std::string_view to_string(signing_method method) noexcept {
    return method == signing_method::allquiet ? "allquiet" : "aws";
}

/// The method for `allquiet` or `aws`, or nothing.
constexpr std::optional<signing_method> signing_method_from_string(std::string_view text) noexcept {
    if (text == "allquiet") return signing_method::allquiet;
    if (text == "aws") return signing_method::aws;
    return std::nullopt;
}

/// The header that carries the signature (lower case; HTTP names are case-insensitive).
constexpr std::string_view signature_header_name(signing_method method) noexcept {
    return method == signing_method::allquiet ? "x-aq-signature" : "x-amzn-event-signature";
}

/// The header that carries the timestamp.
constexpr std::string_view timestamp_header_name(signing_method method) noexcept {
    return method == signing_method::allquiet ? "x-aq-timestamp" : "x-amzn-event-timestamp";
}

} // namespace allquiet::webhook
