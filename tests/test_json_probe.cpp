#include "json_probe.hpp"

#include <boost/test/unit_test.hpp>

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>
#include <random>

BOOST_AUTO_TEST_SUITE(test_json_probe)

using aqhook::json_pointer;
using aqhook::json_probe;
namespace json = boost::json;

namespace {

json_pointer pointer(std::string_view text) { return json_pointer::parse(text).value(); }

/// RFC 6901 on a parsed tree, written plainly. (Boost.JSON 1.81's `find_pointer` differs in one
/// place: it takes an empty token before the last for array index 0.)
const json::value* find_by_rfc(const json::value& root, std::string_view text) {
    const json::value* at = &root;
    while (!text.empty()) {
        text.remove_prefix(1); // the '/'
        const std::string_view raw = text.substr(0, text.find('/'));
        text.remove_prefix(raw.size());
        std::string token;
        for (std::size_t i = 0; i < raw.size(); ++i)
            token += raw[i] == '~' ? (raw[++i] == '0' ? '~' : '/') : raw[i];
        if (const auto* object = at->if_object()) {
            at = object->if_contains(token);
        } else if (const auto* array = at->if_array()) {
            const bool is_index = !token.empty() &&
                                  token.find_first_not_of("0123456789") == std::string::npos &&
                                  (token == "0" || token[0] != '0') && token.size() < 10;
            at = is_index && std::stoul(token) < array->size() ? &(*array)[std::stoul(token)] : nullptr;
        } else {
            at = nullptr;
        }
        if (!at) return nullptr;
    }
    return at;
}

/// Checks the probe against the parsed tree: each slot holds what the pointer finds there.
void check_agrees(std::string_view document, const std::vector<std::string>& pointers) {
    json_probe probe;
    for (const auto& p : pointers)
        probe.add(pointer(p));
    json::monotonic_resource arena;
    const auto probed = probe.read(document, &arena);
    const auto tree = allquiet::webhook::detail::parse_json_text(document);
    BOOST_TEST_REQUIRE(probed.has_value() == tree.has_value(), document);
    if (!tree) return;
    for (const auto& p : pointers) {
        const std::size_t slot = probe.add(pointer(p)); // the same slot again
        const json::value* expected = find_by_rfc(*tree, p);
        const auto& got = (*probed)[slot];
        BOOST_TEST_CONTEXT("document " << document << ", pointer '" << p << "'") {
            BOOST_TEST(got.has_value() == (expected != nullptr));
            if (got && expected)
                BOOST_TEST(*got == *expected, json::serialize(*got) << " != " << json::serialize(*expected));
        }
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(pointers_are_read_as_rfc_6901_says) {
    BOOST_TEST(pointer("").tokens.empty());
    BOOST_TEST_REQUIRE(pointer("/").tokens.size() == 1u);
    BOOST_TEST(pointer("/").tokens[0].key == "");
    const auto escaped = pointer("/a~0b~1c/~01");
    BOOST_TEST_REQUIRE(escaped.tokens.size() == 2u);
    BOOST_TEST(escaped.tokens[0].key == "a~b/c");
    BOOST_TEST(escaped.tokens[1].key == "~1"); // ~01 is ~ then 1, not /
    BOOST_TEST((pointer("/0").tokens[0].index == std::optional<std::size_t>(0)));
    BOOST_TEST((pointer("/10").tokens[0].index == std::optional<std::size_t>(10)));
    for (const char* not_an_index : {"/01", "/-", "/1e0", "/+1", "/ 1", "/", "/18446744073709551616"})
        BOOST_TEST(!pointer(not_an_index).tokens[0].index.has_value(), not_an_index);

    for (const char* bad : {"a", "#/a", "/a~", "/a~2", "/~x/b"}) {
        const auto parsed = json_pointer::parse(bad);
        BOOST_TEST_REQUIRE(parsed.has_error(), bad);
        BOOST_TEST((parsed.error().code == allquiet::webhook::error::malformed_json_pointer));
    }
}

// A longer pointer names nothing in a document the SDK reads, and cost the square of its length
// to add (100,000 tokens: 34 s).
BOOST_AUTO_TEST_CASE(a_pointer_is_at_most_as_deep_as_a_document_nests) {
    std::string deepest, document = "1";
    for (std::size_t i = 0; i < allquiet::webhook::max_json_depth; ++i) {
        deepest += "/0";
        document = "[" + document + "]";
    }
    json_probe probe;
    const auto slot = probe.add(pointer(deepest));
    const auto tree = allquiet::webhook::detail::parse_json_text(document).value();
    const auto* found = probe.find(tree, slot);
    BOOST_TEST_REQUIRE(found != nullptr);
    BOOST_TEST(*found == json::value(1));

    for (const auto& deeper : {deepest + "/0", std::string(1'000'000, '/')}) {
        const auto parsed = json_pointer::parse(deeper);
        BOOST_TEST_REQUIRE(parsed.has_error());
        BOOST_TEST((parsed.error().code == allquiet::webhook::error::malformed_json_pointer));
        BOOST_TEST(parsed.error().detail == "a JSON pointer has at most 64 reference tokens, the JSON nesting limit");
    }
}

BOOST_AUTO_TEST_CASE(an_equal_pointer_shares_a_slot) {
    json_probe probe;
    BOOST_TEST(probe.empty());
    BOOST_TEST(probe.add(pointer("/a/0")) == 0u);
    BOOST_TEST(probe.add(pointer("/a")) == 1u);
    BOOST_TEST(probe.add(pointer("/a/0")) == 0u);
    BOOST_TEST(probe.size() == 2u);
    BOOST_TEST(probe.pointer(0).tokens.size() == 2u);
}

BOOST_AUTO_TEST_CASE(finds_what_find_pointer_finds) {
    const std::string incident = R"({"id": "i-1", "title": "Disk full", "events": [
        {"severity": "Critical", "status": "Open", "n": 1},
        {"severity": "Warning", "tags": ["a", "b"], "big": 18446744073709551615, "neg": -3, "x": 1.5e3}],
        "attributes": {"a/b": true, "m~n": null, "": {"": 0}}, "empty": {}, "none": []})";
    check_agrees(incident, {"/events/0/severity", "/events/1/severity", "/events/2/severity", "/title"});
    check_agrees(incident,
                 {"/events/1/big", "/events/1/neg", "/events/1/x", "/events/1/tags/1", "/events/1/tags/2"});
    check_agrees(incident, {"/attributes/a~1b", "/attributes/m~0n", "/attributes/", "/attributes//", "/empty",
                            "/none"});
    check_agrees(incident, {"/events", "/events/0", "/attributes"}); // whole containers
    check_agrees(incident, {"/events/-", "/events/01", "/title/0", "/id/x", "/nothing", "/events/0/n/0"});
    check_agrees(incident, {""});
    check_agrees(incident, {"", "/events/1/tags", "/events/1/tags/0"});        // nested: looked up inside
    check_agrees(incident, {"/events/1/tags/0", "/events/1/tags", "/events"}); // added inner first
    check_agrees("[[0, [1, 2]], {\"0\": 3}]", {"/0/1/1", "/1/0", "/0/0", "/2"});
    check_agrees("\"just a string\"", {"", "/a"});
    check_agrees("42", {"", "/0"});
}

