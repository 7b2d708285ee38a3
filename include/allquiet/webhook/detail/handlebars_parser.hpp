// Parsing Handlebars templates into the syntax tree, with Handlebars.js 4.7's lexical rules,
// then its whitespace control (`~` and standalone lines).
#pragma once

#include <allquiet/webhook/detail/handlebars_ast.hpp>
#include <allquiet/webhook/detail/text_position.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/handlebars_options.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook::detail::hbs {

/// Thrown inside the parser; `parse_template` turns it into an `input_error`.
struct syntax_failure {
    std::size_t position;
    std::string message;
};

enum class token_kind {
    id,
    sep,
    data,
    string,
    number,
    boolean,
    null_,
    undefined,
    open_sexpr,
    close_sexpr,
    equals,
    open_block_params,
    close_block_params,
    close,
    close_unescaped,
    close_raw,
};

struct token {
    token_kind kind;
    std::string text; ///< the ID's name (unescaped for [literal]), the string's value, the number's digits
    std::size_t position;
    bool literal_segment = false; ///< an ID written as [segment]
    bool strip = false;           ///< a close token with `~`
};

/// JavaScript's `\s` on ASCII, plus the no-break space and BOM (the others do not occur in
/// templates in practice).
inline std::size_t js_space_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) return 2;
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
        static_cast<unsigned char>(s[i + 2]) == 0xBF)
        return 3;
    return 0;
}

class template_parser {
  public:
    explicit template_parser(std::string_view text) : text_(text) {}

    program parse() {
        program root;
        const auto end = parse_program(root);
        if (end.kind != terminator::eof) {
            if (end.kind == terminator::close)
                fail(end.position, "'{{/" + end.name + "}}' closes no open block");
            fail(end.position, "'{{else}}' outside a block");
        }
        return root;
    }

  private:
    struct terminator {
        enum kind_t { eof, close, inverse, inverse_chain } kind = eof;
        strip_flags strip;
        std::string name; ///< the closed block's name
        std::size_t position = 0;
        call_expr call; ///< for `{{else if ...}}`
        std::vector<std::string> block_params;
    };

    [[noreturn]] void fail(std::size_t position, std::string message) const {
        throw syntax_failure{position, std::move(message)};
    }

    bool at(std::string_view s, std::size_t p) const { return text_.substr(p, s.size()) == s; }

    /// Counts one level of blocks, `else` chains and subexpressions while it lives: the parser
    /// recurses once per level, so a hostile template must not choose how deep.
    struct nesting_guard {
        template_parser& parser;
        nesting_guard(template_parser& owner, std::size_t position) : parser(owner) {
            if (++parser.nesting_ > max_template_nesting)
                parser.fail(position,
                            "nested deeper than " + std::to_string(max_template_nesting) + " levels");
        }
        ~nesting_guard() { --parser.nesting_; }
        nesting_guard(const nesting_guard&) = delete;
        nesting_guard& operator=(const nesting_guard&) = delete;
    };

    // ---- content -------------------------------------------------------------------------

    void add_content(program& out, std::string text) {
        if (!text.empty()) out.body.emplace_back(content_node{text, text});
    }

    /// Reads content up to the next tag, handling `\{{` (a literal mustache) and `\\{{`.
    void read_content(program& out) {
        while (pos_ < text_.size()) {
            const auto open = text_.find("{{", pos_);
            if (open == std::string_view::npos) {
                add_content(out, std::string(text_.substr(pos_)));
                pos_ = text_.size();
                return;
            }
            std::string before(text_.substr(pos_, open - pos_));
            if (before.size() >= 2 && before.compare(before.size() - 2, 2, "\\\\") == 0) {
                before.pop_back(); // `\\{{`: one backslash, then a real tag
                add_content(out, before);
                pos_ = open;
                return;
            }
            if (!before.empty() && before.back() == '\\') {
                before.pop_back(); // `\{{`: the tag is text, up to the next `{{`
                add_content(out, before);
                std::size_t next = text_.find("{{", open + 2);
                if (next == std::string_view::npos) next = text_.size();
                // A following escape starts its own token, as Handlebars.js lexes it.
                if (next != text_.size() && next > open + 2 && text_[next - 1] == '\\') {
                    --next;
                    if (next > open + 2 && text_[next - 1] == '\\') --next;
                }
                add_content(out, std::string(text_.substr(open, next - open)));
                pos_ = next;
                continue;
            }
            add_content(out, before);
            pos_ = open;
            return;
        }
    }

