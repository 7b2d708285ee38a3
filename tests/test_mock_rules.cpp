// The configuration model: built in C++ or read from JSON, the same configuration; written back
// to JSON and read again, unchanged; compiled into the receiver's runtime form with errors that
// name the rule.
#include "receiver_config.hpp"

#include "http_client.hpp"
#include "test_support.hpp"

#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/patch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <regex>

namespace receiver_snippets {
allquiet::webhook::mock_config configuration_example(); // docs/snippets/receiver_snippets.cpp
}

BOOST_AUTO_TEST_SUITE(test_mock_rules)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using namespace std::chrono_literals;
using aq::error;
using test_support::http_send;
using test_support::json_request;
using test_support::make_request;
namespace http = test_support::http;

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A JSON object whose members are all configuration members: a receiver configuration.
bool is_configuration(const std::string& text) {
    boost::system::error_code ec;
    const auto value = json::parse(text, ec);
    if (ec || !value.is_object() || value.as_object().empty()) return false;
    static const std::set<std::string_view> members{"secrets", "signingMethod", "toleranceSeconds",
                                                    "policy",  "rules",         "default"};
    for (const auto& member : value.as_object())
        if (!members.count(member.key())) return false;
    return true;
}

/// Every receiver configuration a page shows, in order: ```json blocks, here-documents
/// (`<<'JSON'`), C++ raw strings in ```cpp blocks, and inline code.
std::vector<std::string> configurations_in(const std::string& page) {
    static const std::regex block(R"(```json\n([\s\S]*?)```|<<'JSON'\n([\s\S]*?)\n\s*JSON\n|```cpp\n([\s\S]*?)```|`([^`\n]+)`)");
    static const std::regex raw_string(R"cpp(R"\(([\s\S]*?)\)")cpp");
    std::vector<std::string> found;
    auto keep = [&](const std::string& text) {
        if (is_configuration(text)) found.push_back(text);
    };
    for (std::sregex_iterator it(page.begin(), page.end(), block), end; it != end; ++it) {
        const auto& m = *it;
        if (m[3].matched) {
            const std::string code = m[3];
            for (std::sregex_iterator s(code.begin(), code.end(), raw_string); s != end; ++s)
                keep((*s)[1]);
        } else if (m[4].matched) {
            // Inline code also shows other objects with these members (the dummy form's
            // `{"signingMethod": "none"}`): only one that loads is a configuration.
            if (aq::parse_mock_config(m[4].str()).has_value()) keep(m[4]);
        } else {
            keep(m[m[1].matched ? 1 : 2]);
        }
    }
    return found;
}

/// The builder twin of each configuration the docs show, page by page in the order shown. A new
/// example without a twin here fails `every_docs_example_has_a_builder_twin`.
std::map<std::string, std::vector<aq::mock_config>> builder_twins() {
    return {
        {"receiver.md",
         {receiver_snippets::configuration_example(),
          aq::mock_config()
              .rule(aq::mock_rule("first try fails")
                        .in_scenario("retry")
                        .when_state("Started")
                        .set_state("failed once")
                        .respond(aq::mock_response(503)))
              .rule(aq::mock_rule("then resolve")
                        .in_scenario("retry")
                        .when_state("failed once")
                        .respond(aq::mock_response().patch(aq::patch().resolve()))),
          // "Forward to your service": the service, and rules that route paths.
          aq::mock_config().rule(aq::mock_rule("my service")
                                     .when(aq::request_match().path("/hook"))
                                     .respond(aq::mock_response().patch(aq::patch().resolve()))),
          aq::mock_config()
              .rule(aq::mock_rule("orders")
                        .when(aq::request_match().path("/hooks/orders"))
                        .respond(aq::mock_response().forward_to("http://localhost:3000/orders", 5000ms)))
              .rule(aq::mock_rule("flaky").when(aq::request_match().path("/hooks/flaky")).respond(aq::mock_response(503)))}},
        {"getting-started.md",
         {aq::mock_config().secret("dev-secret").rule(
             aq::mock_rule("resolve")
                 .when(aq::request_match().path("/hooks/*"))
                 .respond(aq::mock_response().patch(aq::patch().resolve("on receipt"))))}},
        {"security.md", {aq::mock_config()}}, // {"secrets": []}: verification off
    };
}