BOOST_AUTO_TEST_CASE(an_empty_token_names_no_array_element) {
    check_agrees(R"([["x"], {"": ["y"]}])", {"//0", "/1//0", "/"});
    boost::system::error_code ec; // where Boost.JSON's find_pointer reads it otherwise
    BOOST_TEST(json::parse(R"([["x"]])").find_pointer("//0", ec) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_repeated_member_name_keeps_the_last_value) {
    check_agrees(R"({"a": {"b": 1}, "a": {"c": 2}})", {"/a/b", "/a/c", "/a"});
    check_agrees(R"({"a": {"b": 1}, "a": {"c": 2}})", {"/a/b"});
    check_agrees(R"({"x": {"a": {"b": 1}}, "x": 5})", {"/x/a/b"});
    check_agrees(R"({"s": "first", "s": "second"})", {"/s"});
}

BOOST_AUTO_TEST_CASE(escaped_and_long_text_arrives_whole) {
    // Escapes and long strings reach the parser's handler in parts.
    const std::string long_key(10000, 'k');
    const std::string long_value(20000, 'v');
    const std::string document = R"({"a\/b": "x\ny", "\u00e9": ["\ud83d\ude00"], ")" + long_key +
                                 R"(\t": ")" + long_value + R"(\"", "after": [1, "2"]})";
    check_agrees(document, {"/a~1b", "/\xc3\xa9/0", "/" + long_key + "\t", "/after/1"});
    check_agrees(document, {"/after"});
}

