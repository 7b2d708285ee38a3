#include "receiver_config.hpp"

#include "test_support.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <fstream>
#include <iterator>

BOOST_AUTO_TEST_SUITE(test_receiver_config)

namespace aq = allquiet::webhook;
using aq::error;
using aqhook::parse_receiver_config;

namespace {

// The example configuration of the project's design.
const char* design_example = R"({
  "secrets": ["dev-secret"],
  "signingMethod": "any",
  "toleranceSeconds": 300,
  "policy": "enforce",
  "rules": [
    { "name": "resolve critical",
      "match": { "method": "POST", "path": "/hooks/*",
                 "headers": { "X-Team": "storage" },
                 "json": { "/events/0/severity": "Critical" },
                 "verification": "valid" },
      "respond": { "status": 200, "headers": { "X-Handled-By": "aqhook" },
                   "patch": { "operations": { "appendIntent": { "intent": "Resolved" } } },
                   "delayMs": 0 } },
    { "name": "flaky", "match": { "path": "/flaky" },
      "respond": { "sequence": [ { "status": 500 }, { "status": 200 } ] } }
  ],
  "default": { "status": 200 }
})";

std::string with_rule(const std::string& rule) { return R"({"rules": [)" + rule + "]}"; }

} // namespace

BOOST_AUTO_TEST_CASE(reads_the_design_example) {
    const auto config = parse_receiver_config(design_example).value();
    BOOST_TEST(config->secrets == std::vector<std::string>{"dev-secret"});
    BOOST_TEST((config->methods == aq::accepted_methods::any));
    BOOST_TEST((config->tolerance.past == std::chrono::seconds(300)));
    BOOST_TEST((config->policy == aqhook::verification_policy::enforce));
    BOOST_TEST_REQUIRE(config->rules.size() == 2u);
    const auto& resolve = config->rules[0];
    BOOST_TEST(resolve.name == "resolve critical");
    BOOST_TEST(*resolve.match.method == "POST");
    BOOST_TEST(*resolve.match.path == "/hooks/*");
    BOOST_TEST(resolve.match.headers[0].name == "X-Team");
    const auto& severity = config->json_conditions.pointer(resolve.match.json[0].slot);
    BOOST_TEST(severity.tokens.size() == 3u);
    BOOST_TEST((severity.tokens[1].index == std::optional<std::size_t>(0)));
    BOOST_TEST(severity.tokens[2].key == "severity");
    BOOST_TEST(resolve.match.json[0].expected == "Critical");
    BOOST_TEST((*resolve.match.verification == aqhook::verification_status::valid));
    const auto& answer = resolve.respond.items().at(0);
    BOOST_TEST(answer.body == R"({"operations":{"appendIntent":{"intent":"Resolved"}}})");
    BOOST_TEST(answer.headers.size() == 2u); // X-Handled-By and the added Content-Type
    BOOST_TEST(answer.headers[1].value == "application/json; charset=utf-8");
    BOOST_TEST(config->rules[1].respond.items().size() == 2u);
}

BOOST_AUTO_TEST_CASE(sequences_are_used_in_turn_and_the_last_repeats) {
    const auto config = parse_receiver_config(design_example).value();
    const auto& flaky = config->rules[1].respond;
    BOOST_TEST(flaky.next().status == 500u);
    BOOST_TEST(flaky.next().status == 200u);
    BOOST_TEST(flaky.next().status == 200u);
}

BOOST_AUTO_TEST_CASE(defaults_and_bodies) {
    const auto config = parse_receiver_config("{}").value();
    BOOST_TEST(config->secrets.empty());
    BOOST_TEST(config->rules.empty());
    BOOST_TEST(config->fallback.next().status == 200u);
    BOOST_TEST(config->fallback.next().body.empty());

    const auto text = parse_receiver_config(R"({"default": {"body": "plain"}})").value();
    BOOST_TEST(text->fallback.next().headers.at(0).value == "text/plain; charset=utf-8");
    const auto as_json =
        parse_receiver_config(
            R"({"default": {"body": {"ok": true}, "headers": {"content-type": "application/x"}}})")
            .value();
    const auto& spec = as_json->fallback.next();
    BOOST_TEST(spec.body == R"({"ok":true})");
    BOOST_TEST(spec.headers.size() == 1u); // the given Content-Type wins
    const auto none = parse_receiver_config(R"({"toleranceSeconds": null})").value();
    BOOST_TEST(!none->tolerance.enabled);
    // A configuration that gives nothing answers every delivery 200 with no body.
    const auto empty = aqhook::compile_receiver_config(aq::mock_config()).value();
    BOOST_TEST(empty->rules.empty());
    BOOST_TEST(empty->fallback.next().status == 200u);
    BOOST_TEST(empty->fallback.next().body.empty());
}

