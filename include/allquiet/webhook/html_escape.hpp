// HTML escaping as Handlebars.js does it for `{{x}}`, and its inverse, for a receiver whose
// template put values in `{{ }}` rather than `{{{ }}}`. Apart from the renderer, so that a receiver
// that only unescapes does not compile it.
#pragma once

#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace allquiet::webhook {

namespace detail {

/// The entities Handlebars.js's escapeExpression writes, one per character it escapes.
inline constexpr std::pair<char, std::string_view> html_entities[] = {
    {'&', "&amp;"},   {'<', "&lt;"},   {'>', "&gt;"},  {'"', "&quot;"},
    {'\'', "&#x27;"}, {'`', "&#x60;"}, {'=', "&#x3D;"}};

/// The entity for each byte; empty for the bytes written as they are.
inline constexpr auto html_entity_of = [] {
    std::array<std::string_view, 256> table{};
    for (const auto& [character, entity] : html_entities)
        table[static_cast<unsigned char>(character)] = entity;
    return table;
}();

/// Handlebars.js's escapeExpression.
inline void append_escaped(std::string& out, std::string_view s) {
    for (char c : s) {
        const std::string_view entity = html_entity_of[static_cast<unsigned char>(c)];
        if (entity.empty())
            out += c;
        else
            out += entity;
    }
}

} // namespace detail

/// What `{{x}}` makes of a value's text: Handlebars.js's escaping of `& < > " ' ` =`.
inline std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    detail::append_escaped(out, text);
    return out;
}

/// Undoes `escape_html`, for a receiver whose template put values in `{{ }}`: exactly the seven
/// entities Handlebars writes become their characters again, in one pass (so `&amp;lt;` gives
/// `&lt;`), and any other `&` is left as it is.
inline std::string unescape_html(std::string_view text) {
    const auto& entities = detail::html_entities;
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '&') {
            const auto match = std::find_if(std::begin(entities), std::end(entities), [&](const auto& e) {
                return text.substr(i).starts_with(e.second);
            });
            if (match != std::end(entities)) {
                out += match->first;
                i += match->second.size();
                continue;
            }
        }
        out += text[i++];
    }
    return out;
}

} // namespace allquiet::webhook
