// Character rules of HTTP (RFC 9110) and URLs (RFC 3986) that the SDK checks input against.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace allquiet::webhook::detail {

inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/// RFC 9110 tchar: what header names and methods are made of.
inline bool is_tchar(char c) {
    return is_alpha(c) || is_digit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

/// A field value may hold visible characters, space, tab and obs-text, never CR, LF, NUL or
/// another control character (they would split or truncate the header).
inline bool is_field_value(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && u != '\t') || u == 0x7f;
    });
}

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Case-insensitive comparison of ASCII names (header names are ASCII; no locale involved).
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

/// Whether `name` equals `lower_name` (already lower case) ignoring case: the hot path of
/// header lookups, where one side is a constant.
inline bool equals_lower(std::string_view name, std::string_view lower_name) {
    if (name.size() != lower_name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (ascii_lower(name[i]) != lower_name[i]) return false;
    return true;
}

inline bool is_unreserved(char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

inline bool is_sub_delim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

/// Whether every character is `allowed` or part of a valid `%XX` escape.
template <class Allowed>
bool is_pct_encoded_text(std::string_view s, Allowed allowed) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
            i += 2;
        } else if (!allowed(s[i])) {
            return false;
        }
    }
    return true;
}

inline bool is_pchar(char c) { return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@'; }

/// application/x-www-form-urlencoded encoding of one name or value: unreserved characters as
/// they are, space as `+`, every other byte as `%XX` (upper case), as .NET's
/// FormUrlEncodedContent writes it.
inline void append_form_encoded(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : s) {
        if (is_unreserved(c)) {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
}

} // namespace allquiet::webhook::detail