/// A configuration that sets every member the format has.
aq::mock_config every_member() {
    return aq::mock_config()
        .secret("one")
        .secret("two")
        .signing_methods(aq::accepted_methods::aws)
        .tolerance(std::nullopt)
        .policy(aq::verification_policy::record)
        .rule(aq::mock_rule("all conditions")
                  .when(aq::request_match()
                            .method("patch")
                            .path("*/x")
                            .header("X-A", "1")
                            .header("X-B", "2")
                            .json("", json::parse(R"({"a": [1, 2.5, null]})"))
                            .json("/a/0", 1)
                            .verification(aq::verification_status::unsigned_))
                  .respond(aq::mock_response(201).header("X-C", "3").body("text").delay(250ms))
                  .respond(aq::mock_response(202).json(json::parse(R"({"ok": true})")))
                  .respond(aq::mock_response(500).fault(aq::fault::reset))
                  .respond(aq::mock_response().fault(aq::fault::timeout))
                  .respond(aq::mock_response().body_template("{{title}}"))
                  .respond(aq::mock_response().patch_template(R"({"operations": {}})"))
                  .respond(aq::mock_response().forward_to("http://127.0.0.1:3000/hook", 5000ms).delay(10ms))
                  .in_scenario("retry")
                  .when_state(aq::scenario_start)
                  .set_state("failed once"))
        .rule(aq::mock_rule().respond(aq::mock_response(204)).in_scenario("retry").when_state("failed once"))
        .rule(aq::mock_rule("moves only").respond(aq::mock_response()).in_scenario("other").set_state("x"))
        .otherwise(aq::mock_response().patch(aq::patch().acknowledge("seen").upsert_attribute("Ticket", "OPS-1")))
        .otherwise(aq::mock_response(503));
}

aq::mock_config round_trip(const aq::mock_config& config) {
    return aq::parse_mock_config(json::serialize(aq::to_json(config))).value();
}

/// The error a model gives when the receiver compiles it.
aq::input_error compile_error(aq::mock_config config) {
    auto compiled = aqhook::compile_receiver_config(std::move(config));
    BOOST_TEST_REQUIRE(compiled.has_error());
    return compiled.error();
}

aq::mock_config with_rule(aq::mock_rule rule) { return aq::mock_config().rule(std::move(rule)); }

} // namespace

BOOST_AUTO_TEST_CASE(every_docs_example_has_a_builder_twin) {
    const std::filesystem::path docs = std::string(ALLQUIET_TEST_SOURCE_DIR) + "/../docs";
    std::vector<std::filesystem::path> pages{docs / "../README.md"};
    for (const auto& entry : std::filesystem::directory_iterator(docs))
        if (entry.path().extension() == ".md") pages.push_back(entry.path());
    const auto twins = builder_twins();
    std::size_t compared = 0;
    for (const auto& page : pages) {
        const auto examples = configurations_in(read_text(page));
        const auto name = page.filename().string();
        const auto twin = twins.find(name);
        const std::size_t expected = twin == twins.end() ? 0 : twin->second.size();
        BOOST_TEST(examples.size() == expected, name << " shows " << examples.size()
                                                     << " configurations; builder_twins has " << expected);
        for (std::size_t i = 0; i < std::min(examples.size(), expected); ++i) {
            const auto parsed = aq::parse_mock_config(examples[i]);
            BOOST_TEST_REQUIRE(parsed.has_value(), name << " #" << i << ": " << parsed.error().message());
            BOOST_TEST((*parsed == twin->second[i]), name << " #" << i << " differs from its twin: "
                                                         << json::serialize(aq::to_json(*parsed)) << " vs "
                                                         << json::serialize(aq::to_json(twin->second[i])));
            BOOST_TEST(aqhook::compile_receiver_config(*parsed).has_value());
            ++compared;
        }
    }
    BOOST_TEST(compared == 6u);
}

