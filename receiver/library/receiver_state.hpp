// What every connection of a receiver shares: its settings, the current configuration, and the
// journal.
#pragma once

#include "journal.hpp"
#include "listing_budget.hpp"
#include "receiver_config.hpp"

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/signature.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

/// The state of each scenario that a configuration's rules name, from `aq::scenario_start`. Each
/// call takes one lock; a delivery takes it only when the rule it meets is in a scenario.
class scenario_states {
  public:
    using map = std::map<std::string, std::string, std::less<>>; ///< scenario -> state

    explicit scenario_states(const std::vector<rule>& rules);

    /// Whether a rule in `step`'s scenario, whose conditions hold, answers: its scenario is in
    /// `when_state` (when given); then the scenario moves to `set_state` (when given). The check
    /// and the move are one step, so of deliveries racing for one transition, one takes it.
    bool take(const aq::scenario_step& step);

    map all() const;
    /// Empty for a scenario the configuration does not name.
    std::optional<std::string> state(std::string_view name) const;
    /// Moves a scenario to `state`; false for a scenario the configuration does not name.
    bool set(std::string_view name, std::string state);
    /// Every scenario back to `aq::scenario_start`.
    void reset();

  private:
    mutable std::mutex mutex_;
    map states_;
};

/// A configuration with its verifier and its scenarios' states, built once per load and shared by
/// every request: a new configuration starts its scenarios over, as it does its sequences.
struct loaded_config {
    std::shared_ptr<const receiver_config> config;
    aq::verifier verifier;
    /// How many deliveries each rule (by position) has matched since this configuration was
    /// loaded: a replacement starts from zero.
    std::unique_ptr<std::atomic<std::uint64_t>[]> rule_matches;
    std::unique_ptr<scenario_states> scenarios; ///< each scenario's state, which deliveries move

    void count_match(std::size_t rule) const { rule_matches[rule].fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t matches_of(std::size_t rule) const { return rule_matches[rule].load(std::memory_order_relaxed); }
};

/// Who may use the admin surface (`/_aqhook/*`; docs/security.md, "The admin surface").
struct admin_access {
    /// Host names admin requests may name besides IP addresses and `localhost`.
    std::vector<std::string> hosts;
    /// When set, every admin request but `GET /_aqhook/health` needs `Authorization: Bearer TOKEN`.
    std::optional<std::string> token;
    /// The address the server listens on; IP literals in `Host` must name it, unless it is the
    /// unspecified address (0.0.0.0 or ::), which takes any.
    std::string listen_address = "127.0.0.1";
};

/// What every forward shares (relay.hpp): the options that start with `forward_`, and the body limit.
struct forward_settings {
    /// Each forwarded delivery is signed again with it; without it, signature headers go through unchanged.
    std::optional<std::string> secret;
    /// How long a target has to answer, unless the forwarding response gives its own `timeout`.
    std::chrono::milliseconds timeout = aq::mock_receiver_options{}.forward_timeout;
    /// The longest answer body a target may give (the request body limit, `--max-body`).
    std::size_t max_answer_body = aq::mock_receiver_options{}.max_body;
    /// Takes a line when a forwarded delivery arrives and one when its answer comes (`aqhook
    /// serve`'s standard output); called from the I/O threads. None in-process.
    std::function<void(std::string)> report;
};

/// What stays the same while the receiver runs, whatever the configuration.
struct receiver_settings {
    journal_limits journal;
    /// Where the journal is kept besides memory (journal_file.hpp); memory alone when empty.
    std::optional<std::string> journal_file;
    std::optional<aq::address_list> allowed_sources;
    bool trust_forwarded_for = false;
    config_overrides overrides;
    admin_access admin;
    forward_settings forward;
};

class receiver_state {
  public:
    /// Throws `aq::input_exception` when the initial configuration is invalid.
    receiver_state(aq::mock_config config, receiver_settings settings);
    /// The same from a configuration document.
    receiver_state(std::string_view config_json, receiver_settings settings);

    std::shared_ptr<const loaded_config> config() const {
        std::lock_guard lock(mutex_);
        return config_;
    }

    /// Replaces the configuration; on error the old one stays and the error is returned. The new
    /// one is built before the lock is taken: deliveries never wait for a load.
    std::optional<aq::input_error> replace_config(std::string_view config_json);
    std::optional<aq::input_error> replace_config(aq::mock_config config);

    const receiver_settings& settings() const { return settings_; }
    aqhook::journal& journal() { return journal_; }
    const aqhook::journal& journal() const { return journal_; }
    /// Shared with the listings that hold part of it, which may outlive the state.
    const std::shared_ptr<listing_budget>& listings() const { return listings_; }

  private:
    aq::result<std::shared_ptr<const loaded_config>> load(aq::mock_config config) const;

    const receiver_settings settings_;
    mutable std::mutex mutex_;
    std::shared_ptr<const loaded_config> config_;
    aqhook::journal journal_;
    std::shared_ptr<listing_budget> listings_;
};

} // namespace aqhook
