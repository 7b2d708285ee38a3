// Expectations on the journal: one check per condition gives both the verdict and the words.
#include "expectations_internal.hpp"
#include "json_probe.hpp"
#include "path_pattern.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/expectations.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <optional>

namespace allquiet::webhook {

namespace {

namespace json = boost::json;

/// The longest value a report shows: a delivery's body or header may be megabytes.
constexpr std::size_t shown_limit = 200;

/// `text` as valid UTF-8 (a delivery may carry any bytes), cut after `shown_limit` bytes.
std::string shown(std::string_view text) { return aqhook::valid_utf8_prefix(text, shown_limit); }

std::string quoted(std::string_view text) { return shown(json::serialize(json::string(text))); }
std::string quoted(const json::value& value) { return shown(json::serialize(value)); }

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string> path_problem(const std::string& pattern) {
    if (!aqhook::is_path_pattern(pattern)) return "path " + quoted(pattern) + ": a path starts with /";
    return std::nullopt;
}

/// The body as JSON, parsed once, and only when a JSON condition asks.
class parsed_body {
  public:
    explicit parsed_body(std::string_view text) : text_(text) {}

    const json::value* get() {
        if (!parsed_) parsed_.emplace(detail::parse_json_text(text_));
        return *parsed_ ? &**parsed_ : nullptr;
    }

