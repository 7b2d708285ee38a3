// Expectations on what the mock receiver received, strict mode, and the Boost.Test helpers.
#include <allquiet/webhook/expectations.hpp>
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/testing/boost_test.hpp>

#include "http_client.hpp"
#include "text_encoding.hpp"
#include "test_support.hpp"

#include <future>
#include <memory>
#include <sstream>
#include <thread>

BOOST_AUTO_TEST_SUITE(test_mock_expectations)

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;
using test_support::http_send;
using test_support::make_request;
using test_support::sign_request;
namespace http = test_support::http;

namespace {

const std::string secret = "dev-secret";

http::request<http::string_body> delivery(http::verb method, std::string target, std::string body,
                                          std::string team = {}, std::optional<std::string> key = secret) {
    auto request = make_request(method, std::move(target), std::move(body));
    request.set(http::field::content_type, "application/json");
    if (!team.empty()) request.set("X-Team", team);
    if (key) sign_request(request, aq::signing_method::allquiet, *key);
    return request;
}

void send(const aq::mock_receiver& receiver, http::request<http::string_body> request) {
    const auto result = http_send(receiver.port(), std::move(request));
    BOOST_TEST_REQUIRE(!result.error, result.error.message());
}

aq::request_match disk_full_from_ops() {
    return aq::request_match().post().path("/hooks/*").header("x-team", "ops").json("/title", "Disk full").verified();
}

aq::journal_entry entry(std::uint64_t id, std::string method, std::string target, std::string body) {
    aq::journal_entry e;
    e.id = id;
    e.method = std::move(method);
    e.target = std::move(target);
    e.body = std::move(body);
    return e;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Reports a strict receiver gives, kept by a reporter that outlives it.
struct captured_reports {
    std::shared_ptr<std::vector<std::string>> reports = std::make_shared<std::vector<std::string>>();

    std::function<void(const aq::expectation_result&)> reporter() const {
        return [reports = reports](const aq::expectation_result& verdict) { reports->push_back(verdict.report()); };
    }
};

aq::mock_receiver_options strict_into(const captured_reports& captured) {
    aq::mock_receiver_options options;
    options.strict = true;
    options.strict_reporter = captured.reporter();
    return options;
}

constexpr std::string_view two_rules = R"({"rules": [
    {"name": "hooks", "match": {"path": "/hooks/*"}, "respond": {"status": 202}},
    {"name": "never used", "match": {"path": "/nope"}, "respond": {"status": 204}}]})";

/// How long a test lets a receiver wait for a delivery that comes at once: far above what it takes.
const auto ample = test_support::sanitized_build ? 20s : 10s;

} // namespace

BOOST_AUTO_TEST_CASE(counts_and_matches_are_described_in_words) {
    BOOST_TEST(aq::describe(aq::exactly(2)) == "exactly 2");
    BOOST_TEST(aq::describe(aq::at_least(1)) == "at least 1");
    BOOST_TEST(aq::describe(aq::at_most(3)) == "at most 3");
    BOOST_TEST(aq::describe(aq::never()) == "never");
    BOOST_TEST(aq::describe(aq::exactly(0)) == "never");
    BOOST_TEST(aq::describe(aq::request_match().post().path("/hooks/*").json("/title", "Disk full").verified()) ==
               R"(POST /hooks/* with JSON /title = "Disk full", verified)");
    BOOST_TEST(aq::describe(disk_full_from_ops()) ==
               R"(POST /hooks/* with header x-team = "ops", JSON /title = "Disk full", verified)");
    BOOST_TEST(aq::describe(aq::request_match()) == "any delivery");
    BOOST_TEST(aq::describe(aq::request_match().verification(aq::verification_status::unsigned_)) ==
               "any delivery, unsigned");
}

