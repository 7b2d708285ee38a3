// The verdict of an expectation over entries the journal holds, shared by `check_expectation` and
// `mock_receiver::expect`, which judge without copying the entries.
#pragma once

#include <allquiet/webhook/expectations.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;

/// Counts the entries (newest first) that meet `match` and writes the report; `waited` is said in
/// it when the verdict came at a deadline.
aq::expectation_result judge(const std::vector<const aq::journal_entry*>& newest_first, aq::delivery_count count,
                             const aq::request_match& match,
                             std::optional<std::chrono::milliseconds> waited = std::nullopt);

/// Strict mode's verdict: met when no delivery fell to the default (or to the signature check)
/// and every rule matched one. `unmatched` is newest first; `unused_rules` names the rules.
aq::expectation_result strict_verdict(const std::vector<const aq::journal_entry*>& unmatched,
                                      const std::vector<std::string>& unused_rules);

} // namespace aqhook