    // ---- tokens inside a tag -------------------------------------------------------------

    static bool is_id_char(char c) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == 0x7f) return false;
        return std::string_view("!\"#%&'()*+,./;<=>@[\\]^`{|}~").find(c) == std::string_view::npos;
    }
    bool lookahead(std::size_t p) const {
        return p >= text_.size() ||
               std::string_view("=~} \t\r\n\f\v/.)|").find(text_[p]) != std::string_view::npos;
    }
    bool literal_lookahead(std::size_t p) const {
        return p >= text_.size() ||
               std::string_view("~} \t\r\n\f\v)").find(text_[p]) != std::string_view::npos;
    }

    /// The tokens of one tag, up to and including its close (`}}`, `}}}` or `}}}}`).
    std::vector<token> read_tag_tokens() {
        std::vector<token> out;
        while (true) {
            if (pos_ >= text_.size()) fail(pos_, "unterminated tag: expected '}}'");
            const std::size_t start = pos_;
            const char c = text_[pos_];
            if (const auto space = js_space_length(text_, pos_)) {
                pos_ += space;
                continue;
            }
            if (c == '(') {
                out.push_back({token_kind::open_sexpr, "(", start});
                ++pos_;
            } else if (c == ')') {
                out.push_back({token_kind::close_sexpr, ")", start});
                ++pos_;
            } else if (at("}}}}", pos_)) { // closes a raw block open, and nothing else
                out.push_back({token_kind::close_raw, "}}}}", start});
                pos_ += 4;
                return out;
            } else if (c == '=') {
                out.push_back({token_kind::equals, "=", start});
                ++pos_;
            } else if (at("..", pos_)) {
                out.push_back({token_kind::id, "..", start});
                pos_ += 2;
            } else if (c == '.' && lookahead(pos_ + 1)) {
                out.push_back({token_kind::id, ".", start});
                ++pos_;
            } else if (c == '.' || c == '/') {
                out.push_back({token_kind::sep, std::string(1, c), start});
                ++pos_;
            } else if (at("}~}}", pos_) || at("}}}", pos_)) {
                token t{token_kind::close_unescaped, "}}}", start};
                t.strip = text_[pos_ + 1] == '~';
                pos_ += t.strip ? 4 : 3;
                out.push_back(t);
                return out;
            } else if (at("~}}", pos_) || at("}}", pos_)) {
                token t{token_kind::close, "}}", start};
                t.strip = c == '~';
                pos_ += t.strip ? 3 : 2;
                out.push_back(t);
                return out;
            } else if (c == '"' || c == '\'') {
                std::string value;
                std::size_t p = pos_ + 1;
                while (true) {
                    if (p >= text_.size()) fail(start, "unterminated string");
                    if (text_[p] == '\\' && p + 1 < text_.size() && text_[p + 1] == c) {
                        value += c;
                        p += 2;
                    } else if (text_[p] == c) {
                        break;
                    } else {
                        value += text_[p++];
                    }
                }
                out.push_back({token_kind::string, value, start});
                pos_ = p + 1;
            } else if (c == '@') {
                out.push_back({token_kind::data, "@", start});
                ++pos_;
            } else if (auto keyword = literal_keyword()) {
                out.push_back({keyword->first, keyword->second, start});
                pos_ += keyword->second.size();
            } else if (auto number = number_literal()) {
                out.push_back({token_kind::number, *number, start});
                pos_ += number->size();
            } else if (at("as", pos_) && block_params_open()) {
                out.push_back({token_kind::open_block_params, "as |", start});
            } else if (c == '|') {
                out.push_back({token_kind::close_block_params, "|", start});
                ++pos_;
            } else if (is_id_char(c)) {
                std::size_t p = pos_;
                while (p < text_.size() && is_id_char(text_[p]))
                    ++p;
                if (!lookahead(p)) fail(p, std::string("unexpected '") + text_[p] + "'");
                out.push_back({token_kind::id, std::string(text_.substr(pos_, p - pos_)), start});
                pos_ = p;
            } else if (c == '[') {
                std::string value;
                std::size_t p = pos_ + 1;
                while (true) {
                    if (p >= text_.size()) fail(start, "unterminated [segment]");
                    if (text_[p] == '\\' && p + 1 < text_.size() && text_[p + 1] == ']') {
                        value += ']';
                        p += 2;
                    } else if (text_[p] == ']') {
                        break;
                    } else {
                        value += text_[p++];
                    }
                }
                token t{token_kind::id, value, start};
                t.literal_segment = true;
                out.push_back(t);
                pos_ = p + 1;
            } else {
                fail(start, std::string("unexpected '") + c + "'");
            }
        }
    }

    std::optional<std::pair<token_kind, std::string>> literal_keyword() const {
        for (auto [word, kind] : {std::pair{std::string_view("true"), token_kind::boolean},
                                  std::pair{std::string_view("false"), token_kind::boolean},
                                  std::pair{std::string_view("undefined"), token_kind::undefined},
                                  std::pair{std::string_view("null"), token_kind::null_}})
            if (at(word, pos_) && literal_lookahead(pos_ + word.size()))
                return std::pair{kind, std::string(word)};
        return std::nullopt;
    }

    std::optional<std::string> number_literal() const {
        std::size_t p = pos_;
        if (p < text_.size() && text_[p] == '-') ++p;
        const std::size_t digits = p;
        while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9')
            ++p;
        if (p == digits) return std::nullopt;
        if (p + 1 < text_.size() && text_[p] == '.' && text_[p + 1] >= '0' && text_[p + 1] <= '9') {
            ++p;
            while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9')
                ++p;
        }
        if (!literal_lookahead(p)) return std::nullopt;
        return std::string(text_.substr(pos_, p - pos_));
    }

    /// `as` followed by whitespace and `|`; consumes it.
    bool block_params_open() {
        std::size_t p = pos_ + 2;
        const std::size_t after_as = p;
        while (p < text_.size() && js_space_length(text_, p))
            p += js_space_length(text_, p);
        if (p == after_as || p >= text_.size() || text_[p] != '|') return false;
        pos_ = p + 1;
        return true;
    }

    // ---- expressions ---------------------------------------------------------------------

    struct token_stream {
        const std::vector<token>& tokens;
        std::size_t i = 0;
        const token& peek(std::size_t ahead = 0) const {
            return tokens[std::min(i + ahead, tokens.size() - 1)];
        }
        const token& take() { return tokens[i++]; }
    };

    path_expr read_path(token_stream& ts, bool data) {
        path_expr path;
        path.data = data;
        std::string original = data ? "@" : "";
        std::vector<const token*> segments;
        std::vector<std::string> separators;
        const token& first = ts.take();
        if (first.kind != token_kind::id) fail(first.position, "expected a name");
        segments.push_back(&first);
        separators.push_back("");
        while (ts.peek().kind == token_kind::sep) {
            separators.push_back(ts.take().text);
            const token& next = ts.peek();
            if (next.kind != token_kind::id)
                fail(next.position, "expected a name after '" + separators.back() + "'");
            segments.push_back(&ts.take());
        }
        for (std::size_t k = 0; k < segments.size(); ++k) {
            const token& seg = *segments[k];
            original += separators[k] + seg.text;
            if (!seg.literal_segment && (seg.text == ".." || seg.text == "." || seg.text == "this")) {
                if (!path.parts.empty()) fail(seg.position, "invalid path: " + original);
                if (seg.text == "..") ++path.depth;
            } else {
                path.parts.push_back(seg.text);
            }
        }
        path.original = original;
        const auto& head = *segments.front();
        path.scoped = !head.literal_segment && (head.text == "." || head.text == "this");
        return path;
    }

    expr read_operand(token_stream& ts) {
        const token& t = ts.peek();
        switch (t.kind) {
        case token_kind::open_sexpr: {
            const nesting_guard nested(*this, t.position);
            ts.take();
            auto call = std::make_shared<call_expr>(read_call(ts));
            const token& close = ts.take();
            if (close.kind != token_kind::close_sexpr) fail(close.position, "expected ')'");
            return call;
        }
        case token_kind::data: ts.take(); return read_path(ts, true);
        case token_kind::id: return read_path(ts, false);
        case token_kind::string: ts.take(); return literal_expr{boost::json::string(t.text), false, t.text};
        case token_kind::number: {
            ts.take();
            double value = 0;
            std::from_chars(t.text.data(), t.text.data() + t.text.size(), value);
            long long integer = 0;
            const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), integer);
            if (ec == std::errc() && end == t.text.data() + t.text.size())
                return literal_expr{static_cast<std::int64_t>(integer), false, t.text};
            return literal_expr{value, false, t.text};
        }
        case token_kind::boolean: ts.take(); return literal_expr{t.text == "true", false, t.text};
        case token_kind::null_: ts.take(); return literal_expr{nullptr, false, t.text};
        case token_kind::undefined: ts.take(); return literal_expr{nullptr, true, t.text};
        default: fail(t.position, "expected a name, a literal or '('");
        }
    }

    /// helperName param* hash?
    call_expr read_call(token_stream& ts) {
        call_expr call;
        if (ts.peek().kind == token_kind::open_sexpr) fail(ts.peek().position, "expected a name");
        call.name = read_operand(ts);
        while (true) {
            const token& t = ts.peek();
            if (t.kind == token_kind::id && ts.peek(1).kind == token_kind::equals) break;
            if (t.kind == token_kind::id || t.kind == token_kind::data || t.kind == token_kind::string ||
                t.kind == token_kind::number || t.kind == token_kind::boolean ||
                t.kind == token_kind::null_ || t.kind == token_kind::undefined ||
                t.kind == token_kind::open_sexpr) {
                call.params.push_back(read_operand(ts));
            } else {
                break;
            }
        }
        while (ts.peek().kind == token_kind::id && ts.peek(1).kind == token_kind::equals) {
            std::string key = ts.take().text;
            ts.take();
            call.hash.emplace_back(std::move(key), read_operand(ts));
        }
        return call;
    }

    std::vector<std::string> read_block_params(token_stream& ts) {
        std::vector<std::string> names;
        if (ts.peek().kind != token_kind::open_block_params) return names;
        ts.take();
        while (ts.peek().kind == token_kind::id)
            names.push_back(ts.take().text);
        if (names.empty() || ts.peek().kind != token_kind::close_block_params)
            fail(ts.peek().position, "expected block parameter names and '|'");
        ts.take();
        return names;
    }

    const token& expect_close(token_stream& ts, token_kind kind) {
        const token& t = ts.take();
        if (t.kind != kind)
            fail(t.position, kind == token_kind::close_unescaped ? "expected '}}}'"
                             : kind == token_kind::close_raw     ? "expected '}}}}'"
                                                                 : "expected '}}'");
        return t;
    }

    static std::string name_of(const expr& e) {
        if (const auto* p = std::get_if<path_expr>(&e)) return p->original;
        if (const auto* l = std::get_if<literal_expr>(&e)) return l->original;
        return "(subexpression)";
    }

    // ---- statements ----------------------------------------------------------------------

    terminator parse_program(program& out) {
        while (true) {
            read_content(out);
            if (pos_ >= text_.size()) return {};
            const std::size_t start = pos_;
            pos_ += 2;
            if (at("{{", pos_)) { // {{{{raw}}}}
                pos_ += 2;
                parse_raw_block(out, start);
                continue;
            }
            const bool open_strip = pos_ < text_.size() && text_[pos_] == '~';
            if (open_strip) ++pos_;

            if (at("!--", pos_)) {
                // The closing `--}}` may reuse the opening dashes: `{{!--}}` is a whole comment.
                const auto end = text_.find("--", pos_ + 1);
                std::size_t close = end;
                while (close != std::string_view::npos && !at("--}}", close) && !at("--~}}", close))
                    close = text_.find("--", close + 1);
                if (close == std::string_view::npos) fail(start, "unterminated comment");
                const bool close_strip = text_[close + 2] == '~';
                pos_ = close + (close_strip ? 5 : 4);
                out.body.emplace_back(comment_node{{open_strip, close_strip}});
                continue;
            }
            if (at("!", pos_)) {
                const auto close = text_.find("}}", pos_);
                if (close == std::string_view::npos) fail(start, "unterminated comment");
                const bool close_strip = text_[close - 1] == '~' && close - 1 > pos_;
                pos_ = close + 2;
                out.body.emplace_back(comment_node{{open_strip, close_strip}});
                continue;
            }
            if (at(">", pos_) || at("#>", pos_) || at("#*", pos_))
                fail(start, "partials and decorators are not supported");
            if (at("/", pos_)) {
                ++pos_;
                const auto tokens = read_tag_tokens();
                token_stream ts{tokens};
                if (ts.peek().kind == token_kind::open_sexpr) fail(ts.peek().position, "expected a name");
                const auto name = read_operand(ts);
                const auto& close = expect_close(ts, token_kind::close);
                terminator t;
                t.kind = terminator::close;
                t.strip = {open_strip, close.strip};
                t.name = name_of(name);
                t.position = start;
                return t;
            }
            if (auto inverse = standalone_inverse()) { // {{^}} or {{else}}
                terminator t;
                t.kind = terminator::inverse;
                t.strip = {open_strip, *inverse};
                t.position = start;
                return t;
            }
            if (else_chain()) { // {{else if ...}}
                const auto tokens = read_tag_tokens();
                token_stream ts{tokens};
                terminator t;
                t.kind = terminator::inverse_chain;
                t.call = read_call(ts);
                t.block_params = read_block_params(ts);
                t.strip = {open_strip, expect_close(ts, token_kind::close).strip};
                t.position = start;
                return t;
            }
            if (at("#", pos_) || at("^", pos_)) {
                const bool inverted = text_[pos_] == '^';
                ++pos_;
                out.body.emplace_back(parse_block(start, open_strip, inverted));
                continue;
            }
            mustache_node m;
            std::tie(m.line, m.column) = line_and_column(start);
            token_kind close_kind = token_kind::close;
            if (at("{", pos_)) {
                ++pos_;
                m.escaped = false;
                close_kind = token_kind::close_unescaped;
            } else if (at("&", pos_)) {
                ++pos_;
                m.escaped = false;
            }
            const auto tokens = read_tag_tokens();
            token_stream ts{tokens};
            m.call = read_call(ts);
            m.strip = {open_strip, expect_close(ts, close_kind).strip};
            out.body.emplace_back(std::move(m));
        }
    }

    /// After `{{` and `~`: `^` or `else`, then only whitespace and `~}}`; consumes it.
    std::optional<bool> standalone_inverse() {
        std::size_t p = pos_;
        if (at("^", p)) {
            ++p;
        } else {
            while (p < text_.size() && js_space_length(text_, p))
                p += js_space_length(text_, p);
            if (!at("else", p)) return std::nullopt;
            p += 4;
        }
        while (p < text_.size() && js_space_length(text_, p))
            p += js_space_length(text_, p);
        if (at("~}}", p)) {
            pos_ = p + 3;
            return true;
        }
        if (at("}}", p)) {
            pos_ = p + 2;
            return false;
        }
        return std::nullopt;
    }

    /// After `{{` and `~`: whitespace, `else`; consumes it (the chained call follows).
    bool else_chain() {
        std::size_t p = pos_;
        while (p < text_.size() && js_space_length(text_, p))
            p += js_space_length(text_, p);
        if (!at("else", p)) return false;
        pos_ = p + 4;
        return true;
    }

    block_node parse_block(std::size_t start, bool open_strip, bool inverted) {
        const nesting_guard nested(*this, start);
        block_node block;
        std::tie(block.line, block.column) = line_and_column(start);
        const auto tokens = read_tag_tokens();
        token_stream ts{tokens};
        block.call = read_call(ts);
        block.block_params = read_block_params(ts);
        block.open_strip = {open_strip, expect_close(ts, token_kind::close).strip};

        auto body = std::make_unique<program>();
        terminator end = parse_program(*body);
        block.body = std::move(body);
        if (end.kind == terminator::inverse) {
            block.inverse_strip = end.strip;
            auto inverse = std::make_unique<program>();
            end = parse_program(*inverse);
            block.inverse = std::move(inverse);
        } else if (end.kind == terminator::inverse_chain) {
            if (inverted) fail(end.position, "'{{else ...}}' cannot follow '{{^...}}'");
            block.inverse_strip = end.strip;
            auto [chain, close] = parse_chain(std::move(end));
            std::get<block_node>(chain->body.front()).close_strip = close.strip;
            block.inverse = std::move(chain);
            end = std::move(close);
        }
        check_close(block, end, start);
        block.close_strip = end.strip;
        if (inverted) std::swap(block.body, block.inverse);
        return block;
    }

    /// `{{else if ...}}` and what follows, as a chained program holding one block.
    std::pair<std::unique_ptr<program>, terminator> parse_chain(terminator open) {
        const nesting_guard nested(*this, open.position);
        block_node block;
        std::tie(block.line, block.column) = line_and_column(open.position);
        block.call = std::move(open.call);
        block.block_params = std::move(open.block_params);
        block.open_strip = open.strip;
        auto body = std::make_unique<program>();
        terminator end = parse_program(*body);
        block.body = std::move(body);
        if (end.kind == terminator::inverse) {
            block.inverse_strip = block.close_strip = end.strip;
            auto inverse = std::make_unique<program>();
            end = parse_program(*inverse);
            block.inverse = std::move(inverse);
        } else if (end.kind == terminator::inverse_chain) {
            block.inverse_strip = block.close_strip = end.strip;
            auto [chain, close] = parse_chain(std::move(end));
            block.inverse = std::move(chain);
            end = std::move(close);
        }
        auto out = std::make_unique<program>();
        out->chained = true;
        out->body.emplace_back(std::move(block));
        return {std::move(out), std::move(end)};
    }

    void check_close(const block_node& block, const terminator& end, std::size_t start) const {
        const std::string open_name = name_of(block.call.name);
        if (end.kind == terminator::eof) fail(start, "'{{#" + open_name + "}}' is never closed");
        if (end.kind != terminator::close) fail(end.position, "unexpected '{{else}}'");
        if (end.name != open_name) fail(end.position, open_name + " doesn't match " + end.name);
    }

    void parse_raw_block(program& out, std::size_t start) {
        block_node block;
        std::tie(block.line, block.column) = line_and_column(start);
        const auto tokens = read_tag_tokens();
        token_stream ts{tokens};
        block.call = read_call(ts);
        expect_close(ts, token_kind::close_raw);
        const std::string name = name_of(block.call.name);
        const std::string closing = "{{{{/" + name + "}}}}";
        const auto end = text_.find(closing, pos_);
        if (end == std::string_view::npos) fail(start, "raw block '" + name + "' is never closed");
        auto body = std::make_unique<program>();
        add_content(*body, std::string(text_.substr(pos_, end - pos_)));
        block.body = std::move(body);
        pos_ = end + closing.size();
        out.body.emplace_back(std::move(block));
    }

  public:
    std::pair<std::size_t, std::size_t> line_and_column(std::size_t position) const {
        return detail::line_and_column(text_, position);
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t nesting_ = 0; // blocks, else chains and subexpressions open at pos_
};

