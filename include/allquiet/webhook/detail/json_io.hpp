// Reading and writing the SDK's types as JSON from one description per type.
//
// Each struct describes its members once, in `json_fields<T>`: the wire name, the C++ member,
// and whether it is required. Reading and writing both walk that description, so the two
// can never disagree. A type with an `unknown_members` object keeps members it does not
// know (tolerant formats such as the incident); any other type rejects them (closed formats
// such as the patch). A type with a `member_order` list keeps the order its members came in,
// and writing follows it: templates show that order (`#each`, `@key`).
#pragma once

#include <allquiet/webhook/detail/text_position.hpp>
#include <allquiet/webhook/enums.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <concepts>
#include <type_traits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// How deep JSON the SDK reads may nest (objects and arrays); deeper input is `error::too_deep`.
inline constexpr std::size_t max_json_depth = 64;

namespace detail {

namespace json = boost::json;

/// Thrown inside the reader only; the public entry points turn it into an `input_error`.
struct read_failure {
    input_error error;
};

/// Where the reader is in the document, kept as a stack so the pointer is built only on error.
class json_reader {
  public:
    void enter(std::string_view key) { path_.push_back({key, 0}); }
    void enter(std::size_t index) { path_.push_back({{}, index + 1}); }
    void leave() { path_.pop_back(); }

    /// The RFC 6901 pointer of the current position.
    std::string pointer() const {
        std::string out;
        for (const auto& s : path_) {
            out += '/';
            if (s.index_plus_one != 0) {
                out += std::to_string(s.index_plus_one - 1);
                continue;
            }
            for (char c : s.key) {
                if (c == '~')
                    out += "~0";
                else if (c == '/')
                    out += "~1";
                else
                    out += c;
            }
        }
        return out;
    }

    [[noreturn]] void fail(error code, std::string detail) const {
        throw read_failure{{code, pointer(), std::move(detail)}};
    }

    /// Fails at the member `key` of the current object.
    [[noreturn]] void fail_at(std::string_view key, error code, std::string detail) {
        enter(key);
        fail(code, std::move(detail));
    }

  private:
    struct segment {
        std::string_view key;
        std::size_t index_plus_one; // 0 for an object key
    };
    std::vector<segment> path_;
};

/// RAII step into a member or element.
class json_scope {
  public:
    template <class Step>
    json_scope(json_reader& reader, Step step) : reader_(reader) {
        reader_.enter(step);
    }
    ~json_scope() { reader_.leave(); }
    json_scope(const json_scope&) = delete;
    json_scope& operator=(const json_scope&) = delete;

  private:
    json_reader& reader_;
};

inline std::string_view kind_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "value";
}

[[noreturn]] inline void fail_type(json_reader& r, const json::value& v, std::string_view expected) {
    r.fail(error::wrong_type, "expected " + std::string(expected) + ", got " + std::string(kind_name(v)));
}

/// One described member: its wire name, the C++ member, and whether it must be present.
template <class Owner, class Member>
struct field {
    std::string_view name;
    Member Owner::*member;
    bool required = false;
};

template <class Owner, class Member>
constexpr field<Owner, Member> optional_field(std::string_view name, Member Owner::*member) {
    return {name, member, false};
}

template <class Owner, class Member>
constexpr field<Owner, Member> required_field(std::string_view name, Member Owner::*member) {
    return {name, member, true};
}

/// A type's described members, in wire order. A plain aggregate rather than `std::tuple`, whose
/// constrained constructors cost compile time in every file that includes a described type
/// (docs/performance.md measures it).
template <class... Fields>
struct field_list {};

template <class First, class... Rest>
struct field_list<First, Rest...> {
    First first;
    field_list<Rest...> rest;
};

template <class First, class... Rest>
constexpr field_list<First, Rest...> describe(First first, Rest... rest) {
    if constexpr (sizeof...(Rest) == 0)
        return {first, {}};
    else
        return {first, describe(rest...)};
}

template <class... Fields>
constexpr std::size_t field_count(const field_list<Fields...>&) {
    return sizeof...(Fields);
}

/// Calls `f(field, index)` for each field of `list`, from `index` on.
template <class First, class... Rest, class F>
void for_each_in(const field_list<First, Rest...>& list, F& f, std::size_t index = 0) {
    f(list.first, index);
    if constexpr (sizeof...(Rest) > 0) for_each_in(list.rest, f, index + 1);
}

/// Specialised next to each type: `static constexpr auto fields = describe(...);`, optionally
/// `static constexpr bool omit_unset = true;` (unset optionals are left out rather than written
/// as null) and `static void validate(json_reader&, const T&);` (checks across members).
template <class T>
struct json_fields;

template <class T>
concept described = requires {
    json_fields<T>::fields;
};

template <class T>
concept keeps_unknown_members = requires(T t) {
    { t.unknown_members } -> std::same_as<json::object&>;
};

template <class T>
concept keeps_member_order = requires(T t) {
    { t.member_order } -> std::same_as<std::vector<std::string>&>;
};

