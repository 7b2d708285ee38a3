// The renderer against Handlebars.js itself: every case of the corpus and a few thousand random
// templates are rendered by both, and the outputs must be identical byte for byte.
#include <allquiet/webhook/handlebars.hpp>

#include "process.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <random>

BOOST_AUTO_TEST_SUITE(test_handlebars_conformance)

namespace aq = allquiet::webhook;
namespace json = boost::json;

namespace {

const std::string reference_dir = ALLQUIET_TEST_SOURCE_DIR "/handlebars";

/// The helpers reference.js registers, written again in C++.
aq::render_options conformance_options() {
    aq::render_options options;
    options.helpers["raw"] = [](const aq::helper_call& call) -> aq::helper_value {
        return json::value(call.fn(call.context));
    };
    options.helpers["upper"] = [](const aq::helper_call& call) -> aq::helper_value {
        std::string text = "undefined";
        if (!call.params.empty() && !call.undefined[0]) {
            text.clear();
            aq::detail::hbs::append_js_string(text, &call.params[0]);
        }
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        return json::value(text);
    };
    options.helpers["join"] = [](const aq::helper_call& call) -> aq::helper_value {
        std::string separator = ",";
        if (const auto* sep = call.hash.if_contains("sep")) {
            separator.clear();
            aq::detail::hbs::append_js_string(separator, sep);
        }
        std::string out;
        for (std::size_t i = 0; i < call.params.size(); ++i) {
            if (i) out += separator;
            aq::detail::hbs::append_js_string(out, &call.params[i]);
        }
        return json::value(out);
    };
    options.helpers["bold"] = [](const aq::helper_call& call) -> aq::helper_value {
        return aq::safe_string{"<b>" + call.fn(call.context) + "</b>"};
    };
    options.helpers["json"] = [](const aq::helper_call& call) -> aq::helper_value {
        return aq::safe_string{json::serialize(call.params.empty() ? json::value() : call.params[0])};
    };
    return options;
}

json::value misc_context() {
    return json::parse(R"({"title": "RAM > 60% & <rising> \"quoted\" 'single' `tick` =eq", "n": 0, "f": 1.5,
        "big": 1e21, "small": 1e-7, "neg": -2, "t": true, "fa": false, "nul": null, "empty": "",
        "arr": [1, "two", null, {"k": "v"}, [3, 4]], "emptyArr": [], "obj": {"a": 1, "b": {"c": "deep"}},
        "emptyObj": {}, "My Name": "spaced",
        "people": [{"name": "Ada", "tags": ["x", "y"]}, {"name": "Bob", "tags": []}],
        "nested": {"list": [{"v": 1}, {"v": 2}]}})");
}

// What the generator picks from.
const char* const texts[] = {" ", "\n", "  ", "a", "x y", "<&>", "\n  ", "\t", "\r\n", "{", "}", "\"", "="};
const char* const paths[] = {"title",
                             "n",
                             "t",
                             "fa",
                             "nul",
                             "arr",
                             "obj.a",
                             "obj.b.c",
                             "people.[0].name",
                             "this",
                             ".",
                             "../title",
                             "@index",
                             "@key",
                             "@first",
                             "@last",
                             "@root.title",
                             "missing",
                             "arr.length",
                             "[My Name]",
                             "empty",
                             "f",
                             "big",
                             "neg",
                             "events.[0].status",
                             "attributesByName.Environment.value",
                             "id",
                             "@hello",
                             "@root",
                             "helperMissing",
                             "blockHelperMissing",
                             "[helperMissing]",
                             "this.helperMissing",
                             "events.[0].id"};
// Calls: unknown helpers, built-ins used without a block, names given as data or literals.
const char* const calls[] = {"hello title",
                             "hello",
                             "if t",
                             "each arr",
                             "with obj",
                             "unless fa",
                             "lookup obj \"a\"",
                             "@hello title",
                             "\"title\"",
                             "helperMissing title",
                             "(lookup obj \"b\").c",
                             "lookup (lookup people 0) \"name\"",
                             "@root.title",
                             "@lookup obj \"a\""};
const char* const values[] = {
    "t",       "fa",    "n",     "arr", "emptyArr", "obj",        "emptyObj", "people",
    "missing", "title", "empty", "nul", "events",   "attributes", "teams",    "people.[0].tags"};
const char* const helpers[] = {"if",    "unless", "each",          "with", "each", "if",
                               "hello", "with",   "helperMissing", "each", "if",   "@root"};

/// Random templates from a small grammar of the constructs request templates use.
class template_generator {
  public:
    explicit template_generator(std::uint32_t seed) : random_(seed) {}

    std::string generate() { return sequence(0); }

  private:
    std::size_t pick(std::size_t n) { return random_() % n; }
    template <std::size_t N>
    const char* pick(const char* const (&items)[N]) {
        return items[pick(N)];
    }

    std::string sequence(int depth) {
        std::string out;
        const std::size_t items = 1 + pick(5);
        for (std::size_t i = 0; i < items; ++i)
            out += item(depth);
        return out;
    }

    std::string strip() { return pick(4) == 0 ? "~" : ""; }

