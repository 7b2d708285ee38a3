// Rendering a parsed template with Handlebars.js 4.7's semantics: context and data frames,
// block parameters, the built-in helpers, and JavaScript's way of turning values into text.
#pragma once

#include <allquiet/webhook/detail/handlebars_ast.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/handlebars_options.hpp>
#include <allquiet/webhook/html_escape.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook::detail::hbs {

namespace json = boost::json;

/// A value during rendering; null is JavaScript's `undefined`.
using value_ptr = const json::value*;

/// JavaScript's `Number.prototype.toString()` for a double.
inline std::string js_number(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return "0";
    char buffer[64];
    const auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, std::fabs(d), std::chars_format::scientific);
    const std::string_view sci(buffer, static_cast<std::size_t>(end - buffer)); // d.ddde±xx, shortest
    const auto e = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e))
        if (c != '.') digits += c;
    int exponent = 0;
    std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
    const int k = static_cast<int>(digits.size()), n = exponent + 1;
    std::string out = d < 0 ? "-" : "";
    if (k <= n && n <= 21) {
        out += digits + std::string(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out +=
            digits.substr(0, static_cast<std::size_t>(n)) + "." + digits.substr(static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
    } else {
        out += digits.substr(0, 1);
        if (k > 1) out += "." + digits.substr(1);
        out += (n - 1 >= 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
    }
    return out;
}

/// JavaScript's `String(value)`; undefined and null give "" as Handlebars writes them.
inline void append_js_string(std::string& out, value_ptr v) {
    if (!v) return;
    switch (v->kind()) {
    case json::kind::null: return;
    case json::kind::bool_: out += v->get_bool() ? "true" : "false"; return;
    case json::kind::int64: out += std::to_string(v->get_int64()); return;
    case json::kind::uint64: out += std::to_string(v->get_uint64()); return;
    case json::kind::double_: out += js_number(v->get_double()); return;
    case json::kind::string: out.append(v->get_string().data(), v->get_string().size()); return;
    case json::kind::object: out += "[object Object]"; return;
    case json::kind::array: {
        bool first = true;
        for (const auto& item : v->get_array()) {
            if (!first) out += ',';
            first = false;
            append_js_string(out, &item);
        }
        return;
    }
    }
}

/// JavaScript truthiness.
inline bool js_truthy(value_ptr v) {
    if (!v) return false;
    switch (v->kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v->get_bool();
    case json::kind::int64: return v->get_int64() != 0;
    case json::kind::uint64: return v->get_uint64() != 0;
    case json::kind::double_: return v->get_double() != 0 && !std::isnan(v->get_double());
    case json::kind::string: return !v->get_string().empty();
    default: return true;
    }
}

inline bool is_zero(value_ptr v) { return v && v->is_number() && v->to_number<double>() == 0; }

/// Handlebars.js's isEmpty: falsy but not 0, or an empty array.
inline bool is_empty(value_ptr v) {
    if (!js_truthy(v) && !is_zero(v)) return true;
    return v->is_array() && v->get_array().empty();
}

struct render_failure {
    input_error error;
};

/// `@index`, `@key`, `@first`, `@last` and `@root`, with the frame it was made from.
struct data_frame {
    const data_frame* parent = nullptr;
    value_ptr root = nullptr;
    std::optional<json::value> index, key, first, last;
};

/// `as |a b|`: the names, and the values the block's helper gave (each gives two, with one).
struct block_param_scope {
    const std::vector<std::string>* names;
    std::array<value_ptr, 2> values;
};

class renderer {
  public:
    renderer(const render_options& options, std::string& out) : options_(options), out_(out) {}

    void render_root(const program& root, const json::value& context) {
        data_frame frame;
        frame.root = &context;
        depths_.push_back(&context);
        current_ = &context;
        render_body(root, &frame);
        flush_sum();
    }

  private:
    // ---- plumbing ------------------------------------------------------------------------

    [[noreturn]] void fail(error code, std::string detail) const {
        throw render_failure{{code, {}, std::move(detail)}};
    }

    value_ptr keep(json::value v) {
        temporaries_.push_back(std::move(v));
        return &temporaries_.back();
    }

    /// Appends rendered text; every byte is counted once, where it is first produced, so the
    /// output limit holds however blocks nest.
    void append(std::string_view text) {
        flush_sum();
        run_has_string_ = true;
        append_counted(text);
    }

    // Handlebars.js compiles a run of appends into one JavaScript `a + b + ...` expression, so
    // adjacent unescaped numbers and booleans (`{{{n}}}{{{m}}}`) are added, not concatenated,
    // until a string joins the run. Reproduced here: raw numeric values wait in `sum_`.
    void append_raw(value_ptr v) {
        if (v && (v->is_number() || v->is_bool()) && !run_has_string_) {
            const double x = v->is_bool() ? (v->get_bool() ? 1 : 0) : v->to_number<double>();
            if (sum_terms_ == 0) first_term_ = *v;
            sum_ = sum_terms_ == 0 ? x : sum_ + x;
            ++sum_terms_;
            return;
        }
        std::string text;
        append_js_string(text, v);
        append(text);
    }

    /// Ends a run of appends (the next one starts anew).
    void break_run() {
        flush_sum();
        run_has_string_ = false;
    }

    /// Writes out a waiting sum.
    void flush_sum() {
        if (sum_terms_ == 0) return;
        std::string text;
        if (sum_terms_ == 1)
            append_js_string(text, &first_term_);
        else
            text = js_number(sum_);
        sum_terms_ = 0;
        append_counted(text);
    }

    void append_counted(std::string_view text) {
        produced_ += text.size();
        if (produced_ > options_.max_output)
            fail(error::render_limit, "output larger than " + std::to_string(options_.max_output) + " bytes");
        out_.append(text);
    }

    /// Counts one unit of work against the step budget.
    void step() {
        if (++steps_ > options_.max_steps)
            fail(error::render_limit, "more than " + std::to_string(options_.max_steps) + " steps");
    }

    struct depth_guard {
        renderer& r;
        explicit depth_guard(renderer& owner) : r(owner) {
            r.step();
            if (++r.nesting_ > r.options_.max_depth)
                r.fail(error::render_limit, "nesting deeper than " + std::to_string(r.options_.max_depth));
        }
        ~depth_guard() { --r.nesting_; }
    };

    /// Handlebars.js's nullContext: what `this` is in a program run against null or undefined.
    static value_ptr null_context() {
        static const json::value empty = json::object();
        return &empty;
    }

    static bool is_nullish(value_ptr v) { return !v || v->is_null(); }

    /// `this` for helper calls (a path's `this` stays null).
    value_ptr current_this() const { return is_nullish(current_) ? null_context() : current_; }

    static bool same_context(value_ptr a, value_ptr b) {
        if (a == b) return true;
        if (a == null_context() && b && b->is_null()) return true;
        if (!a || !b) return false;
        if (a->is_structured() || b->is_structured()) return false; // objects compare by identity
        return *a == *b;
    }

    /// Runs a block's program against a context, writing into the output, as Handlebars.js's
    /// wrapProgram does: the context becomes a new depth for `../` only when it differs from
    /// the current one. The program's output is one string piece of the caller's run.
    void run_into(const program* p, value_ptr context, const data_frame* frame,
                  const std::vector<std::string>* param_names = nullptr, value_ptr param0 = nullptr,
                  value_ptr param1 = nullptr) {
        flush_sum();
        run_has_string_ = true;
        if (!p) return;
        depth_guard guard(*this);
        const bool pushed = !same_context(context, depths_.back());
        if (pushed) depths_.push_back(context);
        const value_ptr outer = std::exchange(current_, context);
        const bool scoped = param_names && !param_names->empty();
        if (scoped) scopes_.push_back({param_names, {param0, param1}});
        run_has_string_ = false;
        render_body(*p, frame);
        flush_sum();
        run_has_string_ = true;
        if (scoped) scopes_.pop_back();
        current_ = outer;
        if (pushed) depths_.pop_back();
    }

    /// The same, returned as a string (for helpers written in C++).
    std::string run_to_string(const program* p, value_ptr context, const data_frame* frame,
                              const std::vector<std::string>* param_names = nullptr,
                              value_ptr param0 = nullptr) {
        flush_sum();
        const bool had_string = run_has_string_;
        const std::size_t mark = out_.size();
        run_into(p, context, frame, param_names, param0);
        std::string text = out_.substr(mark);
        out_.resize(mark);
        run_has_string_ = had_string;
        return text;
    }

    void render_body(const program& p, const data_frame* frame) {
        for (const auto& n : p.body) {
            step();
            if (const auto* c = std::get_if<content_node>(&n)) {
                if (!c->value.empty()) append(c->value); // Handlebars.js drops emptied content
            } else if (const auto* m = std::get_if<mustache_node>(&n))
                render_mustache(*m, frame);
            else if (const auto* b = std::get_if<block_node>(&n))
                render_block(*b, frame);
        }
    }

    // ---- values --------------------------------------------------------------------------

    value_ptr property(value_ptr object, const std::string& name) {
        if (!object) return nullptr;
        if (object->is_object()) {
            const auto* found = object->get_object().if_contains(name);
            return found;
        }
        if (object->is_array()) {
            const auto& array = object->get_array();
            if (name == "length") return keep(static_cast<std::int64_t>(array.size()));
            std::size_t index = 0;
            const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
            if (ec == std::errc() && end == name.data() + name.size() && (name == "0" || name[0] != '0') &&
                index < array.size())
                return &array[index];
            return nullptr;
        }
        if (object->is_string()) return string_property(object->get_string(), name);
        return nullptr;
    }

    /// A string's `length` and characters by index, counted in UTF-16 code units as in
    /// JavaScript (half of a surrogate pair reads as U+FFFD).
    value_ptr string_property(std::string_view s, const std::string& name) {
        std::size_t wanted = 0;
        const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), wanted);
        const bool is_index =
            ec == std::errc() && end == name.data() + name.size() && (name == "0" || name[0] != '0');
        if (name != "length" && !is_index) return nullptr;
        std::size_t units = 0;
        for (std::size_t i = 0; i < s.size();) {
            const auto c = static_cast<unsigned char>(s[i]);
            const std::size_t bytes = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            const std::size_t width = bytes == 4 ? 2 : 1;
            if (is_index && wanted >= units && wanted < units + width)
                return keep(json::string(width == 2 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, bytes)));
            units += width;
            i += bytes;
        }
        return name == "length" ? keep(static_cast<std::int64_t>(units)) : nullptr;
    }

    /// Strict mode, as Handlebars.js: looking into undefined or null is an error; so is a
    /// missing last part where the path is a mustache's or block's own name (`terminal`).
    value_ptr lookup_part(value_ptr object, const std::string& name, const std::string& original,
                          bool terminal) {
        if (options_.strict) {
            if (!object || object->is_null())
                fail(error::missing_value, "cannot read \"" + name + "\" of " +
                                               (object ? "null" : "undefined") + " in " + original);
            if (terminal && !property(object, name))
                fail(error::missing_value, "\"" + name + "\" not defined in " + original);
        }
        return property(object, name);
    }

    value_ptr data_value(const data_frame* frame, const std::string& name) {
        if (!frame) return nullptr;
        if (name == "root") return frame->root;
        const std::optional<json::value>* slot = name == "index"   ? &frame->index
                                                 : name == "key"   ? &frame->key
                                                 : name == "first" ? &frame->first
                                                 : name == "last"  ? &frame->last
                                                                   : nullptr;
        return slot && *slot ? &**slot : nullptr;
    }

    value_ptr resolve_path(const path_expr& path, const data_frame* frame, bool terminal = false) {
        auto walk = [&](value_ptr v, std::size_t from) {
            for (std::size_t i = from; i < path.parts.size(); ++i)
                v = lookup_part(v, path.parts[i], path.original, terminal && i + 1 == path.parts.size());
            return v;
        };
        if (path.data) {
            const data_frame* f = frame;
            for (int d = 0; d < path.depth && f; ++d)
                f = f->parent;
            if (path.parts.empty()) return nullptr;
            const value_ptr v = data_value(f, path.parts.front());
            if (options_.strict && terminal && path.parts.size() == 1 && !v)
                fail(error::missing_value, "\"" + path.parts.front() + "\" not defined in " + path.original);
            return walk(v, 1);
        }
        std::size_t first = 0;
        value_ptr v = nullptr;
        bool from_param = false;
        if (path.depth == 0 && !path.scoped && !path.parts.empty()) {
            for (auto scope = scopes_.rbegin(); scope != scopes_.rend() && !from_param; ++scope) {
                for (std::size_t i = 0; i < scope->names->size(); ++i) {
                    if ((*scope->names)[i] != path.parts.front()) continue;
                    v = i < scope->values.size() ? scope->values[i] : nullptr;
                    from_param = true;
                    first = 1;
                    break;
                }
            }
        }
        if (!from_param) {
            const auto depth = static_cast<std::size_t>(path.depth);
            v = depth == 0               ? current_
                : depth < depths_.size() ? depths_[depths_.size() - 1 - depth]
                                         : nullptr;
        }
        return walk(v, first);
    }

    value_ptr evaluate(const expr& e, const data_frame* frame) {
        if (const auto* p = std::get_if<path_expr>(&e)) return resolve_path(*p, frame);
        if (const auto* l = std::get_if<literal_expr>(&e)) return l->undefined ? nullptr : &l->value;
        const auto& call = *std::get<std::shared_ptr<call_expr>>(e);
        return invoke(call, frame, nullptr).value;
    }

    bool is_block_param(const std::string& name) const {
        for (const auto& scope : scopes_)
            for (const auto& param : *scope.names)
                if (param == name) return true;
        return false;
    }

    /// The helper name a call may refer to, as Handlebars.js's compiler decides it: a one-part
    /// path not written with `this`, `.` or `../` (`@name` included) that no block parameter
    /// shadows, or a literal (looked up by its text).
    const std::string* helper_name(const expr& name) const {
        if (const auto* p = std::get_if<path_expr>(&name))
            if (!p->scoped && p->depth == 0 && p->parts.size() == 1 && !is_block_param(p->parts.front()))
                return &p->parts.front();
        if (const auto* l = std::get_if<literal_expr>(&name)) return &l->original;
        return nullptr;
    }

    // ---- calls ---------------------------------------------------------------------------

    struct call_result {
        call_result(value_ptr v = nullptr) : value(v) {}
        explicit call_result(std::string safe_text) : text(std::move(safe_text)) {}
        static call_result written() {
            call_result r;
            r.wrote = true;
            return r;
        }

        value_ptr value = nullptr;
        std::optional<std::string> text; ///< a helper's safe string
        bool wrote = false;              ///< a block wrote its output already
    };

    static bool is_builtin(std::string_view name) {
        return name == "if" || name == "unless" || name == "each" || name == "with" || name == "lookup" ||
               name == "log";
    }

    /// Handlebars.js 4.7 compiles these names as calls of helpers it has moved out of reach, so
    /// a template that names them fails there whatever the context holds.
    static bool is_reserved(std::string_view name) {
        return name == "helperMissing" || name == "blockHelperMissing";
    }

    call_result invoke(const call_expr& call, const data_frame* frame, const block_node* block) {
        depth_guard guard(*this);
        const auto name = helper_name(call.name);
        if (name) {
            if (is_reserved(*name))
                fail(error::missing_helper, "\"" + *name + "\" is reserved by Handlebars.js");
            if (auto user = options_.helpers.find(*name); user != options_.helpers.end())
                return call_user_helper(*name, user->second, call, frame, block);
            if (is_builtin(*name)) return call_builtin(*name, call, frame, block);
        }
        if (!call.params.empty() || !call.hash.empty()) {
            // Strict mode looks the name up as a value first, so a name that is neither is a
            // missing value there, as in Handlebars.js.
            if (options_.strict) name_as_value(call, frame);
            fail(error::missing_helper, "Missing helper: \"" + (name ? *name : path_text(call.name)) + "\"");
        }
        const value_ptr value = name_as_value(call, frame);
        if (!block) return {value};
        block_helper_missing(*block, value, frame);
        return call_result::written();
    }

    /// A call's name read as a value; in strict mode a missing one is an error.
    value_ptr name_as_value(const call_expr& call, const data_frame* frame) {
        if (const auto* l = std::get_if<literal_expr>(&call.name))
            return lookup_part(current_this(), l->original, l->original, true);
        if (const auto* p = std::get_if<path_expr>(&call.name)) return resolve_path(*p, frame, true);
        return evaluate(call.name, frame);
    }

    static std::string path_text(const expr& e) {
        if (const auto* p = std::get_if<path_expr>(&e)) return p->original;
        if (const auto* l = std::get_if<literal_expr>(&e)) return l->original;
        return "(subexpression)";
    }

    /// A block whose name is a value: true or an object renders the block, false, null,
    /// undefined and empty arrays the inverse, a non-empty array renders the block per element.
    void block_helper_missing(const block_node& block, value_ptr value, const data_frame* frame) {
        const value_ptr self = current_this();
        if (value && value->is_bool() && value->get_bool()) return run_into(block.body.get(), self, frame);
        if (!value || value->is_null() || (value->is_bool() && !value->get_bool()))
            return run_into(block.inverse.get(), self, frame);
        if (value->is_array()) {
            if (value->get_array().empty()) return run_into(block.inverse.get(), self, frame);
            return each(block, value, frame);
        }
        run_into(block.body.get(), value, frame);
    }

    void each(const block_node& block, value_ptr collection, const data_frame* frame) {
        data_frame iteration;
        iteration.parent = frame;
        iteration.root = frame ? frame->root : nullptr;
        std::size_t count = 0;
        auto run = [&](value_ptr item, json::value key, std::size_t index, bool last) {
            iteration.index = static_cast<std::int64_t>(index);
            iteration.key = std::move(key);
            iteration.first = index == 0;
            iteration.last = last;
            run_into(block.body.get(), item, &iteration, &block.block_params, item, &*iteration.key);
            ++count;
        };
        if (collection && collection->is_array()) {
            const auto& array = collection->get_array();
            for (std::size_t i = 0; i < array.size(); ++i)
                run(&array[i], static_cast<std::int64_t>(i), i, i + 1 == array.size());
        } else if (collection && collection->is_object()) {
            const auto& object = collection->get_object();
            std::size_t i = 0;
            for (const auto& member : object) {
                run(&member.value(), json::string(member.key()), i, i + 1 == object.size());
                ++i;
            }
        }
        if (count == 0) run_into(block.inverse.get(), current_this(), frame);
    }

    call_result call_builtin(const std::string& name, const call_expr& call, const data_frame* frame,
                             const block_node* block) {
        auto param = [&](std::size_t i) {
            return i < call.params.size() ? evaluate(call.params[i], frame) : nullptr;
        };
        const value_ptr self = current_this();
        const program* body = block ? block->body.get() : nullptr;
        const program* inverse = block ? block->inverse.get() : nullptr;
        // Handlebars.js calls the block's programs, which a mustache or subexpression lacks.
        if (!block && name != "lookup" && name != "log")
            fail(error::helper_failed,
                 "\"" + name + "\" needs a block: {{#" + name + " ...}}...{{/" + name + "}}");

        if (name == "if" || name == "unless") {
            if (call.params.size() != 1)
                fail(error::helper_failed, "#" + name + " requires exactly one argument");
            const value_ptr condition = param(0);
            const bool falsy =
                (!js_truthy(hash_argument(call, "includeZero", frame)) && !js_truthy(condition)) ||
                is_empty(condition);
            run_into((name == "if") != falsy ? body : inverse, self, frame);
            return call_result::written();
        }
        if (name == "with") {
            if (call.params.size() != 1) fail(error::helper_failed, "#with requires exactly one argument");
            const value_ptr context = param(0);
            if (is_empty(context))
                run_into(inverse, self, frame);
            else
                run_into(body, context, frame, block ? &block->block_params : nullptr, context);
            return call_result::written();
        }
        if (name == "each") {
            if (call.params.empty()) fail(error::helper_failed, "Must pass iterator to #each");
            const value_ptr collection = param(0);
            if (block) each(*block, collection, frame);
            return call_result::written();
        }
        if (name == "lookup") {
            const value_ptr object = param(0);
            if (call.params.size() < 2 || !js_truthy(object)) return {object};
            std::string field;
            append_js_string(field, param(1));
            return {property(object, field)};
        }
        return call_log(call, frame);
    }

    /// The value of a hash argument (`key=value`), or undefined.
    value_ptr hash_argument(const call_expr& call, std::string_view key, const data_frame* frame) {
        for (const auto& [k, v] : call.hash)
            if (k == key) return evaluate(v, frame);
        return nullptr;
    }

    /// `{{log a b level="warn"}}`: the arguments joined by spaces, to `options.log`.
    call_result call_log(const call_expr& call, const data_frame* frame) {
        std::string message;
        for (std::size_t i = 0; i < call.params.size(); ++i) {
            if (i) message += ' ';
            append_js_string(message, evaluate(call.params[i], frame));
        }
        std::string level = "info";
        if (const value_ptr given = hash_argument(call, "level", frame)) {
            level.clear();
            append_js_string(level, given);
        }
        if (options_.log) options_.log(level, message);
        return {nullptr};
    }

    call_result call_user_helper(const std::string& name, const helper_function& helper,
                                 const call_expr& call, const data_frame* frame, const block_node* block) {
        std::vector<json::value> params;
        std::vector<bool> undefined;
        for (const auto& p : call.params) {
            const value_ptr v = evaluate(p, frame);
            params.push_back(v ? *v : json::value());
            undefined.push_back(!v);
        }
        json::object hash;
        for (const auto& [key, value] : call.hash) {
            const value_ptr v = evaluate(value, frame);
            hash[key] = v ? *v : json::value();
        }
        const value_ptr self = current_this();
        helper_call info{name,
                         std::move(params),
                         std::move(undefined),
                         std::move(hash),
                         *self,
                         block != nullptr,
                         nullptr,
                         nullptr};
        if (block) {
            info.fn = [this, block, frame](const json::value& ctx) {
                const value_ptr kept = keep(ctx);
                return run_to_string(block->body.get(), kept, frame, &block->block_params, kept);
            };
            info.inverse = [this, block, frame](const json::value& ctx) {
                return run_to_string(block->inverse.get(), keep(ctx), frame);
            };
        } else {
            info.fn = info.inverse = [](const json::value&) { return std::string(); };
        }
        helper_value result;
        try {
            result = helper(info);
        } catch (const render_failure&) {
            throw;
        } catch (const std::exception& e) {
            fail(error::helper_failed, "helper \"" + name + "\": " + e.what());
        }
        if (auto* safe = std::get_if<safe_string>(&result)) return call_result(std::move(safe->text));
        return {keep(std::move(std::get<json::value>(result)))};
    }

    // ---- statements ----------------------------------------------------------------------

    void render_mustache(const mustache_node& m, const data_frame* frame) {
        const call_result result = invoke(m.call, frame, nullptr);
        if (result.text) return append(*result.text); // a safe string
        if (result.wrote) return;                     // a block helper used inline
        if (!m.escaped) return append_raw(result.value);
        // Escaped output is a string piece even when empty.
        flush_sum();
        run_has_string_ = true;
        const value_ptr v = result.value;
        if (v && v->is_string()) return append_escaped_counted(v->get_string());
        std::string text;
        append_js_string(text, v);
        append_escaped_counted(text);
    }

    void append_escaped_counted(std::string_view text) {
        const std::size_t before = out_.size();
        append_escaped(out_, text);
        produced_ += out_.size() - before;
        if (produced_ > options_.max_output)
            fail(error::render_limit, "output larger than " + std::to_string(options_.max_output) + " bytes");
    }

    void render_block(const block_node& b, const data_frame* frame) {
        // A block named by a plain value or a helper unknown when Handlebars.js compiles
        // starts a new run of appends (its compiled code holds a statement there).
        if (const auto* name = helper_name(b.call.name); name && !is_builtin(*name)) break_run();
        const call_result result = invoke(b.call, frame, &b);
        if (result.wrote) return;
        if (result.text) return append(*result.text);
        append_raw(result.value);
    }

    const render_options& options_;
    std::string& out_;
    /// The contexts `../` walks up; a program's own context is `current_`, which Handlebars.js
    /// keeps apart (they differ when a helper passes nullContext for a null context).
    std::vector<value_ptr> depths_;
    value_ptr current_ = nullptr;
    std::vector<block_param_scope> scopes_;
    std::deque<json::value> temporaries_;
    std::size_t nesting_ = 0;
    std::size_t produced_ = 0;
    std::size_t steps_ = 0; // against options_.max_steps
    double sum_ = 0;
    int sum_terms_ = 0;
    bool run_has_string_ = false;
    json::value first_term_;
};

inline result<std::string> render_program(const program& root, const json::value& context,
                                          const render_options& options) {
    std::string out;
    try {
        renderer r(options, out);
        r.render_root(root, context);
    } catch (render_failure& failure) {
        return std::move(failure.error);
    }
    return out;
}

} // namespace allquiet::webhook::detail::hbs
