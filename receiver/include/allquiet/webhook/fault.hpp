// The ways a mock receiver's rule can decline to answer, to test how a sender copes.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

namespace allquiet::webhook {

enum class fault {
    reset,   ///< close the connection without answering
    timeout, ///< answer nothing and hold the connection until the client gives up
};

/// `reset` or `timeout`, as the configuration and the journal's JSON spell them.
constexpr std::string_view to_string(fault kind) noexcept { return kind == fault::reset ? "reset" : "timeout"; }

inline std::ostream& operator<<(std::ostream& out, fault kind) { return out << to_string(kind); }

/// The fault for `reset` or `timeout`, or nothing.
constexpr std::optional<fault> fault_from_string(std::string_view text) noexcept {
    if (text == "reset") return fault::reset;
    if (text == "timeout") return fault::timeout;
    return std::nullopt;
}

} // namespace allquiet::webhook
