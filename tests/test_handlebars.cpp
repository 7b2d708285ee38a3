// The renderer's own behaviour: errors, limits, helpers, threads. Conformance with Handlebars.js
// is test_handlebars_conformance.
#include <allquiet/webhook/handlebars.hpp>

#include "test_support.hpp"

#include <boost/json/parse.hpp>

#include <atomic>
#include <random>
#include <stdexcept>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_handlebars)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using aq::error;

namespace {

std::string render(std::string_view text, std::string_view context = "{}",
                   const aq::render_options& options = {}) {
    return aq::handlebars_template::compile(text).value().render(json::parse(context), options).value();
}

aq::result<std::string> try_render(std::string_view text, std::string_view context = "{}",
                                   const aq::render_options& options = {}) {
    auto compiled = aq::handlebars_template::compile(text);
    if (!compiled) return compiled.error();
    return compiled->render(json::parse(context), options);
}

} // namespace

BOOST_AUTO_TEST_CASE(renders_the_language_used_in_request_templates) {
    const auto context = R"({"title": "RAM > 60%", "events": [{"status": "Open"}],
        "attributesByName": {"My Name": {"value": "v"}}, "items": [1, 2, 3]})";
    BOOST_TEST(render("{{title}}", context) == "RAM &gt; 60%");
    BOOST_TEST(render("{{{title}}}|{{&title}}", context) == "RAM > 60%|RAM > 60%");
    BOOST_TEST(render("{{events.[0].status}} {{attributesByName.[My Name].value}}", context) == "Open v");
    BOOST_TEST(render("{{#each items}}{{this}}{{#unless @last}},{{/unless}}{{/each}}", context) == "1,2,3");
    BOOST_TEST(render("{{! comment }}{{!-- long --}}x", context) == "x");
    BOOST_TEST(render("a\n  {{#if title}}\n  yes\n  {{/if}}\nb", context) == "a\n  yes\nb");
    BOOST_TEST(render("[ {{~title~}} ]", context) == "[RAM &gt; 60%]");
    BOOST_TEST(render("{{missing}}|{{missing.deeper}}", context) == "|");
}

BOOST_AUTO_TEST_CASE(syntax_errors_give_line_column_and_excerpt) {
    auto unclosed = aq::handlebars_template::compile("line one\n  {{#if x}}\n  oops");
    BOOST_TEST_REQUIRE(unclosed.has_error());
    BOOST_TEST(unclosed.error().code == error::template_syntax);
    BOOST_TEST(unclosed.error().detail.find("line 2, column 3") == 0u, unclosed.error().detail);
    BOOST_TEST(unclosed.error().detail.find("never closed") != std::string::npos);

    struct case_t {
        const char* text;
        const char* contains;
    };
    for (const auto& c :
         {case_t{"{{#if x}}a{{/unless}}", "if doesn't match unless"}, case_t{"{{title", "unterminated tag"},
          case_t{"{{title}", "unexpected"}, case_t{"{{/if}}", "closes no open block"},
          case_t{"{{else}}", "outside a block"}, case_t{"{{> partial}}", "partials"},
          case_t{"{{a.this}}", "invalid path"}, case_t{"{{\"open}}", "unterminated string"},
          case_t{"{{!-- open", "unterminated comment"}, case_t{"{{a b=}}", "expected"},
          case_t{"{{{a}}", "expected '}}}'"}, case_t{"{{#each x as |a}}{{/each}}", "block parameter"},
          case_t{"{{(a)}}", "expected a name"}, case_t{"{{a\"b\"}}", "unexpected"},
          case_t{"{{^x}}a{{else if y}}b{{/x}}", "cannot follow"}}) {
        BOOST_TEST_CONTEXT(c.text) {
            auto r = aq::handlebars_template::compile(c.text);
            BOOST_TEST_REQUIRE(r.has_error());
            BOOST_TEST(r.error().code == error::template_syntax);
            BOOST_TEST(r.error().detail.find(c.contains) != std::string::npos, r.error().detail);
        }
    }
}

