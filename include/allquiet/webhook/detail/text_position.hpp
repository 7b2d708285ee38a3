// Line and column of a position in text, for error messages.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

namespace allquiet::webhook::detail {

/// The 1-based line and column of byte `position` in `text`.
inline std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t position) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < position && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

} // namespace allquiet::webhook::detail
