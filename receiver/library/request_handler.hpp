// The pure request handler: one parsed HTTP request in, what to answer out. No I/O, so every
// rule of the receiver is testable without a socket.
#pragma once

#include "journal.hpp"
#include "receiver_config.hpp"

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/mock_receiver.hpp>
#include <allquiet/webhook/signature.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace aqhook {

/// Where every path of the admin API starts; any other path is a delivery.
inline constexpr std::string_view admin_prefix = "/_aqhook/";

/// A configuration with its verifier, built once per load and shared by every request.
struct loaded_config {
    std::shared_ptr<const receiver_config> config;
    aq::verifier verifier;
};

/// What stays the same while the receiver runs, whatever the configuration.
struct receiver_settings {
    std::size_t journal_size = 1000;
    std::optional<aq::address_list> allowed_sources;
    bool trust_forwarded_for = false;
    config_overrides overrides;
};

/// The configuration as one connection last read it.
struct config_view {
    std::shared_ptr<const loaded_config> config;
    std::uint64_t generation = 0; ///< of `config`; 0: not read yet
};

/// What a connection keeps from one delivery to the next, so that a delivery in steady state
/// neither allocates nor writes to memory that the other I/O threads use.
struct connection_memory {
    config_view config;
    /// The entry the journal dropped last (see `journal::append`); the next delivery is written
    /// into it.
    std::unique_ptr<aq::journal_entry> entry = std::make_unique<aq::journal_entry>();
};

/// The state shared by all connections: the current configuration and the journal.
class receiver_state {
  public:
    /// Throws `aq::input_exception` when the initial configuration is invalid.
    receiver_state(std::string_view config_json, receiver_settings settings);

    std::shared_ptr<const loaded_config> config() const {
        std::lock_guard lock(mutex_);
        return config_;
    }

    /// The current configuration, through a connection's view of it: the lock and the shared
    /// count are touched only when the configuration was replaced since the view last read it.
    const loaded_config& config(config_view& view) const {
        if (generation_.load(std::memory_order_acquire) != view.generation) {
            std::lock_guard lock(mutex_);
            view.config = config_;
            view.generation = generation_.load(std::memory_order_relaxed);
        }
        return *view.config;
    }

    /// Replaces the configuration; on error the old one stays and the error is returned.
    std::optional<aq::input_error> replace_config(std::string_view config_json);

    const receiver_settings& settings() const { return settings_; }
    aqhook::journal& journal() { return journal_; }
    const aqhook::journal& journal() const { return journal_; }

  private:
    aq::result<std::shared_ptr<const loaded_config>> load(std::string_view config_json) const;

    const receiver_settings settings_;
    mutable std::mutex mutex_;
    std::shared_ptr<const loaded_config> config_;
    std::atomic<std::uint64_t> generation_{1}; // of config_, counted up under the lock
    aqhook::journal journal_;
};

/// The session waits for the journal to hold `count` entries, then answers with it (or 408).
struct wait_instruction {
    std::size_t count;
    std::chrono::milliseconds timeout;
};

struct handler_result {
    /// Shared: a rule's fixed answer is built once, at load.
    std::shared_ptr<const http_response> reply;
    std::chrono::milliseconds delay{0};
    fault fault_kind = fault::none;
    std::optional<wait_instruction> wait;
    /// For the log line: "valid", "invalid", "unsigned", or "admin".
    std::string verification = "admin";
};

/// Handles one request against the shared state (appending deliveries to the journal). A
/// delivery's body moves into its journal entry, so the journal copies no body; the rest of the
/// request is left as it was.
handler_result handle_request(receiver_state& state, http_request& request, std::string_view peer_address);

/// The same for a connection that keeps `memory` between its deliveries: the configuration is
/// read through its view, and the journal entry is written into its entry, whose strings are
/// reused; afterwards that holds the entry the journal dropped, if any. So a full journal takes
/// deliveries without allocating for them, and without one thread freeing what another
/// allocated.
handler_result handle_request(receiver_state& state, http_request& request, std::string_view peer_address,
                              connection_memory& memory);

/// The answer to a finished wait: 200 with the journal, or 408.
std::shared_ptr<const http_response> wait_reply(const receiver_state& state, bool reached, unsigned version,
                                                bool keep_alive);

/// A JSON answer with the usual headers.
std::shared_ptr<const http_response> json_reply(unsigned status, const boost::json::value& body,
                                                unsigned version, bool keep_alive);

} // namespace aqhook