template <class T>
constexpr bool omits_unset() {
    if constexpr (requires { json_fields<T>::omit_unset; })
        return json_fields<T>::omit_unset;
    else
        return false;
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// ---- reading ----------------------------------------------------------------------------

template <class T>
requires described<T>
void read_json(json_reader& r, const json::value& v, T& out);

inline void read_json(json_reader& r, const json::value& v, std::string& out) {
    const auto* s = v.if_string();
    if (!s) fail_type(r, v, "a string");
    out.assign(s->data(), s->size());
}

inline void read_json(json_reader& r, const json::value& v, bool& out) {
    const auto* b = v.if_bool();
    if (!b) fail_type(r, v, "a boolean");
    out = *b;
}

inline void read_json(json_reader& r, const json::value& v, std::int64_t& out) {
    if (const auto* i = v.if_int64()) {
        out = *i;
    } else if (const auto* u = v.if_uint64()) {
        if (*u > static_cast<std::uint64_t>(INT64_MAX)) r.fail(error::out_of_range, "too large");
        out = static_cast<std::int64_t>(*u);
    } else {
        fail_type(r, v, "an integer");
    }
}

// Types without a default constructor are read as values.
inline timestamp read_value(json_reader& r, const json::value& v, std::type_identity<timestamp>) {
    const auto* s = v.if_string();
    if (!s) fail_type(r, v, "a date-time string");
    auto parsed = timestamp::parse(*s);
    if (!parsed) r.fail(error::malformed_timestamp, "'" + std::string(*s) + "' is not RFC 3339");
    return std::move(*parsed);
}

template <class E>
open_enum<E> read_value(json_reader& r, const json::value& v, std::type_identity<open_enum<E>>) {
    const auto* s = v.if_string();
    if (!s) fail_type(r, v, "a string");
    return open_enum<E>(std::string(*s));
}

inline void read_json(json_reader& r, const json::value& v, timestamp& out) {
    out = read_value(r, v, std::type_identity<timestamp>{});
}

template <class E>
void read_json(json_reader& r, const json::value& v, open_enum<E>& out) {
    out = read_value(r, v, std::type_identity<open_enum<E>>{});
}

inline void read_json(json_reader&, const json::value& v, json::value& out) { out = v; }

template <class E>
requires requires { enum_names<E>::names; }
void read_json(json_reader& r, const json::value& v, E& out) {
    const auto* s = v.if_string();
    if (!s) fail_type(r, v, "a string");
    auto known = enum_from_string<E>(*s);
    if (!known) {
        std::string allowed;
        for (auto name : enum_names<E>::names) {
            if (!allowed.empty()) allowed += ", ";
            allowed += name;
        }
        r.fail(error::unknown_value, "'" + std::string(*s) + "' is not one of " + allowed);
    }
    out = *known;
}

/// Null reads as "not set".
template <class T>
void read_json(json_reader& r, const json::value& v, std::optional<T>& out) {
    if (v.is_null()) {
        out.reset();
    } else if constexpr (std::is_default_constructible_v<T>) {
        out.emplace();
        read_json(r, v, *out);
    } else {
        out.emplace(read_value(r, v, std::type_identity<T>{}));
    }
}

/// A null array reads as empty: the service sends null for "none".
template <class T>
void read_json(json_reader& r, const json::value& v, std::vector<T>& out) {
    out.clear();
    if (v.is_null()) return;
    const auto* a = v.if_array();
    if (!a) fail_type(r, v, "an array");
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        json_scope step(r, i);
        if constexpr (std::is_default_constructible_v<T>) {
            out.emplace_back();
            read_json(r, (*a)[i], out.back());
        } else {
            out.push_back(read_value(r, (*a)[i], std::type_identity<T>{}));
        }
    }
}

template <class T, class F>
void for_each_field(F&& f) {
    for_each_in(json_fields<T>::fields, f);
}

template <class T>
void read_described(json_reader& r, const json::value& v, T& out) {
    constexpr std::size_t count = field_count(json_fields<T>::fields);
    if (v.is_null() && keeps_unknown_members<T>) return; // tolerant formats: null object = empty
    const auto* object = v.if_object();
    if (!object) fail_type(r, v, "an object");

    std::array<bool, count> seen{};
    // Whether the members came as writing puts them anyway: every described one in order,
    // then the unknown ones. Then `member_order` stays empty, which costs a document from the
    // service nothing.
    std::size_t known_count = 0, unknown_count = 0;
    bool in_written_order = true;
    for (const auto& member : *object) {
        json_scope step(r, member.key());
        bool known = false;
        for_each_field<T>([&](const auto& f, std::size_t index) {
            if (known || f.name != member.key()) return;
            known = true;
            seen[index] = true;
            in_written_order = in_written_order && index == known_count++ && unknown_count == 0;
            read_json(r, member.value(), out.*(f.member));
        });
        if (known) continue;
        ++unknown_count;
        if constexpr (keeps_unknown_members<T>)
            out.unknown_members.insert_or_assign(member.key(), member.value());
        else
            r.fail(error::unknown_member, "not a member of this object");
    }
    if constexpr (keeps_member_order<T>)
        if (!in_written_order || known_count != count)
            for (const auto& member : *object)
                out.member_order.emplace_back(member.key());
    for_each_field<T>([&](const auto& f, std::size_t index) {
        if (f.required && !seen[index]) r.fail_at(f.name, error::missing_member, {});
    });
    if constexpr (requires { json_fields<T>::validate(r, out); }) json_fields<T>::validate(r, out);
}

