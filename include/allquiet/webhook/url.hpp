// Absolute http and https URLs, as a request template's `url` must be.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/detail/ip_address.hpp>
#include <allquiet/webhook/error.hpp>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace allquiet::webhook {

/// The parts of an absolute http or https URL that a sender needs.
struct http_url {
    std::string scheme; ///< "http" or "https", lower case
    std::string host;   ///< as written, without brackets for IPv6
    std::uint16_t port; ///< explicit, or 80 / 443
    bool explicit_port; ///< whether the URL names the port
    std::string target; ///< path and query, "/" when the path is empty

    /// The Host header for this URL: the host (IPv6 in brackets) and the port if the URL names it.
    std::string host_header() const {
        std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (explicit_port) out += ":" + std::to_string(port);
        return out;
    }
};

/// Parses an absolute `http://` or `https://` URL (RFC 3986): scheme, optional user
/// information (accepted, never sent), host (name, IPv4 or bracketed IPv6), optional port,
/// path, query, and a fragment (checked, never sent). Characters outside RFC 3986 (spaces,
/// quotes, non-ASCII) must be percent-encoded: the SDK does not guess an encoding.
inline result<http_url> parse_http_url(std::string_view text) {
    auto fail = [](std::string reason) -> result<http_url> {
        return input_error{error::invalid_url, {}, std::move(reason)};
    };
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return fail("no scheme");
    http_url url;
    for (char c : text.substr(0, colon))
        url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (url.scheme != "http" && url.scheme != "https") return fail("scheme must be http or https");
    std::string_view rest = text.substr(colon + 1);
    if (rest.substr(0, 2) != "//") return fail("expected // after the scheme");
    rest.remove_prefix(2);

    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (!detail::is_pct_encoded_text(authority.substr(0, at), [](char c) {
                return detail::is_unreserved(c) || detail::is_sub_delim(c) || c == ':';
            }))
            return fail("invalid character in user information");
        authority.remove_prefix(at + 1);
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return fail("unterminated IPv6 literal");
        url.host = authority.substr(1, close - 1);
        if (!detail::parse_ipv6(url.host)) return fail("invalid IPv6 address");
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("unexpected text after the IPv6 literal");
            port_text = after.substr(1);
        }
    } else {
        const auto port_colon = authority.rfind(':');
        const std::string_view host = authority.substr(0, port_colon);
        if (port_colon != std::string_view::npos) port_text = authority.substr(port_colon + 1);
        if (!detail::is_pct_encoded_text(
                host, [](char c) { return detail::is_unreserved(c) || detail::is_sub_delim(c); }))
            return fail("invalid character in host");
        url.host = host;
    }
    if (url.host.empty()) return fail("empty host");

    url.explicit_port = !port_text.empty();
    url.port = url.scheme == "https" ? 443 : 80;
    if (url.explicit_port) {
        unsigned long port = 0;
        for (char c : port_text) {
            if (!detail::is_digit(c) || port > 65535) return fail("invalid port");
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (port == 0 || port > 65535) return fail("port out of range 1-65535");
        url.port = static_cast<std::uint16_t>(port);
    }

    const auto fragment = rest.find('#');
    if (fragment != std::string_view::npos) {
        if (!detail::is_pct_encoded_text(rest.substr(fragment + 1),
                                         [](char c) { return detail::is_pchar(c) || c == '/' || c == '?'; }))
            return fail("invalid character in fragment");
        rest = rest.substr(0, fragment); // never sent
    }
    const auto query = rest.find('?');
    if (!detail::is_pct_encoded_text(rest.substr(0, query),
                                     [](char c) { return detail::is_pchar(c) || c == '/'; }))
        return fail("invalid character in path");
    if (query != std::string_view::npos && !detail::is_pct_encoded_text(rest.substr(query + 1), [](char c) {
            return detail::is_pchar(c) || c == '/' || c == '?';
        }))
        return fail("invalid character in query");
    url.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
    return url;
}

} // namespace allquiet::webhook