  private:
    std::string_view text_;
    std::optional<result<json::value>> parsed_;
};

/// Why one JSON condition fails; nothing when it holds.
std::optional<std::string> json_difference(const request_match::json_condition& condition, parsed_body& body) {
    const std::string what = "JSON " + shown(condition.pointer) + ": ";
    const auto pointer = aqhook::json_pointer::parse(condition.pointer);
    if (!pointer) return what + pointer.error().detail;
    const json::value* document = body.get();
    if (!document) return what + "expected " + quoted(condition.expected) + ", body is not JSON";
    aqhook::json_probe probe;
    const json::value* actual = probe.find(*document, probe.add(*pointer));
    if (!actual) return what + "expected " + quoted(condition.expected) + ", nothing at " + shown(condition.pointer);
    if (*actual == condition.expected) return std::nullopt;
    return what + "expected " + quoted(condition.expected) + ", got " + quoted(*actual);
}

std::string verification_words(const webhook::verification& verification) {
    std::string words(to_string(verification.status()));
    if (verification.error) words += " (" + verification.error.message() + ")";
    return words;
}

std::string entry_line(const journal_entry& entry) {
    return "#" + std::to_string(entry.id) + " " + shown(entry.method) + " " + shown(entry.target);
}

/// What a delivery no rule matched got, and how its signature was judged.
std::string answer_words(const journal_entry& entry) {
    const auto& response = entry.response;
    std::string words = response.status ? "answered " + std::to_string(*response.status)
                        : response.fault ? "no answer (" + std::string(to_string(*response.fault)) + " fault)"
                                         : std::string("no answer");
    return words + ", signature " + verification_words(entry.verification);
}

/// A line for each of the first `limit` items, then "and N `rest`" for the others.
template <class Item, class Line>
std::string first_lines(const std::vector<Item>& items, std::size_t limit, std::string_view rest, Line line) {
    std::string out;
    for (std::size_t i = 0; i < std::min(limit, items.size()); ++i)
        out += "  " + line(items[i]) + "\n";
    if (items.size() > limit) out += "  and " + std::to_string(items.size() - limit) + " " + std::string(rest) + "\n";
    return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

} // namespace

std::string describe(const delivery_count& count) {
    const std::string n = std::to_string(count.n());
    switch (count.kind()) {
    case delivery_count::bound::exactly: return count.n() == 0 ? "never" : "exactly " + n;
    case delivery_count::bound::at_least: return "at least " + n;
    case delivery_count::bound::at_most: break;
    }
    return count.n() == 0 ? "never" : "at most " + n;
}

std::string describe(const request_match& match) {
    std::string head;
    if (match.method()) head = *match.method();
    if (match.path()) head += (head.empty() ? "" : " ") + *match.path();
    std::vector<std::string> conditions;
    for (const auto& h : match.headers())
        conditions.push_back("header " + h.name + " = " + quoted(h.value));
    for (const auto& j : match.json())
        conditions.push_back("JSON " + j.pointer + " = " + quoted(j.expected));
    std::string words = head.empty() ? "any delivery" : head;
    for (std::size_t i = 0; i < conditions.size(); ++i)
        words += (i == 0 ? " with " : ", ") + conditions[i];
    if (match.verification())
        words += match.verification() == verification_status::valid ? std::string(", verified")
                                                                     : ", " + std::string(to_string(*match.verification()));
    return words;
}

std::optional<std::string> match_problem(const request_match& match) {
    if (match.path())
        if (auto problem = path_problem(*match.path())) return problem;
    for (const auto& condition : match.json())
        if (const auto pointer = aqhook::json_pointer::parse(condition.pointer); !pointer)
            return "JSON " + quoted(condition.pointer) + ": " + pointer.error().detail;
    return std::nullopt;
}

std::vector<std::string> differences(const request_match& match, const journal_entry& entry) {
    std::vector<std::string> out;
    if (match.method() && *match.method() != entry.method)
        out.push_back("method: expected " + *match.method() + ", got " + shown(entry.method));
    if (match.path()) {
        if (auto problem = path_problem(*match.path()))
            out.push_back(std::move(*problem));
        else if (!aqhook::glob_match(*match.path(), path_of(entry.target)))
            out.push_back("path: expected " + shown(*match.path()) + ", got " + shown(path_of(entry.target)));
    }
    for (const auto& expected : match.headers()) {
        const auto actual = entry.header(expected.name);
        if (actual == std::string_view(expected.value)) continue;
        out.push_back("header " + shown(expected.name) + ": expected " + quoted(expected.value) + ", got " +
                      (actual ? quoted(*actual) : "none"));
    }
    parsed_body body(entry.body);
    for (const auto& condition : match.json())
        if (auto difference = json_difference(condition, body)) out.push_back(std::move(*difference));
    if (match.verification() && *match.verification() != entry.verification.status())
        out.push_back("verification: expected " + std::string(to_string(*match.verification())) + ", got " +
                      verification_words(entry.verification));
    return out;
}

bool matches(const request_match& match, const journal_entry& entry) { return differences(match, entry).empty(); }

expectation_result check_expectation(const std::vector<journal_entry>& newest_first, delivery_count count,
                                     const request_match& match) {
    std::vector<const journal_entry*> entries;
    entries.reserve(newest_first.size());
    for (const auto& entry : newest_first)
        entries.push_back(&entry);
    return aqhook::judge(entries, count, match);
}

} // namespace allquiet::webhook

namespace aqhook {

std::string matched_line(std::size_t matched, std::size_t received) {
    if (received == 0) return "nothing was received";
    return "matched " + std::to_string(matched) + " of the " +
           aq::plural(received, "delivery received", "deliveries received");
}

aq::expectation_result judge(const std::vector<const aq::journal_entry*>& newest_first, aq::delivery_count count,
                             const aq::request_match& match, std::optional<std::chrono::milliseconds> waited) {
    struct near_miss {
        const aq::journal_entry* entry;
        std::vector<std::string> differences;
    };
    std::vector<const aq::journal_entry*> matching;
    std::vector<near_miss> misses;
    for (const auto* entry : newest_first) {
        auto found = aq::differences(match, *entry);
        if (found.empty())
            matching.push_back(entry);
        else
            misses.push_back({entry, std::move(found)});
    }
    const bool met = count.accepts(matching.size());
    std::string report = "expected " + aq::describe(count) + ": " + aq::describe(match) + "\n" +
                         matched_line(matching.size(), newest_first.size());
    if (waited) report += " after waiting " + std::to_string(waited->count()) + " ms";
    report += "\n";
    if (met) return {true, std::move(report)};

    constexpr std::size_t shown_entries = 3;
    if (matching.size() > count.n()) { // too many: the ones that matched are the news
        report += "the newest that matched:\n";
        for (std::size_t i = 0; i < std::min(shown_entries, matching.size()); ++i)
            report += "  " + aq::entry_line(*matching[i]) + "\n";
        return {false, std::move(report)};
    }
    // stable: among equals, the listing's order (newest first) stays
    std::stable_sort(misses.begin(), misses.end(), [](const near_miss& a, const near_miss& b) {
        return a.differences.size() < b.differences.size();
    });
    if (!misses.empty()) report += "the nearest that did not match:\n";
    for (std::size_t i = 0; i < std::min(shown_entries, misses.size()); ++i) {
        report += "  " + aq::entry_line(*misses[i].entry) + "\n";
        for (const auto& difference : misses[i].differences)
            report += "    " + difference + "\n";
    }
    return {false, std::move(report)};
}

aq::expectation_result strict_verdict(const std::vector<const aq::journal_entry*>& unmatched,
                                      const std::vector<std::string>& unused_rules) {
    if (unmatched.empty() && unused_rules.empty())
        return {true, "every delivery matched a rule, and every rule matched a delivery\n"};
    std::string report;
    constexpr std::size_t shown_items = 10;
    if (!unmatched.empty()) {
        report += aq::plural(unmatched.size(), "delivery", "deliveries") + " that no rule matched:\n";
        report += aq::first_lines(unmatched, shown_items, "older", [](const aq::journal_entry* entry) {
            return aq::entry_line(*entry) + ": " + aq::answer_words(*entry);
        });
    }
    if (!unused_rules.empty()) {
        report += "rules that matched no delivery since the configuration was loaded:\n";
        report += aq::first_lines(unused_rules, shown_items, "more",
                                  [](const std::string& name) { return aq::quoted(name); });
    }
    return {false, std::move(report)};
}

} // namespace aqhook