BOOST_AUTO_TEST_CASE(runtime_errors) {
    auto missing_helper = try_render("{{shout title}}", R"({"title": "x"})");
    BOOST_TEST_REQUIRE(missing_helper.has_error());
    BOOST_TEST(missing_helper.error().code == error::missing_helper);
    BOOST_TEST(missing_helper.error().detail == "Missing helper: \"shout\"");
    BOOST_TEST(try_render("{{#if}}x{{/if}}").error().code == error::helper_failed);
    BOOST_TEST(try_render("{{#if a b}}x{{/if}}").error().detail == "#if requires exactly one argument");
    BOOST_TEST(try_render("{{#with}}x{{/with}}").error().code == error::helper_failed);
    BOOST_TEST(try_render("{{#each}}x{{/each}}").error().detail == "Must pass iterator to #each");
    // Block helpers used where there is no block.
    BOOST_TEST(try_render("{{if t}}", R"({"t": true})").error().detail ==
               "\"if\" needs a block: {{#if ...}}...{{/if}}");
    BOOST_TEST(try_render("{{lookup (each a) 0}}").error().code == error::helper_failed);
}

BOOST_AUTO_TEST_CASE(names_handlebars_js_reserves_are_errors_whatever_the_context) {
    const auto context = R"({"helperMissing": "x", "blockHelperMissing": "y", "a": [1]})";
    for (const char* text :
         {"{{helperMissing}}", "{{#helperMissing}}{{/helperMissing}}", "{{blockHelperMissing}}",
          "{{[helperMissing]}}", "{{@helperMissing}}", "{{helperMissing 1}}"}) {
        BOOST_TEST_CONTEXT(text) {
            const auto r = try_render(text, context);
            BOOST_TEST_REQUIRE(r.has_error());
            BOOST_TEST(r.error().code == error::missing_helper);
            BOOST_TEST(r.error().detail.find("is reserved by Handlebars.js") != std::string::npos);
        }
    }
    // Paths that are not a helper's name read the member.
    BOOST_TEST(render("{{this.helperMissing}}{{./blockHelperMissing}}", context) == "xy");
    BOOST_TEST(render("{{#each a as |helperMissing|}}{{helperMissing}}{{/each}}", context) == "1");
}

BOOST_AUTO_TEST_CASE(strict_mode_reports_missing_values) {
    aq::render_options strict;
    strict.strict = true;
    BOOST_TEST(render("{{a.b}}", R"({"a": {"b": 1}})", strict) == "1");
    BOOST_TEST(try_render("{{missing}}", "{}", strict).error().code == error::missing_value);
    BOOST_TEST(try_render("{{a.missing}}", R"({"a": {}})", strict).error().code == error::missing_value);
    BOOST_TEST(try_render("{{#if a.b.c}}x{{/if}}", R"({"a": {}})", strict).error().code ==
               error::missing_value);
    BOOST_TEST(render("{{#if missing}}x{{else}}y{{/if}}", "{}", strict) ==
               "y");                                             // a helper's parameter may be missing
    BOOST_TEST(render("{{a}}", R"({"a": null})", strict) == ""); // present, even if null
}

BOOST_AUTO_TEST_CASE(strict_mode_reports_missing_data_and_unknown_names) {
    aq::render_options strict;
    strict.strict = true;
    auto detail = [&](std::string_view text, std::string_view context = R"({"a": [1], "o": {}})") {
        const auto r = try_render(text, context, strict);
        BOOST_TEST_REQUIRE(r.has_error(), text);
        BOOST_TEST(r.error().code == error::missing_value, text);
        return r.error().detail;
    };
    BOOST_TEST(detail("{{@hello}}") == "\"hello\" not defined in @hello");
    BOOST_TEST(detail("{{@index}}") == "\"index\" not defined in @index"); // outside any block
    BOOST_TEST(detail("{{#each a}}{{@foo}}{{/each}}") == "\"foo\" not defined in @foo");
    BOOST_TEST(detail("{{#with o}}{{@index}}{{/with}}") == "\"index\" not defined in @index");
    // Neither helper nor value: a missing value, as Handlebars.js reports it in strict mode.
    BOOST_TEST(detail("{{hello a}}") == "\"hello\" not defined in hello");
    BOOST_TEST(detail("{{#hello a}}{{/hello}}") == "\"hello\" not defined in hello");
    // What exists still renders; a parameter may be missing.
    BOOST_TEST(render("{{#each a}}{{@index}}{{@key}}{{@first}}{{@last}}{{/each}}{{@root.a}}", R"({"a": [1]})",
                      strict) == "00truetrue1");
    BOOST_TEST(render("{{#if @hello}}x{{else}}y{{/if}}", "{}", strict) == "y");
    BOOST_TEST(try_render("{{hello a}}", R"({"a": 1})").error().code == error::missing_helper); // not strict
}