BOOST_AUTO_TEST_CASE(each_failing_condition_is_one_difference) {
    auto e = entry(7, "PUT", "/other?x=1", "not json");
    e.headers = {{"X-Team", "dev"}};
    e.verification.error = aq::error::signature_mismatch;
    const std::vector<std::string> expected = {
        "method: expected POST, got PUT",
        "path: expected /hooks/*, got /other",
        R"(header x-team: expected "ops", got "dev")",
        R"(JSON /title: expected "Disk full", body is not JSON)",
        "verification: expected valid, got invalid (signature mismatch)",
    };
    BOOST_TEST(aq::differences(disk_full_from_ops(), e) == expected, boost::test_tools::per_element());
    BOOST_TEST(!aq::matches(disk_full_from_ops(), e));

    auto near = entry(8, "POST", "/hooks/a", R"({"summary": "Disk full"})");
    BOOST_TEST(aq::differences(aq::request_match().header("x-team", "ops").json("/title", "Disk full"), near) ==
                   (std::vector<std::string>{R"(header x-team: expected "ops", got none)",
                                             R"(JSON /title: expected "Disk full", nothing at /title)"}),
               boost::test_tools::per_element());

    auto met = entry(9, "POST", "/hooks/a?retry=1", R"({"title": "Disk full"})");
    met.headers = {{"x-team", "ops"}};
    BOOST_TEST(aq::differences(disk_full_from_ops(), met).empty());
    BOOST_TEST(aq::matches(disk_full_from_ops(), met));
}

BOOST_AUTO_TEST_CASE(a_long_value_is_cut_in_the_differences) {
    const std::string long_title(1000, 'x');
    const auto lines =
        aq::differences(aq::request_match().json("/title", "t"), entry(1, "POST", "/", R"({"title": ")" + long_title + "\"}"));
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0].size() < 300u);
    BOOST_TEST(contains(lines[0], "..."));
}

// A report is text for test logs (Boost.Test and GoogleTest write XML): a delivery's bytes that are
// not UTF-8, and a cut inside a character, would make it invalid.
BOOST_AUTO_TEST_CASE(a_report_is_valid_utf8_whatever_the_delivery_holds) {
    auto e = entry(1, "POST", "/", "{\"title\": \"" + std::string(198, 'x') + "\u00e9\"}");
    e.headers = {{"X-Team", "\xff\xfe" + std::string(300, '\x80')}};
    const auto lines = aq::differences(aq::request_match().header("x-team", "ops").json("/title", "t"), e);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    for (const auto& line : lines) {
        BOOST_TEST(aqhook::is_valid_utf8(line), line);
        BOOST_TEST(line.size() < 300u);
    }
    BOOST_TEST(contains(lines[0], "\"\xEF\xBF\xBD\xEF\xBF\xBD"), lines[0]); // each bad byte as U+FFFD
    BOOST_TEST(contains(lines[1], "\"" + std::string(198, 'x') + "..."), lines[1]); // cut before the é
}