// ---- whitespace control (Handlebars.js's WhitespaceControl visitor) ------------------------

/// Length of the run of JavaScript whitespace at the end (or start) of `s`, and whether it
/// holds a line feed.
inline std::pair<std::size_t, bool> trailing_space(std::string_view s) {
    std::size_t i = s.size();
    bool newline = false;
    while (i > 0) {
        std::size_t len = 0;
        for (std::size_t back = 1; back <= 3 && back <= i; ++back)
            if (js_space_length(s, i - back) == back) len = back;
        if (len == 0) break;
        if (s[i - 1] == '\n') newline = true;
        i -= len;
    }
    return {s.size() - i, newline};
}

inline std::pair<std::size_t, bool> leading_space(std::string_view s) {
    std::size_t i = 0;
    bool newline = false;
    while (i < s.size()) {
        const auto len = js_space_length(s, i);
        if (len == 0) break;
        if (s[i] == '\n') newline = true;
        i += len;
    }
    return {i, newline};
}

inline content_node* content_at(std::vector<node>& body, std::ptrdiff_t i) {
    if (i < 0 || i >= static_cast<std::ptrdiff_t>(body.size())) return nullptr;
    return std::get_if<content_node>(&body[static_cast<std::size_t>(i)]);
}

/// isPrevWhitespace: the content before `i` ends a line with only whitespace after it.
inline bool is_prev_whitespace(std::vector<node>& body, std::ptrdiff_t i, bool is_root) {
    if (i - 1 < 0) return is_root;
    const auto* prev = content_at(body, i - 1);
    if (!prev) return false;
    const bool sibling = i - 2 >= 0;
    const auto [length, newline] = trailing_space(prev->original);
    if (sibling || !is_root) return newline;
    return newline || length == prev->original.size();
}