BOOST_AUTO_TEST_CASE(the_document_reads_back_as_the_same_configuration) {
    for (const auto& config : {every_member(), aq::mock_config(), receiver_snippets::configuration_example()})
        BOOST_TEST((round_trip(config) == config), json::serialize(aq::to_json(config)));
    for (const auto& [page, twins] : builder_twins())
        for (const auto& config : twins)
            BOOST_TEST((round_trip(config) == config), page);
    BOOST_TEST(aqhook::compile_receiver_config(every_member()).has_value());
}

BOOST_AUTO_TEST_CASE(the_document_writes_names_and_shapes_as_read) {
    const auto document = aq::to_json(every_member());
    BOOST_TEST(document.at("secrets") == json::parse(R"(["one", "two"])"));
    BOOST_TEST(document.at("toleranceSeconds").is_null());
    BOOST_TEST(document.at("policy") == "record");
    const auto& rules = document.at("rules").as_array();
    BOOST_TEST(rules.at(0).at("respond").at("sequence").as_array().size() == 7u);
    // A forward has no status of its own: the target's is the answer.
    BOOST_TEST(rules.at(0).at("respond").at("sequence").at(6) ==
               json::parse(R"({"delayMs": 10, "forward": {"url": "http://127.0.0.1:3000/hook", "timeout": 5000}})"));
    BOOST_TEST(rules.at(0).at("scenario") ==
               json::parse(R"({"name": "retry", "whenState": "Started", "setState": "failed once"})"));
    BOOST_TEST(rules.at(0).at("match").at("method") == "PATCH");
    BOOST_TEST(!rules.at(1).as_object().contains("name")); // numbered where it is loaded
    BOOST_TEST(rules.at(1).at("respond") == json::parse(R"({"status": 204})"));
    BOOST_TEST(aqhook::compile_receiver_config(every_member()).value()->rules.at(1).name == "rule 2");
    // A one-response sequence reads as that response.
    BOOST_TEST((aq::parse_mock_config(R"({"default": {"sequence": [{"status": 201}]}})").value() ==
                aq::mock_config().otherwise(aq::mock_response(201))));
    BOOST_TEST(!aq::to_json(aq::mock_config()).as_object().contains("default"));
}

BOOST_AUTO_TEST_CASE(scenarios_are_read_and_compiled) {
    const auto config = aq::parse_mock_config(R"({"rules": [{"name": "first", "respond": {"status": 503},
        "scenario": {"name": "retry", "whenState": "Started", "setState": "failed once"}},
        {"respond": {}, "scenario": {"name": "retry"}}]})")
                            .value();
    const aq::scenario_step step{"retry", "Started", "failed once"};
    BOOST_TEST((config.rules().at(0).scenario() == step));
    BOOST_TEST((config.rules().at(1).scenario() == aq::scenario_step{"retry", std::nullopt, std::nullopt}));
    const auto compiled = aqhook::compile_receiver_config(config).value();
    BOOST_TEST((compiled->rules.at(0).scenario == step));
    BOOST_TEST(!aqhook::compile_receiver_config(with_rule(aq::mock_rule().respond(aq::mock_response())))
                    .value()
                    ->rules.at(0)
                    .scenario.has_value());

    auto with_scenario = [](const std::string& scenario) {
        return aq::parse_mock_config(R"({"rules": [{"name": "s", "respond": {}, "scenario": )" + scenario + "}]}");
    };
    CHECK_FAILS_WITH(with_scenario(R"({"whenState": "Started"})"), error::missing_member, "/rules/0/scenario/name");
    CHECK_FAILS_WITH(with_scenario(R"({"name": ""})"), error::out_of_range, "/rules/0/scenario/name");
    // PUT /_aqhook/scenarios/.. reaches /_aqhook/ once a browser or curl has resolved the URL.
    CHECK_FAILS_WITH(with_scenario(R"({"name": ".."})"), error::out_of_range, "/rules/0/scenario/name");
    CHECK_FAILS_WITH(with_scenario(R"({"name": "."})"), error::out_of_range, "/rules/0/scenario/name");
    BOOST_TEST(with_scenario(R"({"name": "...", "whenState": ".."})").has_value());
    CHECK_FAILS_WITH(with_scenario(R"({"name": "x", "state": "y"})"), error::unknown_member,
                     "/rules/0/scenario/state");
    CHECK_FAILS_WITH(with_scenario(R"({"name": "x", "setState": 1})"), error::wrong_type,
                     "/rules/0/scenario/setState");
    CHECK_FAILS_WITH(with_scenario(R"("retry")"), error::wrong_type, "/rules/0/scenario");
    BOOST_TEST(with_scenario(R"({"name": ""})").error().detail.find("in rule 's'") == 0u);
}