BOOST_AUTO_TEST_CASE(command_line_overrides_apply_to_every_document) {
    aqhook::config_overrides overrides;
    overrides.secrets = {"from-cli"};
    overrides.signing_method = "aws";
    overrides.tolerance_seconds = 60;
    overrides.policy = "record";
    const auto config = parse_receiver_config(R"({"secrets": ["from-file"]})", overrides).value();
    BOOST_TEST(config->secrets == (std::vector<std::string>{"from-file", "from-cli"}));
    BOOST_TEST((config->methods == aq::accepted_methods::aws));
    BOOST_TEST((config->tolerance.future == std::chrono::seconds(60)));
    BOOST_TEST((config->policy == aqhook::verification_policy::record));
    const auto redacted = aqhook::redacted(*config);
    BOOST_TEST(redacted.at("secrets") == boost::json::parse(R"(["<redacted>", "<redacted>"])"));

    overrides.tolerance_seconds = nullptr; // --no-tolerance
    BOOST_TEST(!parse_receiver_config("{}", overrides).value()->tolerance.enabled);

    // A secret given on the command line and in the file (or twice on the command line) is kept once.
    overrides.secrets = {"from-file", "from-cli", "from-cli"};
    BOOST_TEST(parse_receiver_config(R"({"secrets": ["from-file"]})", overrides).value()->secrets ==
               (std::vector<std::string>{"from-file", "from-cli"}));
}

BOOST_AUTO_TEST_CASE(errors_name_the_member_and_the_rule) {
    auto bad_patch = parse_receiver_config(with_rule(
        R"({"name": "resolve", "respond": {"patch": {"operations": {"appendIntent": {"intent": "Closed"}}}}})"));
    BOOST_TEST_REQUIRE(bad_patch.has_error());
    BOOST_TEST(bad_patch.error().code == error::unknown_value);
    BOOST_TEST(bad_patch.error().pointer == "/rules/0/respond/patch/operations/appendIntent/intent");
    BOOST_TEST(bad_patch.error().detail.find("in rule 'resolve'") == 0u, bad_patch.error().detail);

    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"patch": {"operations": {}}}})")),
                     error::empty_patch, "/rules/0/respond/patch/operations");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"status": 99}})")), error::out_of_range,
                     "/rules/0/respond/status");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"status": "200"}})")), error::wrong_type,
                     "/rules/0/respond/status");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"patch": {}, "body": "x"}})")),
                     error::missing_member, "/rules/0/respond/patch/operations");
    CHECK_FAILS_WITH(
        parse_receiver_config(with_rule(R"({"respond": {"body": "x", "patch": {"operations": {}}}})")),
        error::conflicting_members, "/rules/0/respond/patch");
    const std::string huge(70000, 'v');
    CHECK_FAILS_WITH(
        parse_receiver_config(with_rule(R"({"respond": {"headers": {"X-Big": ")" + huge + R"("}}})")),
        error::out_of_range, "/rules/0/respond/headers/X-Big");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"status": 204, "body": "x"}})")),
                     error::body_not_allowed, "/rules/0/respond/body");
    CHECK_FAILS_WITH(
        parse_receiver_config(with_rule(R"({"respond": {"patchTemplate": "{}", "status": 304}})")),
        error::body_not_allowed, "/rules/0/respond/patchTemplate");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"default": {"status": 304, "body": {"a": 1}}})"),
                     error::body_not_allowed, "/default/body");
    BOOST_TEST(parse_receiver_config(with_rule(R"({"respond": {"status": 204}})")).has_value());
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"delayMs": 600001}})")),
                     error::out_of_range, "/rules/0/respond/delayMs");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"fault": "crash"}})")),
                     error::unknown_value, "/rules/0/respond/fault");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"sequence": []}})")),
                     error::out_of_range, "/rules/0/respond/sequence");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"sequence": [{"sequence": []}]}})")),
                     error::conflicting_members, "/rules/0/respond/sequence/0/sequence");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"status": 200, "sequence": [{}]}})")),
                     error::conflicting_members, "/rules/0/respond");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"headers": {"Content-Length": "3"}}})")),
                     error::reserved_header, "/rules/0/respond/headers/Content-Length");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"headers": {"X-A": "a\nb"}}})")),
                     error::invalid_header_value, "/rules/0/respond/headers/X-A");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"colour": "red"}})")),
                     error::unknown_member, "/rules/0/respond/colour");
}