BOOST_AUTO_TEST_CASE(a_condition_that_cannot_hold_is_a_difference_and_expect_refuses_it) {
    const auto bad = aq::request_match().json("title", "Disk full");
    BOOST_TEST(aq::match_problem(bad).value_or("") == R"(JSON "title": a JSON pointer starts with /)");
    BOOST_TEST(aq::differences(bad, entry(1, "POST", "/", R"({"title": "Disk full"})")) ==
                   (std::vector<std::string>{"JSON title: a JSON pointer starts with /"}),
               boost::test_tools::per_element());
    BOOST_TEST(aq::match_problem(aq::request_match().path("hooks/*")).has_value());
    BOOST_TEST(!aq::match_problem(disk_full_from_ops()).has_value());

    aq::mock_receiver receiver;
    BOOST_CHECK_THROW(receiver.expect(aq::at_least(1), bad, 0ms), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_nearest_are_fewest_differences_first_then_newest_at_most_three) {
    const auto match = aq::request_match().post().path("/hooks/*").json("/n", 1);
    const std::vector<aq::journal_entry> newest_first = {
        entry(5, "PUT", "/other", "{}"),           // three differences
        entry(4, "POST", "/hooks/a", R"({"n": 2})"), // one
        entry(3, "POST", "/other", R"({"n": 1})"),   // one
        entry(2, "PUT", "/hooks/b", R"({"n": 1})"),  // one, but older than #4 and #3
        entry(1, "POST", "/hooks/c", R"({"n": 1})"), // matches
    };
    const auto verdict = aq::check_expectation(newest_first, aq::exactly(2), match);
    BOOST_TEST(!verdict);
    BOOST_TEST(verdict.report() == "expected exactly 2: POST /hooks/* with JSON /n = 1\n"
                                   "matched 1 of the 5 deliveries received\n"
                                   "the nearest that did not match:\n"
                                   "  #4 POST /hooks/a\n"
                                   "    JSON /n: expected 1, got 2\n"
                                   "  #3 POST /other\n"
                                   "    path: expected /hooks/*, got /other\n"
                                   "  #2 PUT /hooks/b\n"
                                   "    method: expected POST, got PUT\n");
    std::ostringstream printed;
    printed << verdict;
    BOOST_TEST(printed.str() == verdict.report());

    const auto met = aq::check_expectation(newest_first, aq::exactly(1), match);
    BOOST_TEST(static_cast<bool>(met));
    BOOST_TEST(met.report() == "expected exactly 1: POST /hooks/* with JSON /n = 1\n"
                               "matched 1 of the 5 deliveries received\n");
    BOOST_TEST(aq::check_expectation({}, aq::at_least(1), match).report() ==
               "expected at least 1: POST /hooks/* with JSON /n = 1\nnothing was received\n");
}

BOOST_AUTO_TEST_CASE(a_failing_expectation_names_the_nearest_delivery_and_each_difference) {
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"], "policy": "record"})");
    send(receiver, delivery(http::verb::post, "/hooks/aq", R"({"title": "Disk full"})", "ops"));
    send(receiver, delivery(http::verb::put, "/other?x=1", "plain text", {}, std::nullopt));
    send(receiver, delivery(http::verb::post, "/hooks/aq", R"({"title": "CPU high"})", "dev", "wrong-secret"));

    const auto verdict = receiver.expect(aq::exactly(2), disk_full_from_ops(), 0ms);
    BOOST_TEST(!verdict);
    BOOST_TEST(verdict.report() ==
               R"(expected exactly 2: POST /hooks/* with header x-team = "ops", JSON /title = "Disk full", verified
matched 1 of the 3 deliveries received after waiting 0 ms
the nearest that did not match:
  #3 POST /hooks/aq
    header x-team: expected "ops", got "dev"
    JSON /title: expected "Disk full", got "CPU high"
    verification: expected valid, got invalid (signature mismatch)
  #2 PUT /other?x=1
    method: expected POST, got PUT
    path: expected /hooks/*, got /other
    header x-team: expected "ops", got none
    JSON /title: expected "Disk full", body is not JSON
    verification: expected valid, got unsigned (request is not signed)
)");
    BOOST_TEST(static_cast<bool>(receiver.expect(aq::exactly(1), disk_full_from_ops())));
}

BOOST_AUTO_TEST_CASE(a_count_met_later_from_another_thread_returns_before_the_deadline) {
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"]})");
    auto sender = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(200ms); // so that the expectation is waiting when they come
        send(receiver, delivery(http::verb::post, "/hooks/a", R"({"title": "Disk full"})", "ops"));
        send(receiver, delivery(http::verb::post, "/hooks/b", R"({"title": "Disk full"})", "ops"));
    });
    const auto start = std::chrono::steady_clock::now();
    const auto verdict = receiver.expect(aq::exactly(2), disk_full_from_ops(), ample);
    const auto waited = std::chrono::steady_clock::now() - start;
    sender.get();
    BOOST_TEST(static_cast<bool>(verdict), verdict.report());
    BOOST_TEST((waited < ample));
    BOOST_TEST(verdict.report() ==
               R"(expected exactly 2: POST /hooks/* with header x-team = "ops", JSON /title = "Disk full", verified
matched 2 of the 2 deliveries received
)");
}

BOOST_AUTO_TEST_CASE(a_count_never_met_is_false_at_the_deadline_with_the_report) {
    aq::mock_receiver receiver;
    send(receiver, delivery(http::verb::post, "/other", "{}", {}, std::nullopt));
    const auto start = std::chrono::steady_clock::now();
    const auto verdict = receiver.expect(aq::at_least(2), aq::request_match().path("/hooks/*"), 300ms);
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 300ms));
    BOOST_TEST(!verdict);
    BOOST_TEST(verdict.report() == "expected at least 2: /hooks/*\n"
                                   "matched 0 of the 1 delivery received after waiting 300 ms\n"
                                   "the nearest that did not match:\n"
                                   "  #1 POST /other\n"
                                   "    path: expected /hooks/*, got /other\n");

    aq::mock_receiver empty;
    BOOST_TEST(empty.expect(aq::exactly(1), aq::request_match(), 10ms).report() ==
               "expected exactly 1: any delivery\nnothing was received after waiting 10 ms\n");
}

BOOST_AUTO_TEST_CASE(at_most_and_never_judge_at_once) {
    aq::mock_receiver receiver;
    send(receiver, delivery(http::verb::post, "/hooks/a", "{}", {}, std::nullopt));
    send(receiver, delivery(http::verb::post, "/hooks/b", "{}", {}, std::nullopt));
    const auto start = std::chrono::steady_clock::now();
    const auto verdict = receiver.expect(aq::never(), aq::request_match().post(), ample);
    BOOST_TEST((std::chrono::steady_clock::now() - start < ample));
    BOOST_TEST(!verdict);
    BOOST_TEST(verdict.report() == "expected never: POST\n"
                                   "matched 2 of the 2 deliveries received\n"
                                   "the newest that matched:\n"
                                   "  #2 POST /hooks/b\n"
                                   "  #1 POST /hooks/a\n");
    BOOST_TEST(static_cast<bool>(receiver.expect(aq::at_most(2), aq::request_match().post(), ample)));
    BOOST_TEST(static_cast<bool>(receiver.expect(aq::never(), aq::request_match().get(), ample)));
}

BOOST_AUTO_TEST_CASE(wait_for_and_expect_list_newest_first) {
    aq::mock_receiver receiver;
    send(receiver, delivery(http::verb::post, "/first", "{}", {}, std::nullopt));
    send(receiver, delivery(http::verb::post, "/second", "{}", {}, std::nullopt));
    const auto entries = receiver.wait_for(2, ample).value();
    BOOST_TEST(entries.front().target == "/second");
    BOOST_TEST(contains(receiver.expect(aq::never(), aq::request_match(), 0ms).report(),
                        "  #2 POST /second\n  #1 POST /first\n"));
}

BOOST_AUTO_TEST_CASE(strict_mode_reports_an_unmatched_delivery_and_an_unused_rule) {
    captured_reports captured;
    {
        aq::mock_receiver receiver(two_rules, strict_into(captured));
        send(receiver, delivery(http::verb::post, "/hooks/a", "{}", {}, std::nullopt));
        send(receiver, delivery(http::verb::post, "/other", "{}", {}, std::nullopt));
        BOOST_TEST(!receiver.unmatched());
        BOOST_TEST(captured.reports->empty()); // reported when the receiver goes
    }
    BOOST_TEST_REQUIRE(captured.reports->size() == 1u);
    BOOST_TEST(captured.reports->front() ==
               "1 delivery that no rule matched:\n"
               "  #2 POST /other: answered 200, signature unsigned (no signing secret configured)\n"
               "rules that matched no delivery since the configuration was loaded:\n"
               "  \"never used\"\n");
}

BOOST_AUTO_TEST_CASE(strict_mode_names_ten_unused_rules_and_counts_the_others) {
    aq::mock_config config;
    for (int i = 0; i < 10'000; ++i)
        config.rule(aq::mock_rule("rule number " + std::to_string(i)).when(aq::request_match().path("/nope")).respond(aq::mock_response()));
    aq::mock_receiver receiver(config);
    const auto report = receiver.unmatched().report();
    BOOST_TEST(contains(report, "  \"rule number 9\"\n  and 9990 more\n"), report);
    BOOST_TEST(!contains(report, "rule number 10\""));
    BOOST_TEST(report.size() < 1000u);
}

BOOST_AUTO_TEST_CASE(strict_mode_reports_nothing_when_all_is_matched) {
    captured_reports captured;
    {
        aq::mock_receiver receiver(two_rules, strict_into(captured));
        send(receiver, delivery(http::verb::post, "/hooks/a", "{}", {}, std::nullopt));
        send(receiver, delivery(http::verb::post, "/nope", "{}", {}, std::nullopt));
        const auto verdict = receiver.unmatched();
        BOOST_TEST(static_cast<bool>(verdict), verdict.report());
    }
    BOOST_TEST(captured.reports->empty());
}

BOOST_AUTO_TEST_CASE(rule_counts_start_again_with_a_new_configuration) {
    aq::mock_receiver receiver(two_rules);
    send(receiver, delivery(http::verb::post, "/hooks/a", "{}", {}, std::nullopt));
    send(receiver, delivery(http::verb::post, "/nope", "{}", {}, std::nullopt));
    BOOST_TEST(static_cast<bool>(receiver.unmatched()));
    BOOST_TEST(!receiver.set_config(two_rules).has_value());
    BOOST_TEST(receiver.unmatched().report() ==
               "rules that matched no delivery since the configuration was loaded:\n  \"hooks\"\n  \"never used\"\n");
}

BOOST_AUTO_TEST_CASE(a_delivery_refused_for_its_signature_is_unmatched) {
    aq::mock_receiver receiver(R"({"secrets": ["dev-secret"], "rules": [{"match": {"path": "/hooks/*"}, "respond": {"status": 200}}]})");
    send(receiver, delivery(http::verb::post, "/hooks/a", "{}", {}, "wrong-secret"));
    send(receiver, delivery(http::verb::post, "/hooks/a", "{}"));
    BOOST_TEST(receiver.unmatched().report() ==
               "1 delivery that no rule matched:\n"
               "  #1 POST /hooks/a: answered 401, signature invalid (signature mismatch)\n");
}

namespace {

aq::mock_receiver strict_receiver(const captured_reports& captured) {
    aq::mock_receiver receiver(two_rules, strict_into(captured));
    return receiver; // moved out
}

} // namespace

BOOST_AUTO_TEST_CASE(a_moved_receiver_serves_on_and_the_moved_from_one_does_nothing) {
    captured_reports captured;
    {
        aq::mock_receiver first = strict_receiver(captured);
        aq::mock_receiver second(std::move(first));
        { aq::mock_receiver gone(std::move(second)); second = std::move(gone); } // `gone` ends moved from
        BOOST_TEST(captured.reports->empty());
        send(second, delivery(http::verb::post, "/hooks/a", "{}", {}, std::nullopt));
        send(second, delivery(http::verb::post, "/nope", "{}", {}, std::nullopt));
        BOOST_TEST(second.journal().size() == 2u);

        captured_reports replaced;
        aq::mock_receiver other(two_rules, strict_into(replaced));
        other = std::move(second); // `other`'s own receiver finishes here, reporting its unused rules
        BOOST_TEST(replaced.reports->size() == 1u);
        BOOST_TEST(captured.reports->empty());
    }
    BOOST_TEST(captured.reports->empty()); // every rule matched; the moved-from ones reported nothing
}

// The helper's failure: run inside this test, with its log captured; the test expects the failures.
BOOST_AUTO_TEST_CASE(the_boost_test_helpers_fail_with_the_report, *boost::unit_test::expected_failures(2)) {
    std::ostringstream log;
    boost::unit_test::unit_test_log.set_stream(log);
    {
        aq::mock_receiver_options options;
        options.strict = true;
        options.strict_reporter = aq::boost_test::strict_reporter();
        aq::mock_receiver receiver(two_rules, options);
        BOOST_TEST(aq::boost_test::met(receiver.expect(aq::at_least(1), aq::request_match().get(), 0ms)));
    }
    boost::unit_test::unit_test_log.set_stream(std::cout);
    BOOST_TEST(contains(log.str(), "expected at least 1: GET\nnothing was received after waiting 0 ms\n"));
    BOOST_TEST(contains(log.str(), "strict mock_receiver (reporter from "));
    BOOST_TEST(contains(log.str(), "  \"hooks\"\n  \"never used\"\n"));

    BOOST_TEST(aq::boost_test::met(aq::check_expectation({}, aq::never(), aq::request_match())));
}

BOOST_AUTO_TEST_SUITE_END()