// What the types allow but the format does not fails when the receiver compiles the model, as the
// same thing in a document fails when it is read: same code, pointer and rule.
BOOST_AUTO_TEST_CASE(a_model_fails_where_its_document_would) {
    auto same_as_document = [](const aq::mock_config& config, const std::string& document) {
        const auto from_model = compile_error(config);
        const auto from_document = aq::parse_mock_config(document);
        BOOST_TEST_REQUIRE(from_document.has_error(), document);
        BOOST_TEST(from_model.code == from_document.error().code, document);
        BOOST_TEST(from_model.pointer == from_document.error().pointer, document);
        BOOST_TEST(from_model.detail == from_document.error().detail, document);
        return from_model;
    };
    const auto status = same_as_document(with_rule(aq::mock_rule("early").respond(aq::mock_response(99))),
                                         R"({"rules": [{"name": "early", "respond": {"status": 99}}]})");
    BOOST_TEST(status.message().find("/rules/0/respond/status") == 0u, status.message());
    BOOST_TEST(status.detail == "in rule 'early': 99 is not a final status: it must be from 200 to 599");
    same_as_document(with_rule(aq::mock_rule("t").respond(aq::mock_response().body_template("{{#if x}}"))),
                     R"({"rules": [{"name": "t", "respond": {"bodyTemplate": "{{#if x}}"}}]})");
    same_as_document(aq::mock_config().secret("a").secret(""), R"({"secrets": ["a", ""]})");
    same_as_document(with_rule(aq::mock_rule("p").when(aq::request_match().path("hooks")).respond(aq::mock_response())),
                     R"({"rules": [{"name": "p", "match": {"path": "hooks"}, "respond": {}}]})");
    same_as_document(with_rule(aq::mock_rule().when(aq::request_match().json("events", 1)).respond(aq::mock_response())),
                     R"({"rules": [{"match": {"json": {"events": 1}}, "respond": {}}]})");
    same_as_document(with_rule(aq::mock_rule().when(aq::request_match().method("P OST")).respond(aq::mock_response())),
                     R"({"rules": [{"match": {"method": "P OST"}, "respond": {}}]})");
    same_as_document(with_rule(aq::mock_rule("h").respond(aq::mock_response().header("Connection", "close"))),
                     R"({"rules": [{"name": "h", "respond": {"headers": {"Connection": "close"}}}]})");
    same_as_document(with_rule(aq::mock_rule("h").respond(aq::mock_response().header("X-A", "a\nb"))),
                     R"({"rules": [{"name": "h", "respond": {"headers": {"X-A": "a\nb"}}}]})");
    same_as_document(with_rule(aq::mock_rule("b").respond(aq::mock_response(304).body("x"))),
                     R"({"rules": [{"name": "b", "respond": {"status": 304, "body": "x"}}]})");
    same_as_document(with_rule(aq::mock_rule("d").respond(aq::mock_response().delay(600'001ms))),
                     R"({"rules": [{"name": "d", "respond": {"delayMs": 600001}}]})");
    same_as_document(with_rule(aq::mock_rule("none")), R"({"rules": [{"name": "none"}]})");
    same_as_document(aq::mock_config().otherwise(aq::mock_response()).otherwise(aq::mock_response(600)),
                     R"({"default": {"sequence": [{}, {"status": 600}]}})");
    same_as_document(aq::mock_config().tolerance(std::chrono::seconds(-1)), R"({"toleranceSeconds": -1})");
    // Boost.JSON reads 1e999 as infinity and 0e999 as NaN, and writes them as no reader takes them.
    const auto infinite = same_as_document(
        aq::mock_config().otherwise(aq::mock_response().json(json::array{1, std::numeric_limits<double>::infinity()})),
        R"({"default": {"body": [1, 1e999]}})");
    BOOST_TEST(infinite.pointer == "/default/body");
    same_as_document(
        with_rule(aq::mock_rule("n").when(aq::request_match().json("/x", json::parse("0e999"))).respond(aq::mock_response())),
        R"({"rules": [{"name": "n", "match": {"json": {"/x": {"y": 0e999}}}, "respond": {}}]})");
    same_as_document(with_rule(aq::mock_rule("s").respond(aq::mock_response()).in_scenario("")),
                     R"({"rules": [{"name": "s", "respond": {}, "scenario": {"name": ""}}]})");
    // A forward: an http or https URL, a timeout from 1 ms to 10 minutes, and nothing the target gives.
    const auto url = same_as_document(with_rule(aq::mock_rule("f").respond(aq::mock_response().forward_to("ftp://x/"))),
                                      R"({"rules": [{"name": "f", "respond": {"forward": {"url": "ftp://x/"}}}]})");
    BOOST_TEST(url.code == error::invalid_url);
    BOOST_TEST(url.pointer == "/rules/0/respond/forward/url");
    BOOST_TEST(url.detail == "in rule 'f': scheme must be http or https");
    const auto timeout = same_as_document(
        with_rule(aq::mock_rule("f").respond(aq::mock_response().forward_to("http://x/", 0ms))),
        R"({"rules": [{"name": "f", "respond": {"forward": {"url": "http://x/", "timeout": 0}}}]})");
    BOOST_TEST(timeout.pointer == "/rules/0/respond/forward/timeout");
    same_as_document(aq::mock_config().otherwise(aq::mock_response().forward_to("http://x/", 600'001ms)),
                     R"({"default": {"forward": {"url": "http://x/", "timeout": 600001}}})");
    const auto body = same_as_document(
        with_rule(aq::mock_rule("f").respond(aq::mock_response().body("x").forward_to("http://x/"))),
        R"({"rules": [{"name": "f", "respond": {"body": "x", "forward": {"url": "http://x/"}}}]})");
    BOOST_TEST(body.code == error::conflicting_members);
    BOOST_TEST(body.pointer == "/rules/0/respond/body");
    BOOST_TEST(body.detail == "in rule 'f': a forward answers with the target's status, headers and body");
    BOOST_TEST(same_as_document(with_rule(aq::mock_rule("f").respond(aq::mock_response(503).forward_to("http://x/"))),
                                R"({"rules": [{"name": "f", "respond": {"status": 503, "forward": {"url": "http://x/"}}}]})")
                   .pointer == "/rules/0/respond/status");
    BOOST_TEST(same_as_document(
                   with_rule(aq::mock_rule("f").respond(aq::mock_response().header("X-A", "1").forward_to("http://x/"))),
                   R"({"rules": [{"name": "f", "respond": {"headers": {"X-A": "1"}, "forward": {"url": "http://x/"}}}]})")
                   .pointer == "/rules/0/respond/headers");
}

// The forward's own members, read from a document.
BOOST_AUTO_TEST_CASE(a_forward_reads_from_its_document) {
    const auto read = aq::parse_mock_config(
        R"({"default": {"delayMs": 5, "forward": {"url": "https://user@example.com:8443/hook?x=1", "timeout": 250}}})");
    BOOST_TEST_REQUIRE(read.has_value(), read.error().message());
    BOOST_TEST((read.value() == aq::mock_config().otherwise(
                                    aq::mock_response().delay(5ms).forward_to("https://user@example.com:8443/hook?x=1", 250ms))));
    const auto compiled = aqhook::compile_receiver_config(*read).value();
    const auto& forward = *compiled->fallback.items().at(0).forward;
    BOOST_TEST(forward.url.port == 8443u);
    BOOST_TEST(forward.shown_url == "https://example.com:8443/hook?x=1"); // no user information
    BOOST_TEST((forward.timeout == std::optional(250ms)));
    BOOST_TEST(aq::parse_mock_config(R"({"default": {"status": 200, "forward": {"url": "http://x/"}}})").has_value());
    CHECK_FAILS_WITH(aq::parse_mock_config(R"({"default": {"forward": {}}})"), error::missing_member, "/default/forward/url");
    CHECK_FAILS_WITH(aq::parse_mock_config(R"({"default": {"forward": {"url": "http://x/", "path": "/y"}}})"),
                     error::unknown_member, "/default/forward/path");
    CHECK_FAILS_WITH(aq::parse_mock_config(R"({"default": {"forward": "http://x/"}})"), error::wrong_type, "/default/forward");
    CHECK_FAILS_WITH(aq::parse_mock_config(R"({"default": {"forward": {"url": "http://x/", "timeout": "1s"}}})"),
                     error::wrong_type, "/default/forward/timeout");
}

BOOST_AUTO_TEST_CASE(what_only_a_model_can_say_fails_naming_the_rule) {
    const auto no_scenario = compile_error(with_rule(aq::mock_rule("late").respond(aq::mock_response()).when_state("Started")));
    BOOST_TEST(no_scenario.pointer == "/rules/0/scenario/name");
    BOOST_TEST(no_scenario.detail.find("in rule 'late'") == 0u, no_scenario.detail);
    BOOST_TEST(no_scenario.detail ==
               "in rule 'late': a scenario needs a name (in C++, when_state and set_state need in_scenario)");
    // The hint names what is missing, not an order: in_scenario may come after them.
    BOOST_TEST(!aqhook::compile_receiver_config(
                    with_rule(aq::mock_rule().respond(aq::mock_response()).when_state("a").set_state("b").in_scenario("s")))
                    .has_error());
    BOOST_TEST(compile_error(with_rule(aq::mock_rule().respond(aq::mock_response()).set_state("x"))).detail.find("in rule 'rule 1'") ==
               0u);

    const auto twice = compile_error(
        with_rule(aq::mock_rule("dup").respond(aq::mock_response().header("X-A", "1").header("X-A", "2"))));
    BOOST_TEST(twice.code == error::conflicting_members);
    BOOST_TEST(twice.pointer == "/rules/0/respond/headers/X-A");
    BOOST_TEST(twice.detail == "in rule 'dup': given twice");
    const auto pointer_twice =
        compile_error(with_rule(aq::mock_rule("j").when(aq::request_match().json("/a", 1).json("/a", 2)).respond(aq::mock_response())));
    BOOST_TEST(pointer_twice.pointer == "/rules/0/match/json/~1a");

    const auto bad_patch =
        compile_error(aq::mock_config().otherwise(aq::mock_response().patch(aq::patch())));
    BOOST_TEST(bad_patch.code == error::empty_patch);
    BOOST_TEST(bad_patch.pointer == "/default/patch/operations");

    BOOST_CHECK_THROW(aq::mock_receiver(with_rule(aq::mock_rule("early").respond(aq::mock_response(99)))),
                      aq::input_exception);
}

// The journal, strict mode and the page name a rule by its name: two rules of one name, or a name
// that is another rule's number, could not be told apart. A document can say it too.
BOOST_AUTO_TEST_CASE(two_rules_of_one_name_fail_the_load) {
    const auto same = compile_error(aq::mock_config()
                                        .rule(aq::mock_rule("retry").respond(aq::mock_response(503)))
                                        .rule(aq::mock_rule("retry").respond(aq::mock_response(200))));
    BOOST_TEST(same.code == error::conflicting_members);
    BOOST_TEST(same.pointer == "/rules/1/name");
    BOOST_TEST(same.detail == "another rule is named 'retry': the journal could not tell them apart");
    const auto numbered = compile_error(aq::mock_config()
                                            .rule(aq::mock_rule("rule 2").respond(aq::mock_response()))
                                            .rule(aq::mock_rule().respond(aq::mock_response())));
    BOOST_TEST(numbered.pointer == "/rules/1/name");
    const auto from_json = aqhook::parse_receiver_config(
        R"({"rules": [{"name": "a", "respond": {}}, {"name": "a", "respond": {}}]})");
    BOOST_TEST_REQUIRE(from_json.has_error());
    BOOST_TEST(from_json.error().pointer == "/rules/1/name");
}

// A JSON document is UTF-8; a model built in C++ may hold any bytes, which GET /_aqhook/config
// could not write out as JSON.
BOOST_AUTO_TEST_CASE(a_model_holds_only_what_a_document_could) {
    const std::string bad = "caf\xC3";
    const auto name = compile_error(with_rule(aq::mock_rule(bad).respond(aq::mock_response())));
    BOOST_TEST(name.code == error::syntax);
    BOOST_TEST(name.pointer == "/rules/0/name");
    BOOST_TEST(name.detail == "not valid UTF-8, which a configuration document could not hold");
    BOOST_TEST(compile_error(aq::mock_config().otherwise(aq::mock_response().body(bad))).pointer == "/default/body");
    BOOST_TEST(compile_error(with_rule(aq::mock_rule("j").when(aq::request_match().json("/a", bad.c_str())).respond(
                                 aq::mock_response())))
                   .pointer == "/rules/0/match/json/~1a");
}

// Each list's names are checked for repeats in linear time: 90,000 json conditions took 71 s.
BOOST_AUTO_TEST_CASE(a_rule_of_a_hundred_thousand_conditions_loads_at_once) {
    json::object headers, pointers;
    for (int i = 0; i < 100'000; ++i) {
        headers["X-" + std::to_string(i)] = "v";
        pointers["/" + std::to_string(i)] = i;
    }
    const std::string document = json::serialize(json::object{
        {"rules", json::array{json::object{{"match", json::object{{"headers", headers}, {"json", pointers}}},
                                           {"respond", json::object{{"headers", headers}}}}}}});
    const auto started = std::chrono::steady_clock::now();
    const auto compiled = aqhook::parse_receiver_config(document);
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST_REQUIRE(compiled.has_value(), compiled.error().message());
    BOOST_TEST(compiled.value()->rules.at(0).match.json.size() == 100'000u);
    const double seconds = std::chrono::duration<double>(took).count();
    BOOST_TEST(seconds < 10.0, seconds << " s");
}

BOOST_AUTO_TEST_CASE(command_line_additions_apply_to_a_model) {
    aqhook::config_overrides overrides;
    overrides.secrets = {"cli", "model", "cli"};
    overrides.policy = "record";
    const auto config =
        aqhook::compile_receiver_config(aq::mock_config().secret("model"), overrides).value();
    BOOST_TEST(config->secrets == (std::vector<std::string>{"model", "cli"}));
    BOOST_TEST((config->policy == aq::verification_policy::record));
    BOOST_TEST((config->model.policy() == aq::verification_policy::record)); // what GET /_aqhook/config shows
    overrides.secrets = {""};
    BOOST_TEST(aqhook::compile_receiver_config(aq::mock_config(), overrides).error().pointer == "/secrets/0");

    // --forward-to answers in place of a default the configuration does not give, and shows there.
    aqhook::config_overrides forwarding;
    forwarding.forward_to = "http://127.0.0.1:3000/hook";
    const auto forwarded = aqhook::compile_receiver_config(aq::mock_config(), forwarding).value();
    BOOST_TEST((forwarded->model.fallback() ==
                std::vector<aq::mock_response>{aq::mock_response().forward_to("http://127.0.0.1:3000/hook")}));
    BOOST_TEST(forwarded->fallback.items().at(0).forward.has_value());
    const auto kept =
        aqhook::compile_receiver_config(aq::mock_config().otherwise(aq::mock_response(202)), forwarding).value();
    BOOST_TEST((kept->model.fallback() == std::vector<aq::mock_response>{aq::mock_response(202)}));
}

// The same configuration through either door: a receiver started from the model answers every
// request as one started from its document.
BOOST_AUTO_TEST_CASE(a_receiver_from_a_model_answers_as_its_document_twin) {
    const auto model =
        aq::mock_config()
            .rule(aq::mock_rule("teapot")
                      .when(aq::request_match().post().path("/tea*").json("/kind", "green"))
                      .respond(aq::mock_response(418).header("X-Brewed", "yes").body("short and stout")))
            .rule(aq::mock_rule("flaky")
                      .when(aq::request_match().path("/flaky"))
                      .respond(aq::mock_response(500))
                      .respond(aq::mock_response().json(json::parse(R"({"ok": true})"))))
            .rule(aq::mock_rule("echo").when(aq::request_match().path("/echo")).respond(
                aq::mock_response().body_template("kind {{kind}}")))
            .otherwise(aq::mock_response(202).patch(aq::patch().resolve()));
    aq::mock_receiver from_model(model);
    aq::mock_receiver from_document(R"({"rules": [
        {"name": "teapot", "match": {"method": "POST", "path": "/tea*", "json": {"/kind": "green"}},
         "respond": {"status": 418, "headers": {"X-Brewed": "yes"}, "body": "short and stout"}},
        {"name": "flaky", "match": {"path": "/flaky"},
         "respond": {"sequence": [{"status": 500}, {"body": {"ok": true}}]}},
        {"name": "echo", "match": {"path": "/echo"}, "respond": {"bodyTemplate": "kind {{kind}}"}}],
        "default": {"status": 202, "patch": {"operations": {"appendIntent": {"intent": "Resolved"}}}}})");
    std::size_t requests = 0;
    for (const std::string target : {"/teapot", "/tea", "/flaky", "/flaky", "/flaky", "/echo", "/other"})
        for (const std::string body : {R"({"kind": "green"})", "not json"}) {
            auto answer = [&](const aq::mock_receiver& receiver) {
                const auto sent = http_send(receiver.port(), make_request(http::verb::post, target, body));
                BOOST_TEST_REQUIRE(!sent.error);
                std::ostringstream out;
                out << sent.response.base() << sent.response.body();
                return out.str();
            };
            const auto expected = answer(from_document);
            BOOST_TEST(answer(from_model) == expected, target << " " << body);
            ++requests;
        }
    const auto entries = from_model.wait_for(requests, 5s);
    BOOST_TEST_REQUIRE(entries.has_value());
    BOOST_TEST(entries->back().rule.value_or("") == "teapot"); // the oldest

    // set_config with a bad model keeps the old configuration, and says why as the document does.
    const auto refused = from_model.set_config(aq::mock_config().otherwise(aq::mock_response(7)));
    BOOST_TEST_REQUIRE(refused.has_value());
    BOOST_TEST(refused->pointer == "/default/status");
    BOOST_TEST(refused->message() == from_model.set_config(R"({"default": {"status": 7}})")->message());
    const auto still = http_send(from_model.port(), make_request(http::verb::post, "/teapot", R"({"kind": "green"})"));
    BOOST_TEST(still.response.result_int() == 418u);

    // GET /_aqhook/config shows the model's document, secrets redacted.
    BOOST_TEST(!from_model.set_config(aq::mock_config(model).secret("hidden")).has_value());
    const auto shown = http_send(from_model.port(), make_request(http::verb::get, "/_aqhook/config"));
    auto expected = aq::to_json(aq::mock_config(model).secret("hidden"));
    expected.at("secrets").as_array()[0] = "<redacted>";
    BOOST_TEST(json::parse(shown.response.body()) == expected);
    BOOST_TEST(shown.response.body().find("hidden") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