/// isNextWhitespace: the content after `i` starts with only whitespace up to a line end.
inline bool is_next_whitespace(std::vector<node>& body, std::ptrdiff_t i, bool is_root) {
    if (i + 1 >= static_cast<std::ptrdiff_t>(body.size())) return is_root;
    const auto* next = content_at(body, i + 1);
    if (!next) return false;
    const bool sibling = i + 2 < static_cast<std::ptrdiff_t>(body.size());
    const auto [length, newline] = leading_space(next->original);
    if (sibling || !is_root) return newline;
    return newline || length == next->original.size();
}

/// omitRight: strips the start of the content after `i` (the first node when `i` is -1).
inline void omit_right(std::vector<node>& body, std::ptrdiff_t i, bool multiple = false) {
    auto* current = content_at(body, i + 1);
    if (!current || (!multiple && current->right_stripped)) return;
    const std::string original = current->value;
    if (multiple) {
        current->value.erase(0, leading_space(current->value).first);
    } else {
        std::size_t p = 0;
        while (p < current->value.size() && (current->value[p] == ' ' || current->value[p] == '\t'))
            ++p;
        if (p < current->value.size() && current->value[p] == '\r' && p + 1 < current->value.size() &&
            current->value[p + 1] == '\n')
            p += 2;
        else if (p < current->value.size() && current->value[p] == '\n')
            ++p;
        current->value.erase(0, p);
    }
    current->right_stripped = current->value != original;
}