BOOST_AUTO_TEST_CASE(text_that_is_not_one_json_document_has_no_values) {
    json_probe probe;
    probe.add(pointer("/a"));
    json::monotonic_resource arena;
    for (const char* bad :
         {"", "{", R"({"a": 1} x)", R"({"a": 1}{})", "{'a': 1}", R"({"a": 1,})", "nul", "[1, 2"})
        BOOST_TEST(!probe.read(bad, &arena).has_value(), bad);
    BOOST_TEST(probe.read(" {\"a\": 1} \n", &arena).has_value());

    const std::string deep(allquiet::webhook::max_json_depth + 1, '[');
    BOOST_TEST(!probe.read(deep + std::string(deep.size(), ']'), &arena).has_value());
    check_agrees(deep + std::string(deep.size(), ']'), {"/0"});
}

BOOST_AUTO_TEST_CASE(an_empty_probe_still_checks_the_text) {
    json_probe probe;
    json::monotonic_resource arena;
    const auto read = probe.read(R"({"a": 1})", &arena);
    BOOST_TEST_REQUIRE(read.has_value());
    BOOST_TEST(read->empty());
    BOOST_TEST(!probe.read("{", &arena).has_value());
}

// Random documents over a small alphabet of names, so that pointers often hit, with random
// pointers among them: the probe and the tree agree on every one.
BOOST_AUTO_TEST_CASE(agrees_with_the_tree_on_random_documents) {
    std::mt19937 random(20261127);
    auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    const std::vector<std::string> names = {"a", "b", "0", "", "a/b", "~"};
    std::function<std::string(int)> value = [&](int depth) -> std::string {
        switch (depth > 3 ? pick(4) : pick(7)) {
        case 0: return std::to_string(pick(5) - 2);
        case 1: return "\"" + names[static_cast<std::size_t>(pick(6))] + "\"";
        case 2: return pick(2) ? "true" : "null";
        case 3: return "2.5";
        case 4:
        case 5: {
            std::string out = "{";
            for (int i = 0, n = pick(4); i < n; ++i) {
                std::string name = names[static_cast<std::size_t>(pick(6))];
                out += (i ? ", \"" : "\"") + name + "\": " + value(depth + 1);
            }
            return out + "}";
        }
        default: {
            std::string out = "[";
            for (int i = 0, n = pick(4); i < n; ++i)
                out += (i ? ", " : "") + value(depth + 1);
            return out + "]";
        }
        }
    };
    const std::vector<std::string> tokens = {"a", "b", "0", "1", "", "a~1b", "~0", "-", "01"};
    for (int round = 0; round < 3000; ++round) {
        const std::string document = value(0);
        std::vector<std::string> pointers;
        for (int i = 0, n = 1 + pick(4); i < n; ++i) {
            std::string p;
            for (int depth = 0, d = pick(5); depth < d; ++depth)
                p += "/" + tokens[static_cast<std::size_t>(pick(static_cast<int>(tokens.size())))];
            pointers.push_back(p);
        }
        check_agrees(document, pointers);
    }
}

BOOST_AUTO_TEST_SUITE_END()
