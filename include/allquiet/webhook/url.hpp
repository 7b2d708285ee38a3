// Absolute http and https URLs, as a request template's `url` must be.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/detail/ip_address.hpp>
#include <allquiet/webhook/error.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
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

namespace detail {

// The steps of `parse_http_url`, in the order the URL is read. Each one fills its part of `url`
// and gives the reason it refuses the text, if it does.
using url_step = std::optional<std::string>;

/// `http:` or `https:` in any case, then `//`; `rest` becomes what follows.
inline url_step read_url_scheme(std::string_view& rest, http_url& url) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return "no scheme";
    for (char c : rest.substr(0, colon))
        url.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (url.scheme != "http" && url.scheme != "https") return "scheme must be http or https";
    rest.remove_prefix(colon + 1);
    if (rest.substr(0, 2) != "//") return "expected // after the scheme";
    rest.remove_prefix(2);
    return std::nullopt;
}

/// Takes the authority off the front of `rest` and gives it without its user information, which is
/// checked and never sent.
inline url_step read_url_authority(std::string_view& rest, std::string_view& authority) {
    const auto authority_end = rest.find_first_of("/?#");
    authority = rest.substr(0, authority_end);
    rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    const auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    if (!is_pct_encoded_text(authority.substr(0, at),
                             [](char c) { return is_unreserved(c) || is_sub_delim(c) || c == ':'; }))
        return "invalid character in user information";
    authority.remove_prefix(at + 1);
    return std::nullopt;
}

/// The host of `authority` (a name, an IPv4 address or a bracketed IPv6 address) into `url.host`,
/// and the text after its `:` into `port_text`.
inline url_step read_url_host(std::string_view authority, http_url& url, std::string_view& port_text) {
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return "unterminated IPv6 literal";
        url.host = authority.substr(1, close - 1);
        if (!parse_ipv6(url.host)) return "invalid IPv6 address";
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "unexpected text after the IPv6 literal";
            port_text = after.substr(1);
        }
    } else {
        const auto port_colon = authority.rfind(':');
        const std::string_view host = authority.substr(0, port_colon);
        if (port_colon != std::string_view::npos) port_text = authority.substr(port_colon + 1);
        if (!is_pct_encoded_text(host, [](char c) { return is_unreserved(c) || is_sub_delim(c); }))
            return "invalid character in host";
        url.host = host;
    }
    if (url.host.empty()) return "empty host";
    return std::nullopt;
}

/// The port the URL names, or the scheme's: 80 or 443.
inline url_step read_url_port(std::string_view port_text, http_url& url) {
    url.explicit_port = !port_text.empty();
    url.port = url.scheme == "https" ? 443 : 80;
    if (!url.explicit_port) return std::nullopt;
    unsigned long port = 0;
    for (char c : port_text) {
        if (!is_digit(c) || port > 65535) return "invalid port";
        port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) return "port out of range 1-65535";
    url.port = static_cast<std::uint16_t>(port);
    return std::nullopt;
}

/// Path and query into `url.target` ("/" for an empty path); the fragment is checked, never sent.
inline url_step read_url_target(std::string_view rest, http_url& url) {
    const auto fragment = rest.find('#');
    if (fragment != std::string_view::npos) {
        if (!is_pct_encoded_text(rest.substr(fragment + 1),
                                 [](char c) { return is_pchar(c) || c == '/' || c == '?'; }))
            return "invalid character in fragment";
        rest = rest.substr(0, fragment);
    }
    const auto query = rest.find('?');
    if (!is_pct_encoded_text(rest.substr(0, query), [](char c) { return is_pchar(c) || c == '/'; }))
        return "invalid character in path";
    if (query != std::string_view::npos && !is_pct_encoded_text(rest.substr(query + 1), [](char c) {
            return is_pchar(c) || c == '/' || c == '?';
        }))
        return "invalid character in query";
    url.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
    return std::nullopt;
}

} // namespace detail

/// Parses an absolute `http://` or `https://` URL (RFC 3986): scheme, optional user
/// information (accepted, never sent), host (name, IPv4 or bracketed IPv6), optional port,
/// path, query, and a fragment (checked, never sent). Characters outside RFC 3986 (spaces,
/// quotes, non-ASCII) must be percent-encoded: the SDK does not guess an encoding.
inline result<http_url> parse_http_url(std::string_view text) {
    http_url url;
    std::string_view rest = text, authority, port_text;
    detail::url_step refused = detail::read_url_scheme(rest, url);
    if (!refused) refused = detail::read_url_authority(rest, authority);
    if (!refused) refused = detail::read_url_host(authority, url, port_text);
    if (!refused) refused = detail::read_url_port(port_text, url);
    if (!refused) refused = detail::read_url_target(rest, url);
    if (refused) return input_error{error::invalid_url, {}, std::move(*refused)};
    return url;
}

} // namespace allquiet::webhook
