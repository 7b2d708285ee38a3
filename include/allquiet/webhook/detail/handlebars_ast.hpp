// The syntax tree of a Handlebars template, as Handlebars.js 4.7 builds it.
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace allquiet::webhook::detail::hbs {

/// `foo.bar`, `../foo`, `this`, `@index`, `[literal segment]`.
struct path_expr {
    bool data = false;              ///< starts with @
    int depth = 0;                  ///< number of leading `..`
    std::vector<std::string> parts; ///< without `this`, `.` and `..`
    std::string original;
    bool scoped = false; ///< starts with `this` or `.`: never a helper
};

/// A string, number, boolean, null or undefined written in the template.
struct literal_expr {
    boost::json::value value;
    bool undefined = false;
    std::string original; ///< as a path name, when used as a helper name
};

struct call_expr;
using expr = std::variant<path_expr, literal_expr, std::shared_ptr<call_expr>>;

/// A helper call or a value: `name param... key=value...`; also subexpressions `( ... )`.
struct call_expr {
    expr name;
    std::vector<expr> params;
    std::vector<std::pair<std::string, expr>> hash;
};

/// `~` on the open and close side of a tag.
struct strip_flags {
    bool open = false;
    bool close = false;
};

struct content_node {
    std::string original;
    std::string value; ///< after whitespace control
    bool left_stripped = false;
    bool right_stripped = false;
};

struct mustache_node {
    call_expr call;
    bool escaped = true;
    strip_flags strip;
    std::size_t line = 1, column = 1;
};

struct comment_node {
    strip_flags strip;
};

struct program;

struct block_node {
    call_expr call;
    std::vector<std::string> block_params;
    std::unique_ptr<program> body;    ///< the main program; null for `{{^x}}` without else
    std::unique_ptr<program> inverse; ///< the `{{else}}` program, or a chained block
    strip_flags open_strip, close_strip, inverse_strip;
    std::size_t line = 1, column = 1;
};

using node = std::variant<content_node, mustache_node, comment_node, block_node>;

struct program {
    std::vector<node> body;
    bool chained = false; ///< holds one block from `{{else if ...}}`
};

} // namespace allquiet::webhook::detail::hbs