template <class T>
requires described<T>
void read_json(json_reader& r, const json::value& v, T& out) { read_described(r, v, out); }

/// Parses text with the SDK's depth limit. Syntax errors report line and column.
inline result<json::value> parse_json_text(std::string_view text, json::storage_ptr storage = {}) {
    json::parse_options options;
    options.max_depth = max_json_depth;
    // The parser's working stack starts on ours: a document of ordinary depth allocates none.
    unsigned char parser_stack[2048];
    json::stream_parser parser(json::storage_ptr(), options, parser_stack);
    parser.reset(std::move(storage));
    boost::system::error_code ec;
    const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
    if (!ec && consumed < text.size()) ec = json::error::extra_data;
    if (!ec) parser.finish(ec);
    if (ec) {
        const auto [line, column] = line_and_column(text, consumed);
        const bool deep = ec == json::error::too_deep;
        return input_error{deep ? make_error_code(error::too_deep) : make_error_code(error::syntax),
                           {},
                           "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                               ec.message(),
                           line,
                           column};
    }
    return parser.release();
}

/// Fills `out` with `read(reader, out)` and gives it, or the `input_error` the reader failed with:
/// how every entry point that reads a document ends its reading.
template <class T, class Read>
result<T> read_reporting_failure(Read&& read) {
    T out{};
    json_reader reader;
    try {
        std::forward<Read>(read)(reader, out);
    } catch (read_failure& failure) {
        return std::move(failure.error);
    }
    return out;
}

/// Reads a whole document of type T.
template <class T>
result<T> read_document(const json::value& v) {
    return read_reporting_failure<T>([&](json_reader& reader, T& out) { read_json(reader, v, out); });
}

template <class T>
result<T> read_document_text(std::string_view text) {
    // The parsed tree lives only while it is read into T: one arena, freed at once.
    json::monotonic_resource arena;
    auto value = parse_json_text(text, &arena);
    if (!value) return value.error();
    return read_document<T>(*value);
}

// ---- writing ----------------------------------------------------------------------------

// Declared first: the containers' overloads call each other, and ADL does not look in detail.
template <class T>
requires described<T> json::value write_json(const T& in);
template <class T>
json::value write_json(const std::optional<T>& o);
template <class T>
json::value write_json(const std::vector<T>& items);

inline json::value write_json(const std::string& s) { return json::string(s); }
inline json::value write_json(bool b) { return b; }
inline json::value write_json(std::int64_t i) { return i; }
inline json::value write_json(const timestamp& t) { return json::string(t.text()); }
inline json::value write_json(const json::value& v) { return v; }

template <class E>
json::value write_json(const open_enum<E>& e) {
    return json::string(e.text());
}

template <class E>
requires requires { enum_names<E>::names; }
json::value write_json(E e) { return json::string(to_string(e)); }

template <class T>
json::value write_json(const std::optional<T>& o) {
    return o ? write_json(*o) : json::value(nullptr);
}

template <class T>
json::value write_json(const std::vector<T>& items) {
    json::array out;
    out.reserve(items.size());
    for (const auto& item : items)
        out.push_back(write_json(item));
    return out;
}

/// Writes one described member into `out`, unless it is there already or is an unset optional
/// its type leaves out.
template <class T, class Field>
void write_field(const T& in, const Field& f, json::object& out) {
    const auto& member = in.*(f.member);
    if constexpr (is_optional<std::decay_t<decltype(member)>>::value)
        if (omits_unset<T>() && !member) return;
    if constexpr (keeps_member_order<T>)
        if (out.contains(f.name)) return;
    out.emplace(f.name, write_json(member));
}

/// Writes the member called `name`, known or unknown, if the value has it.
template <class T>
void write_member_named(const T& in, std::string_view name, json::object& out) {
    bool known = false;
    for_each_field<T>([&](const auto& f, std::size_t) {
        if (known || f.name != name) return;
        known = true;
        write_field(in, f, out);
    });
    if constexpr (keeps_unknown_members<T>)
        if (const auto* extra = in.unknown_members.if_contains(name); !known && extra)
            out.emplace(name, *extra);
}

/// Members in the order they were read, then the other known members in their described
/// order, then the other unknown ones (emplace leaves a member already written alone).
template <class T>
requires described<T> json::value write_json(const T& in) {
    json::object out;
    if constexpr (keeps_member_order<T>)
        for (const auto& name : in.member_order)
            write_member_named(in, name, out);
    for_each_field<T>([&](const auto& f, std::size_t) { write_field(in, f, out); });
    if constexpr (keeps_unknown_members<T>)
        for (const auto& extra : in.unknown_members)
            out.emplace(extra.key(), extra.value());
    return out;
}

} // namespace detail
} // namespace allquiet::webhook
