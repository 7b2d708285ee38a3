// How a Handlebars template renders: options, limits, and helpers written in C++.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace allquiet::webhook {

/// A helper's result inserted without HTML escaping (Handlebars.js's SafeString).
struct safe_string {
    std::string text;
};

/// What a helper returns: a value (rendered as Handlebars renders values: strings escaped in
/// `{{ }}`, numbers as JavaScript writes them, null as nothing), or text to insert as is.
using helper_value = std::variant<boost::json::value, safe_string>;

/// One call of a helper: `{{name param1 param2 key=value}}` or a block `{{#name ...}}...{{/name}}`.
struct helper_call {
    std::string_view name;
    std::vector<boost::json::value> params; ///< undefined values arrive as null...
    std::vector<bool> undefined;            ///< ...and are marked here: undefined[i] for params[i]
    boost::json::object hash;
    const boost::json::value& context; ///< `this` where the helper is called
    bool is_block = false;
    /// The block's content rendered against a context (empty for a non-block call).
    std::function<std::string(const boost::json::value&)> fn;
    /// The `{{else}}` part rendered against a context.
    std::function<std::string(const boost::json::value&)> inverse;
};

using helper_function = std::function<helper_value(const helper_call&)>;

/// The deepest a template may nest blocks, `{{else if}}` chains and subexpressions; deeper is
/// `error::template_syntax` when it compiles (the parser recurses once per level).
inline constexpr std::size_t max_template_nesting = 128;

/// Options of one rendering.
struct render_options {
    /// Helpers by name, beside the built-in if, unless, each, with, lookup and log (a helper
    /// given here with a built-in's name replaces it).
    std::map<std::string, helper_function, std::less<>> helpers;
    /// Report a missing value as `error::missing_value` instead of rendering nothing
    /// (Handlebars.js's `strict`).
    bool strict = false;
    /// Largest output, in bytes; more is `error::render_limit`.
    std::size_t max_output = 16 * 1024 * 1024;
    /// Deepest nesting of blocks and helper calls; deeper is `error::render_limit`.
    std::size_t max_depth = 64;
    /// Most steps (a node rendered, a block's program run once) one rendering may take; more is
    /// `error::render_limit`. Bounds templates whose cost grows faster than their input, such as
    /// an `#each` nested in an `#each` over the same long array.
    std::size_t max_steps = 10'000'000;
    /// Receives `{{log ...}}` output: the level ("debug", "info", "warn", "error") and the
    /// message. Nothing is logged without it.
    std::function<void(std::string_view, std::string_view)> log;
};

} // namespace allquiet::webhook