// A 1xx is interim (RFC 9110 §15.2): sent as the answer, it would leave the sender waiting for
// the real one. Only final statuses are taken, and the error names the rule and the status.
BOOST_AUTO_TEST_CASE(only_final_statuses_are_taken) {
    for (const int status : {100, 101, 103, 199, 600}) {
        const auto in_rule = parse_receiver_config(
            with_rule(R"({"name": "early", "respond": {"status": )" + std::to_string(status) + "}}"));
        CHECK_FAILS_WITH(in_rule, error::out_of_range, "/rules/0/respond/status");
        BOOST_TEST(in_rule.error().message().find("in rule 'early': " + std::to_string(status) +
                                                  " is not a final status") != std::string::npos,
                   in_rule.error().message());
        const auto in_sequence = parse_receiver_config(
            R"({"default": {"sequence": [{"status": 200}, {"status": )" + std::to_string(status) + "}]}}");
        CHECK_FAILS_WITH(in_sequence, error::out_of_range, "/default/sequence/1/status");
    }
    for (const int status : {200, 299, 418, 599})
        BOOST_TEST(
            parse_receiver_config(R"({"default": {"status": )" + std::to_string(status) + "}}").has_value());
}

BOOST_AUTO_TEST_CASE(match_and_template_errors_name_the_member) {
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {}})")), error::missing_member,
                     "/rules/0/respond");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"path": "hooks"}, "respond": {}})")),
                     error::malformed_path, "/rules/0/match/path");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"method": "P OST"}, "respond": {}})")),
                     error::invalid_method, "/rules/0/match/method");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"json": {"events": 1}}, "respond": {}})")),
                     error::malformed_json_pointer, "/rules/0/match/json/events");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"json": {"/a~2b": 1}}, "respond": {}})")),
                     error::malformed_json_pointer, "/rules/0/match/json/~1a~02b");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"verification": "ok"}, "respond": {}})")),
                     error::unknown_value, "/rules/0/match/verification");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"match": {"body": "x"}, "respond": {}})")),
                     error::unknown_member, "/rules/0/match/body");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"name": 5, "respond": {}})")), error::wrong_type,
                     "/rules/0/name");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"bodyTemplate": "{{#if x}}"}})")),
                     error::template_syntax, "/rules/0/respond/bodyTemplate");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"respond": {"bodyTemplate": "x", "body": "y"}})")),
                     error::conflicting_members, "/rules/0/respond/body");
}

BOOST_AUTO_TEST_CASE(top_level_errors_name_the_member) {
    CHECK_FAILS_WITH(parse_receiver_config(R"({"secrets": [""]})"), error::out_of_range, "/secrets/0");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"secrets": "s"})"), error::wrong_type, "/secrets");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"signingMethod": "hmac"})"), error::unknown_value,
                     "/signingMethod");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"toleranceSeconds": -1})"), error::out_of_range,
                     "/toleranceSeconds");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"policy": "strict"})"), error::unknown_value, "/policy");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"rules": {}})"), error::wrong_type, "/rules");
    CHECK_FAILS_WITH(parse_receiver_config(R"({"secret": ["s"]})"), error::unknown_member, "/secret");
    CHECK_FAILS_WITH(parse_receiver_config("[]"), error::wrong_type, "");
    CHECK_FAILS_WITH(parse_receiver_config("{"), error::syntax, "");
}

BOOST_AUTO_TEST_CASE(unnamed_rules_are_numbered) {
    const auto config = parse_receiver_config(with_rule(R"({"respond": {}}, {"respond": {}})")).value();
    BOOST_TEST(config->rules[1].name == "rule 2");
}

BOOST_AUTO_TEST_CASE(the_example_in_the_docs_loads) {
    std::ifstream in(std::string(ALLQUIET_TEST_SOURCE_DIR) + "/../docs/receiver.md");
    const std::string page(std::istreambuf_iterator<char>(in), {});
    const auto section = page.find("## Configuration");
    BOOST_TEST_REQUIRE(section != std::string::npos);
    const auto start = page.find("```json\n", section);
    const auto end = page.find("```", start + 8);
    BOOST_TEST_REQUIRE((start != std::string::npos && end != std::string::npos));
    const auto config = parse_receiver_config(page.substr(start + 8, end - start - 8));
    BOOST_TEST_REQUIRE(config.has_value(), config.error().message());
    BOOST_TEST((*config)->rules.size() == 2u);
    BOOST_TEST((*config)->rules.at(0).name == "resolve critical");
}

