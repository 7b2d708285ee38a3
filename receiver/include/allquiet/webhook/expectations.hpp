// Expectations on what a mock receiver received: how many deliveries meet a `request_match`, and,
// when the count is wrong, a report that names the nearest deliveries and every way each differs.
//
//     auto met = receiver.expect(aq::exactly(2), aq::request_match().post().path("/hooks/*")
//                                                    .verified().json("/title", "Disk full"));
//     if (!met) std::cerr << met; // what was expected, what matched, the near misses
//
// Framework-agnostic: testing/boost_test.hpp and testing/gtest.hpp turn a result into a check.
// Link with the meson dependency `allquiet-webhook-receiver`.
#pragma once

#include <allquiet/webhook/mock_journal.hpp>
#include <allquiet/webhook/request_match.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// How many matching deliveries an expectation wants.
class delivery_count {
  public:
    enum class bound { exactly, at_least, at_most };

    constexpr delivery_count(bound kind, std::size_t n) noexcept : kind_(kind), n_(n) {}

    constexpr bound kind() const noexcept { return kind_; }
    constexpr std::size_t n() const noexcept { return n_; }

    /// Whether `matched` deliveries meet it.
    constexpr bool accepts(std::size_t matched) const noexcept {
        switch (kind_) {
        case bound::exactly: return matched == n_;
        case bound::at_least: return matched >= n_;
        case bound::at_most: break;
        }
        return matched <= n_;
    }

    /// Whether waiting for more deliveries is worth it: only while fewer than `n` matched, and
    /// never for `at_most`, which more deliveries can only break.
    constexpr bool worth_waiting(std::size_t matched) const noexcept {
        return kind_ != bound::at_most && matched < n_;
    }

    friend constexpr bool operator==(const delivery_count&, const delivery_count&) = default;

  private:
    bound kind_;
    std::size_t n_;
};

constexpr delivery_count exactly(std::size_t n) noexcept { return {delivery_count::bound::exactly, n}; }
constexpr delivery_count at_least(std::size_t n) noexcept { return {delivery_count::bound::at_least, n}; }
constexpr delivery_count at_most(std::size_t n) noexcept { return {delivery_count::bound::at_most, n}; }
constexpr delivery_count never() noexcept { return at_most(0); }

/// "exactly 2", "at least 1", "at most 3", or "never" (at most 0, and exactly 0).
std::string describe(const delivery_count& count);

/// The match in words: `POST /hooks/* with header x-team = "ops", JSON /title = "Disk full",
/// verified`; "any delivery" for an empty one.
std::string describe(const request_match& match);

/// One line for each condition of `match` that `entry` fails, in the match's order (method, path,
/// headers, JSON values, verification), such as `path: expected /hooks/*, got /other` or
/// `JSON /title: expected "Disk full", got "CPU high"`. Values shown are valid UTF-8 (U+FFFD for
/// bytes that are not), cut to 200 bytes at the end of a character. A condition
/// that cannot hold (a JSON pointer without its leading `/`) is a line of its own.
std::vector<std::string> differences(const request_match& match, const journal_entry& entry);

/// Whether `entry` meets every condition of `match`: `differences` is empty.
bool matches(const request_match& match, const journal_entry& entry);

/// What is wrong with a match before any delivery is looked at (a path or JSON pointer that does
/// not start with `/`); empty when nothing is.
std::optional<std::string> match_problem(const request_match& match);

/// The verdict of an expectation, with a report to print whatever it is.
class expectation_result {
  public:
    expectation_result(bool met, std::string report) : met_(met), report_(std::move(report)) {}

    bool met() const noexcept { return met_; }
    explicit operator bool() const noexcept { return met_; }

    /// What was expected and what was found. For a count: the count and the match in words, how
    /// many deliveries matched of how many the journal held (or that nothing was received), and
    /// when it is not met the nearest deliveries that did not match (at most 3: fewest differences
    /// first, newest first among equals), each with its id, method, target and every difference;
    /// or, for `at_most` and `never`, the newest deliveries that matched.
    const std::string& report() const noexcept { return report_; }

    friend std::ostream& operator<<(std::ostream& out, const expectation_result& result) {
        return out << result.report_;
    }

  private:
    bool met_;
    std::string report_;
};

/// Counts the entries (newest first, as `mock_receiver::journal()` lists them) that meet `match`
/// and judges the count. `mock_receiver::expect` does this while it waits.
expectation_result check_expectation(const std::vector<journal_entry>& newest_first, delivery_count count,
                                     const request_match& match);

} // namespace allquiet::webhook