/// omitLeft: strips the end of the content before `i` (the last node when `i` is the size).
inline bool omit_left(std::vector<node>& body, std::ptrdiff_t i, bool multiple = false) {
    auto* current = content_at(body, i - 1);
    if (!current || (!multiple && current->left_stripped)) return false;
    const std::string original = current->value;
    if (multiple) {
        current->value.resize(current->value.size() - trailing_space(current->value).first);
    } else {
        std::size_t end = current->value.size();
        while (end > 0 && (current->value[end - 1] == ' ' || current->value[end - 1] == '\t'))
            --end;
        current->value.resize(end);
    }
    current->left_stripped = current->value != original;
    return current->left_stripped;
}

struct standalone_strip {
    bool open = false, close = false;
    bool open_standalone = false, close_standalone = false, inline_standalone = false;
};

inline void control_whitespace(program& p, bool is_root);

inline standalone_strip control_block(block_node& block) {
    if (block.body) control_whitespace(*block.body, false);
    if (block.inverse) control_whitespace(*block.inverse, false);
    program& prog = block.body ? *block.body : *block.inverse;
    program* inverse = block.body && block.inverse ? block.inverse.get() : nullptr;
    program* first_inverse = inverse;
    program* last_inverse = inverse;
    if (inverse && inverse->chained) {
        first_inverse = std::get<block_node>(inverse->body.front()).body.get();
        while (last_inverse->chained)
            last_inverse = std::get<block_node>(last_inverse->body.back()).body.get();
    }
    const auto body_size = [](program& q) { return static_cast<std::ptrdiff_t>(q.body.size()); };
    standalone_strip strip;
    strip.open = block.open_strip.open;
    strip.close = block.close_strip.close;
    strip.open_standalone = is_next_whitespace(prog.body, -1, false);
    program& close_side = first_inverse ? *first_inverse : prog;
    strip.close_standalone = is_prev_whitespace(close_side.body, body_size(close_side), false);

    if (block.open_strip.close) omit_right(prog.body, -1, true);
    if (inverse) {
        if (block.inverse_strip.open) omit_left(prog.body, body_size(prog), true);
        if (block.inverse_strip.close) omit_right(first_inverse->body, -1, true);
        if (block.close_strip.open) omit_left(last_inverse->body, body_size(*last_inverse), true);
        if (is_prev_whitespace(prog.body, body_size(prog), false) &&
            is_next_whitespace(first_inverse->body, -1, false)) {
            omit_left(prog.body, body_size(prog));
            omit_right(first_inverse->body, -1);
        }
    } else if (block.close_strip.open) {
        omit_left(prog.body, body_size(prog), true);
    }
    return strip;
}