    std::string item(int depth) {
        switch (pick(depth > 2 ? 4 : 7)) {
        case 0: return pick(texts);
        case 1: return "{{" + strip() + pick(paths) + strip() + "}}";
        case 2:
            return pick(2) ? "{{{" + std::string(pick(paths)) + "}}}"
                           : "{{!" + std::string(pick(texts)) + "}}";
        case 3: return "{{" + std::string(pick(calls)) + "}}";
        default: {
            const std::string helper = pick(helpers);
            std::string out = "{{" + strip() + "#" + helper + " " + pick(values);
            if (helper == "each" && pick(3) == 0) out += " as |item i|";
            out += strip() + "}}" + sequence(depth + 1);
            if (pick(2)) out += "{{" + strip() + "else" + strip() + "}}" + sequence(depth + 1);
            if (helper == "each" && pick(3) == 0) out += "{{item}}{{i}}";
            return out + "{{" + strip() + "/" + helper + strip() + "}}";
        }
        }
    }

    std::mt19937 random_;
};

struct conformance_case {
    std::string template_text;
    const json::value* context;
    std::string context_name;
    bool strict = false;
};

/// Handlebars.js's results for the cases, from reference.js.
std::vector<json::value> reference_results(const std::vector<conformance_case>& cases) {
    json::array input;
    for (const auto& c : cases)
        input.push_back(
            json::object{{"template", c.template_text}, {"context", *c.context}, {"strict", c.strict}});
    const std::string in_path = test_support::write_temp_file("hbs-cases.json", json::serialize(input)),
                      out_path = test_support::temp_dir() + "/hbs-results.json";
    const auto run = test_support::run_process(
        {"/usr/bin/env", "node", reference_dir + "/reference.js", in_path, out_path});
    BOOST_REQUIRE_MESSAGE(run.exit_code == 0, "reference.js failed: " << run.err);
    const auto results = json::parse(test_support::slurp(out_path));
    std::remove(in_path.c_str());
    std::remove(out_path.c_str());
    return {results.as_array().begin(), results.as_array().end()};
}

/// Exits 77, which the test runner counts as skipped, where the reference renderer is missing.
void skip_without_reference() {
    if (!std::filesystem::exists(reference_dir + "/node_modules/handlebars") ||
        std::system("node --version > /dev/null 2>&1") != 0) {
        std::cout << "SKIP: Node.js or the handlebars package is missing (scripts/setup installs them)\n";
        std::exit(77);
    }
}

/// 4000 templates from the generator with a fixed seed, against the incident and the awkward
/// context in turn; every third renders in strict mode as well.
void add_generated_cases(std::vector<conformance_case>& cases, const json::value& incident,
                         const json::value& misc) {
    template_generator generator(20261127);
    for (int i = 0; i < 4000; ++i) {
        auto text = generator.generate();
        const json::value* context = i % 2 ? &incident : &misc;
        const char* name = i % 2 ? "incident" : "misc";
        if (i % 3 == 0) cases.push_back({text, context, name, true});
        cases.push_back({std::move(text), context, name});
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(identical_to_handlebars_js) {
    skip_without_reference();
    const auto corpus = json::parse(test_support::slurp(reference_dir + "/corpus.json"));
    const json::value incident = aq::template_context(
        aq::parse_incident(test_support::read_data_file("sample-incident.json")).value());
    const json::value misc = misc_context();
    const json::value empty = json::object();

    std::vector<conformance_case> cases;
    for (const auto& t : corpus.at("templates").as_array())
        for (const auto& [ctx, name] :
             {std::pair{&incident, "incident"}, std::pair{&misc, "misc"}, std::pair{&empty, "{}"}})
            cases.push_back({std::string(t.as_string()), ctx, name});
    for (const auto& t : corpus.at("strict_templates").as_array())
        for (const auto& [ctx, name] : {std::pair{&incident, "incident"}, std::pair{&misc, "misc"}})
            cases.push_back({std::string(t.as_string()), ctx, name, true});
    const std::size_t corpus_cases = cases.size();
    add_generated_cases(cases, incident, misc);

    const auto expected = reference_results(cases);
    BOOST_TEST_REQUIRE(expected.size() == cases.size());

    std::size_t identical = 0, shown = 0;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        auto options = conformance_options();
        options.strict = c.strict;
        std::optional<std::string> ours;
        std::string our_error;
        if (auto compiled = aq::handlebars_template::compile(c.template_text)) {
            if (auto rendered = compiled->render(*c.context, options))
                ours = *rendered;
            else
                our_error = rendered.error().message();
        } else {
            our_error = compiled.error().message();
        }
        const auto& reference = expected[i];
        const bool same = reference.at("ok").as_bool() ? ours && *ours == reference.at("output").as_string()
                                                       : !ours.has_value();
        if (same) {
            ++identical;
        } else if (shown++ < 25) {
            BOOST_ERROR("case " << i << (c.strict ? " (strict)" : "") << " against " << c.context_name
                                << "\n  template: " << json::serialize(json::value(c.template_text))
                                << "\n  handlebars.js: " << json::serialize(reference) << "\n  ours: "
                                << (ours ? json::serialize(json::value(*ours)) : "error: " + our_error));
        }
    }
    BOOST_TEST_MESSAGE(identical << " of " << cases.size() << " cases identical (" << corpus_cases
                                 << " from the corpus, " << cases.size() - corpus_cases << " generated)");
    BOOST_TEST(identical == cases.size());
}

BOOST_AUTO_TEST_SUITE_END()