// Loading is linear in the conditions: each pointer is placed among the others by a few map
// look-ups. (When each added pointer re-examined every pair, 8,000 rules took minutes.)
BOOST_AUTO_TEST_CASE(thousands_of_json_conditions_load_in_linear_time) {
    auto load = [](int rules) {
        std::string text = R"({"rules": [)";
        for (int i = 0; i < rules; ++i) {
            const auto n = std::to_string(i);
            text += (i ? "," : "") + std::string(R"({"name": "r)") + n +
                    R"(", "match": {"json": {"/events/)" + n + R"(/severity": "Critical", "/events/)" + n +
                    R"(": {"id": )" + n + R"(}, "/title": "t)" + n + R"("}}, "respond": {"status": 200}})";
        }
        const auto start = std::chrono::steady_clock::now();
        const auto config = parse_receiver_config(text + "]}");
        const auto took = std::chrono::steady_clock::now() - start;
        BOOST_TEST_REQUIRE(config.has_value());
        BOOST_TEST((*config)->json_conditions.size() == static_cast<std::size_t>(2 * rules + 1));
        return std::chrono::duration<double>(took).count();
    };
    const double small = load(2'000), large = load(20'000);
    BOOST_TEST_MESSAGE("2,000 rules load in " << small << " s, 20,000 in " << large << " s");
    // Ten times the rules in far less than a hundred times the time (the quadratic bound), with
    // room for a noisy machine and a sanitizer build.
    BOOST_TEST(large < 30 * small + 0.5);
    BOOST_TEST(large < 30.0);
}

BOOST_AUTO_TEST_CASE(a_rule_takes_part_in_a_scenario) {
    const auto config = parse_receiver_config(with_rule(R"({"name": "first",
        "scenario": {"name": "retry", "whenState": "Started", "setState": "failed once"},
        "respond": {"status": 503}})"))
                            .value();
    BOOST_TEST_REQUIRE(config->rules.at(0).scenario.has_value());
    BOOST_TEST((*config->rules[0].scenario == aq::scenario_step{"retry", "Started", "failed once"}));
    const auto named_only = parse_receiver_config(with_rule(R"({"scenario": {"name": "s"}, "respond": {}})"));
    BOOST_TEST((*named_only.value()->rules.at(0).scenario == aq::scenario_step{"s", {}, {}}));
    BOOST_TEST(!parse_receiver_config(with_rule(R"({"respond": {}})")).value()->rules.at(0).scenario);

    // A name and a state are 1 to 256 bytes, as the admin API takes them.
    const std::string longest(aqhook::max_scenario_text, 's');
    BOOST_TEST(parse_receiver_config(with_rule(R"({"scenario": {"name": ")" + longest +
                                               R"(", "setState": ")" + longest + R"("}, "respond": {}})"))
                   .has_value());
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"scenario": {"name": "s", "setState": ")" + longest +
                                                     R"(s"}, "respond": {}})")),
                     error::out_of_range, "/rules/0/scenario/setState");
    CHECK_FAILS_WITH(
        parse_receiver_config(with_rule(R"({"scenario": {"name": "s", "whenState": ""}, "respond": {}})")),
        error::out_of_range, "/rules/0/scenario/whenState");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"scenario": {"name": ""}, "respond": {}})")),
                     error::out_of_range, "/rules/0/scenario/name");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"scenario": {"whenState": "a"}, "respond": {}})")),
                     error::missing_member, "/rules/0/scenario/name");
    CHECK_FAILS_WITH(
        parse_receiver_config(with_rule(R"({"scenario": {"name": "s", "state": "a"}, "respond": {}})")),
        error::unknown_member, "/rules/0/scenario/state");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"scenario": {"name": 1}, "respond": {}})")),
                     error::wrong_type, "/rules/0/scenario/name");
    CHECK_FAILS_WITH(parse_receiver_config(with_rule(R"({"scenario": "retry", "respond": {}})")),
                     error::wrong_type, "/rules/0/scenario");
    const auto named = parse_receiver_config(with_rule(R"({"name": "r", "scenario": {}, "respond": {}})"));
    BOOST_TEST_REQUIRE(named.has_error());
    BOOST_TEST(named.error().detail.find("in rule 'r'") == 0u, named.error().detail);
}

BOOST_AUTO_TEST_SUITE_END()