BOOST_AUTO_TEST_CASE(limits_stop_runaway_templates) {
    aq::render_options small;
    small.max_output = 100;
    const std::string items = "[" + std::string(60, '1') + "]";
    auto big =
        try_render("{{#each items}}xxxxxxxxxx{{/each}}", R"({"items": [1,2,3,4,5,6,7,8,9,10,11,12]})", small);
    BOOST_TEST_REQUIRE(big.has_error());
    BOOST_TEST(big.error().code == error::render_limit);
    BOOST_TEST(
        render("{{#each items}}xxxxxxxxxx{{/each}}", R"({"items": [1,2,3,4,5,6,7,8,9,10]})", small).size() ==
        100u);

    aq::render_options shallow;
    shallow.max_depth = 5;
    std::string nested;
    for (int i = 0; i < 10; ++i)
        nested += "{{#with a}}";
    nested += "x";
    for (int i = 0; i < 10; ++i)
        nested += "{{/with}}";
    const auto deep = try_render(
        nested, R"({"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {}}}}}}}}}}})", shallow);
    BOOST_TEST_REQUIRE(deep.has_error());
    BOOST_TEST(deep.error().code == error::render_limit);
}

// The parser recurses once per level: a template nested past the limit is a syntax error naming
// the line, not a stack overflow.
BOOST_AUTO_TEST_CASE(templates_nested_past_the_limit_do_not_compile) {
    auto repeat = [](std::string_view piece, std::size_t times) {
        std::string out;
        for (std::size_t i = 0; i < times; ++i)
            out += piece;
        return out;
    };
    const std::size_t hostile = 30'000;
    const std::vector<std::string> too_deep = {
        "line one\n" + repeat("{{#if a}}", hostile) + repeat("{{/if}}", hostile),
        "line one\n{{a " + repeat("(b ", hostile) + repeat(")", hostile) + "}}",
        "line one\n{{#if a}}" + repeat("{{else if b}}", hostile) + "{{/if}}",
        "line one\n" + repeat("{{#each a}}", hostile), // never closed as well
    };
    for (const auto& text : too_deep) {
        const auto compiled = aq::handlebars_template::compile(text);
        BOOST_TEST_REQUIRE(compiled.has_error());
        BOOST_TEST(compiled.error().code == error::template_syntax);
        BOOST_TEST(compiled.error().line == 2u); // as data, and in the text
        BOOST_TEST(compiled.error().detail.find("line 2") == 0u, compiled.error().detail);
        BOOST_TEST(compiled.error().detail.find("nested deeper than 128 levels") != std::string::npos);
    }
    // At the limit it compiles (and renders, with a depth allowed that far).
    const auto at_limit =
        repeat("{{#if a}}", aq::max_template_nesting) + "x" + repeat("{{/if}}", aq::max_template_nesting);
    aq::render_options deep_enough;
    deep_enough.max_depth = 2 * aq::max_template_nesting; // a block counts its call and its program
    BOOST_TEST(render(at_limit, R"({"a": true})", deep_enough) == "x");
}

// Work that grows faster than its input (an `each` inside an `each` over one array) stops at the
// step budget, whatever the output and depth limits allow.
BOOST_AUTO_TEST_CASE(the_step_budget_stops_quadratic_templates) {
    std::string items = "[0";
    for (int i = 1; i < 2000; ++i)
        items += "," + std::to_string(i);
    items += "]";
    const std::string context = R"({"items": )" + items + "}";
    const std::string square = "{{#each items}}{{#each ../items}}{{/each}}{{/each}}";
    aq::render_options budget;
    budget.max_steps = 1'000'000;
    const auto stopped = try_render(square, context, budget);
    BOOST_TEST_REQUIRE(stopped.has_error());
    BOOST_TEST(stopped.error().code == error::render_limit);
    BOOST_TEST(stopped.error().detail == "more than 1000000 steps");
    // A linear pass over the same array fits the budget.
    BOOST_TEST(render("{{#each items}}{{this}}{{/each}}", context, budget).size() > 2000u);
}

