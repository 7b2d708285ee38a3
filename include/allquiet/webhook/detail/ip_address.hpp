// Numeric IP addresses in text, read as POSIX inet_pton reads them (dotted decimal IPv4; IPv6 as
// RFC 4291 §2.2 writes it), without the platform's socket headers in every file that parses one.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace allquiet::webhook::detail {

using ipv4_bytes = std::array<unsigned char, 4>;
using ipv6_bytes = std::array<unsigned char, 16>;

/// `a.b.c.d`: four decimal parts of 0-255, none with a leading zero.
inline std::optional<ipv4_bytes> parse_ipv4(std::string_view text) {
    ipv4_bytes out{};
    std::size_t i = 0;
    for (std::size_t part = 0; part < out.size(); ++part) {
        if (part > 0 && (i == text.size() || text[i++] != '.')) return std::nullopt;
        const std::size_t start = i;
        unsigned value = 0;
        while (i < text.size() && i - start < 3 && is_digit(text[i]))
            value = value * 10 + static_cast<unsigned>(text[i++] - '0');
        const std::size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
        out[part] = static_cast<unsigned char>(value);
    }
    if (i != text.size()) return std::nullopt;
    return out;
}

inline unsigned hex_value(char c) {
    return is_digit(c) ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(ascii_lower(c) - 'a' + 10);
}

/// Groups of 1-4 hex digits separated by `:`, at most one `::` standing for one or more zero
/// groups, and optionally an IPv4 address as the last 32 bits (`::ffff:192.0.2.1`).
inline std::optional<ipv6_bytes> parse_ipv6(std::string_view text) {
    ipv6_bytes out{};
    std::size_t written = 0;
    std::optional<std::size_t> gap; // where `::` stands, in bytes
    std::size_t i = 0;
    if (text.starts_with("::")) {
        gap = 0;
        i = 2;
    } else if (text.starts_with(":")) {
        return std::nullopt;
    }
    while (i < text.size()) {
        const std::size_t end = std::min(text.find(':', i), text.size());
        const std::string_view group = text.substr(i, end - i);
        if (group.find('.') != std::string_view::npos) {
            const auto v4 = parse_ipv4(group);
            if (end != text.size() || written + 4 > out.size() || !v4) return std::nullopt;
            std::copy(v4->begin(), v4->end(), out.begin() + static_cast<std::ptrdiff_t>(written));
            written += 4;
            break;
        }
        if (group.empty() || group.size() > 4 || written + 2 > out.size() ||
            !std::all_of(group.begin(), group.end(), is_hex))
            return std::nullopt;
        unsigned value = 0;
        for (char c : group)
            value = value * 16 + hex_value(c);
        out[written++] = static_cast<unsigned char>(value >> 8);
        out[written++] = static_cast<unsigned char>(value);
        if (end == text.size()) break;
        i = end + 1;
        if (i == text.size()) return std::nullopt; // a lone trailing colon
        if (text[i] == ':') {
            if (gap) return std::nullopt;
            gap = written;
            ++i;
        }
    }
    if (!gap) {
        if (written != out.size()) return std::nullopt;
        return out;
    }
    if (written == out.size()) return std::nullopt; // `::` must stand for at least one group
    // The groups after the gap move to the end; the gap's bytes become zero.
    const auto first = out.begin() + static_cast<std::ptrdiff_t>(*gap);
    const auto last = out.begin() + static_cast<std::ptrdiff_t>(written);
    std::move_backward(first, last, out.end());
    std::fill(first, first + static_cast<std::ptrdiff_t>(out.size() - written), 0);
    return out;
}

} // namespace allquiet::webhook::detail
