// A rule's or expectation's `path`: a pattern where `*` matches any run of characters.
#pragma once

#include <cstddef>
#include <string_view>

namespace aqhook {

/// Whether `pattern` can be a path pattern: it starts with `/`, or with `*`.
inline bool is_path_pattern(std::string_view pattern) {
    return !pattern.empty() && (pattern.front() == '/' || pattern.front() == '*');
}

/// Whether a request's path matches `pattern`.
inline bool glob_match(std::string_view pattern, std::string_view path) {
    // Greedy matching with one backtrack point: enough for `*`, linear in practice.
    std::size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
    while (s < path.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = s;
        } else if (p < pattern.size() && pattern[p] == path[s]) {
            ++p;
            ++s;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace aqhook