BOOST_AUTO_TEST_CASE(helpers_written_in_cpp) {
    aq::render_options options;
    options.helpers["upper"] = [](const aq::helper_call& call) -> aq::helper_value {
        std::string s(call.params.at(0).as_string());
        for (auto& c : s)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return json::value(s);
    };
    options.helpers["link"] = [](const aq::helper_call& call) -> aq::helper_value {
        return aq::safe_string{"<a href=\"" + std::string(call.hash.at("href").as_string()) + "\">" +
                               call.fn(call.context) + "</a>"};
    };
    options.helpers["count"] = [](const aq::helper_call& call) -> aq::helper_value {
        return json::value(static_cast<std::int64_t>(call.params.size()));
    };
    options.helpers["fails"] = [](const aq::helper_call&) -> aq::helper_value {
        throw std::runtime_error("no database");
    };
    const auto context = R"({"title": "<b>", "url": "https://x/?a=1"})";
    BOOST_TEST(render("{{upper title}}", context, options) == "&lt;B&gt;");
    BOOST_TEST(render("{{#link href=url}}{{title}}{{/link}}", context, options) ==
               "<a href=\"https://x/?a=1\">&lt;b&gt;</a>");
    BOOST_TEST(render("{{count 1 title (upper title)}}", context, options) == "3");
    const auto failed = try_render("{{fails}}", context, options);
    BOOST_TEST(failed.error().code == error::helper_failed);
    BOOST_TEST(failed.error().detail == "helper \"fails\": no database");

    std::vector<std::string> logged;
    options.log = [&](std::string_view level, std::string_view message) {
        logged.push_back(std::string(level) + ":" + std::string(message));
    };
    BOOST_TEST(render("{{log \"seen\" title level=\"warn\"}}x", context, options) == "x");
    BOOST_TEST(logged == std::vector<std::string>{"warn:seen <b>"});
}

BOOST_AUTO_TEST_CASE(one_template_renders_on_many_threads) {
    const auto t = aq::handlebars_template::compile("{{#each items}}{{name}}-{{@index}};{{/each}}").value();
    const auto context = json::parse(R"({"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})");
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 2000; ++k)
                if (t.render(context).value() != "a-0;b-1;c-2;") ++wrong;
        });
    for (auto& th : threads)
        th.join();
    BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_CASE(escaping_is_handlebars_own_and_can_be_undone) {
    BOOST_TEST(aq::escape_html(R"(<a href="x">Tom & Jerry's `=`</a>)") ==
               "&lt;a href&#x3D;&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s &#x60;&#x3D;&#x60;&lt;/a&gt;");
    // escape_html is what {{ }} does to a value.
    const std::string nasty = "<b>\"it's\" & `x`=1</b> &amp; &#x27;";
    const auto rendered =
        aq::handlebars_template::compile("{{v}}").value().render(json::object{{"v", nasty}}).value();
    BOOST_TEST(rendered == aq::escape_html(nasty));
    BOOST_TEST(aq::unescape_html(rendered) == nasty);

    BOOST_TEST(aq::unescape_html("&amp;lt;") == "&lt;");                           // one pass only
    BOOST_TEST(aq::unescape_html("AT&T &copy; &#39; &") == "AT&T &copy; &#39; &"); // others stay
    BOOST_TEST(aq::unescape_html("&#x3d;") == "&#x3d;");                           // exact spelling only
    std::mt19937 random(7);
    for (int round = 0; round < 500; ++round) { // round trip over text dense in special characters
        std::string text;
        for (int i = 0; i < 20; ++i)
            text += "&<>\"'`=a;#x3D"[random() % 13];
        BOOST_TEST(aq::unescape_html(aq::escape_html(text)) == text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
