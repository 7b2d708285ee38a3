// The admin API under /_aqhook/: the journal, the configuration and its scenarios, the web page
// and its dummy delivery, as a table of routes behind one access check (docs/security.md, "The
// admin surface").
#pragma once

#include "request_handler.hpp"

#include <boost/beast/core/string_type.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace aqhook {

/// Where every path of the admin API starts; any other path is a delivery.
inline constexpr std::string_view admin_prefix = "/_aqhook/";

inline bool is_admin_target(boost::beast::string_view target) {
    return target.substr(0, admin_prefix.size()) ==
           boost::beast::string_view(admin_prefix.data(), admin_prefix.size());
}

/// Answers an admin request, once the access check lets it through.
handler_result handle_admin(receiver_state& state, const http_request& request);

/// Whether `token` matches the configured one, in time that does not depend on where they differ.
bool token_matches(const std::string& configured, std::string_view token);

/// The shortest admin token taken from a user.
inline constexpr std::size_t min_admin_token_length = 16;

/// Why `token` cannot guard the admin API, or nothing when it can: it must be long enough, and
/// arrive whole in `Authorization: Bearer TOKEN`, so no spaces, control characters or bytes
/// outside ASCII.
std::optional<std::string> admin_token_problem(std::string_view token);

/// The token the admin API needs: `given`, or on an address other than loopback a random one
/// (256 bits, hex), since anyone who can reach the port could otherwise rewrite the answers.
std::optional<std::string> admin_token_for(const std::string& listen_address,
                                           std::optional<std::string> given);

} // namespace aqhook