inline void control_whitespace(program& p, bool is_root) {
    auto& body = p.body;
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(body.size()); ++i) {
        standalone_strip strip;
        auto& current = body[static_cast<std::size_t>(i)];
        if (auto* m = std::get_if<mustache_node>(&current)) {
            strip.open = m->strip.open;
            strip.close = m->strip.close;
        } else if (auto* c = std::get_if<comment_node>(&current)) {
            strip = {c->strip.open, c->strip.close, false, false, true};
        } else if (auto* b = std::get_if<block_node>(&current)) {
            strip = control_block(*b);
        } else {
            continue;
        }
        const bool prev_ws = is_prev_whitespace(body, i, is_root);
        const bool next_ws = is_next_whitespace(body, i, is_root);
        const bool open_standalone = strip.open_standalone && prev_ws;
        const bool close_standalone = strip.close_standalone && next_ws;
        const bool inline_standalone = strip.inline_standalone && prev_ws && next_ws;
        if (strip.close) omit_right(body, i, true);
        if (strip.open) omit_left(body, i, true);
        if (inline_standalone) {
            omit_right(body, i);
            omit_left(body, i);
        }
        if (open_standalone) {
            auto& b = std::get<block_node>(body[static_cast<std::size_t>(i)]);
            omit_right((b.body ? *b.body : *b.inverse).body, -1);
            omit_left(body, i);
        }
        if (close_standalone) {
            omit_right(body, i);
            auto& b = std::get<block_node>(body[static_cast<std::size_t>(i)]);
            auto& q = b.inverse ? *b.inverse : *b.body;
            omit_left(q.body, static_cast<std::ptrdiff_t>(q.body.size()));
        }
    }
}

/// Parses and applies whitespace control; errors carry line, column and an excerpt.
inline result<program> parse_template(std::string_view text) {
    template_parser parser(text);
    try {
        program root = parser.parse();
        control_whitespace(root, true);
        return root;
    } catch (const syntax_failure& failure) {
        const auto [line, column] = parser.line_and_column(failure.position);
        std::string excerpt(text.substr(failure.position, 24));
        std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
        return input_error{error::template_syntax,
                           {},
                           "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                               failure.message + (excerpt.empty() ? "" : " near '" + excerpt + "'"),
                           line,
                           column};
    }
}

} // namespace allquiet::webhook::detail::hbs
