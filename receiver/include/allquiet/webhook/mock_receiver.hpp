// The mock receiver inside a test process: start it on a free port, point a sender at url(),
// read what it received, and let it stop when it goes out of scope.
//
//     aq::mock_receiver receiver(aq::mock_config().secret("dev-secret").otherwise(
//         aq::mock_response().patch(aq::patch().resolve())));
//     send_deliveries_to(receiver.url() + "/hooks/aq");
//     auto entries = receiver.wait_for(2, std::chrono::seconds(5)).value();
//     auto met = receiver.expect(aq::exactly(2), aq::request_match().post().path("/hooks/*"));
//     if (!met) std::cerr << met; // the report: what matched, and the nearest that did not
//
// Link with the meson dependency `allquiet-webhook-receiver`.
#pragma once

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/mock_journal.hpp>
#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/expectations.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/mock_rules.hpp>
#include <allquiet/webhook/signing_method.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// Where and how the receiver runs.
struct mock_receiver_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; ///< 0: a free port
    std::size_t journal_size = 1000;
    /// The journal's memory budget: past it the oldest entries are dropped (the newest stays).
    std::size_t journal_max_bytes = 64 << 20;
    /// An SQLite file that keeps the journal across restarts and crashes (`aqhook serve
    /// --journal-file`): its entries are read at start and ids go on after them, and each
    /// answer waits until its entry is committed. Created (mode 0600) when absent. The
    /// constructor throws `std::runtime_error`, leaving the file as it was, for a file that is
    /// not a journal, a journal of a newer format, or one that another receiver holds.
    std::optional<std::string> journal_file;
    std::size_t max_body = 1 << 20;
    std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
    unsigned threads = 2;
    /// Connections open at once; past it new ones wait in the listen queue until one closes. With
    /// `max_body`, it bounds the memory that partial requests can hold.
    std::size_t max_connections = 1024;
    std::optional<address_list> allowed_sources; ///< other peers get 403
    bool trust_forwarded_for = false;
    /// Secrets added to every configuration, as `aqhook serve --secret` does.
    std::vector<std::string> extra_secrets;
    /// How long a `timeout` fault holds a connection when the client never gives up.
    std::chrono::milliseconds fault_hold_limit = std::chrono::minutes(5);
    /// Forwards each delivery that the configuration's default answers to this http or https URL
    /// (the `otherwise` of a configuration that gives none; a rule's own `forward_to` wins) and
    /// answers with the target's answer. The delivery goes to the URL's path as given.
    std::optional<std::string> forward_to;
    /// Each forwarded delivery is signed again with this secret (a fresh timestamp, the method it
    /// came signed with); without it, its signature headers go through unchanged.
    std::optional<std::string> forward_secret;
    /// How long a forward target has to answer (1 ms to 10 minutes), unless the forwarding
    /// response gives its own `timeout`; past it, the delivery gets 504.
    std::chrono::milliseconds forward_timeout = std::chrono::seconds(30);
    /// Host names that admin requests may name besides IP addresses and `localhost`.
    std::vector<std::string> admin_hosts;
    /// When set, every admin request but `GET /_aqhook/health` needs `Authorization: Bearer`
    /// with it. Without it, a receiver on an address other than loopback makes a random one
    /// (`admin_token()`).
    std::optional<std::string> admin_token;
    /// Receives one JSON log line per request, from a thread of its own; none by default.
    std::function<void(std::string_view)> log;
    /// Strict mode: at destruction, `unmatched()` must be met (every delivery matched a rule, and
    /// every rule of the configuration in force matched a delivery), or it is reported.
    bool strict = false;
    /// Where a strict receiver reports an unmet `unmatched()`, from its destructor (so it must not
    /// throw); testing/boost_test.hpp and testing/gtest.hpp make one that fails the test. Without
    /// one, the report goes to stderr and the process aborts, unless an exception is already
    /// unwinding the stack.
    std::function<void(const expectation_result&)> strict_reporter;
};

/// The receiver of `aqhook serve`, running on background threads of this process.
class mock_receiver {
  public:
    /// Starts with a configuration (mock_rules.hpp); without one, every delivery gets 200.
    /// Throws `input_exception` for a bad configuration (naming the rule), `std::invalid_argument`
    /// for an `admin_token` that no request could send (shorter than 16 characters, or with spaces,
    /// control characters or bytes outside ASCII), a `forward_to` that is no http or https URL, an
    /// empty `forward_secret` or a `forward_timeout` out of range, and
    /// `boost::system::system_error` when it cannot listen.
    explicit mock_receiver(mock_config config = {}, mock_receiver_options options = {});

    /// Starts with a configuration document (the format of `aqhook serve --config`); throws as
    /// above.
    explicit mock_receiver(std::string_view config_json, mock_receiver_options options = {});

    /// Stops, letting requests in flight finish; then, when strict, reports an unmet `unmatched()`.
    ~mock_receiver();

    /// A moved-from receiver may only be destroyed or assigned to: it does nothing when destroyed.
    mock_receiver(mock_receiver&& other) noexcept;
    /// Finishes this receiver as the destructor does, then takes `other`'s.
    mock_receiver& operator=(mock_receiver&& other) noexcept;
    mock_receiver(const mock_receiver&) = delete;
    mock_receiver& operator=(const mock_receiver&) = delete;

    /// `http://127.0.0.1:PORT`, no trailing slash.
    std::string url() const;
    std::uint16_t port() const;

    /// The token the admin API needs, if it needs one.
    const std::optional<std::string>& admin_token() const;

    /// Replaces the configuration; on error keeps the old one and returns why.
    std::optional<input_error> set_config(const mock_config& config);
    /// The same with a configuration document.
    std::optional<input_error> set_config(std::string_view config_json);

    /// The journal, newest first.
    std::vector<journal_entry> journal() const;

    /// Waits until the journal holds `count` entries and returns it (newest first), or returns
    /// nothing when `timeout` passes first.
    std::optional<std::vector<journal_entry>> wait_for(std::size_t count,
                                                       std::chrono::milliseconds timeout) const;

    /// Counts the deliveries in the journal that meet `match` and judges the count, waiting for
    /// deliveries up to `timeout` without sleeping: `at_least(n)` and `exactly(n)` return as soon
    /// as `n` match (so `exactly` cannot see a delivery that comes later), `at_most` and `never`
    /// judge at once. Counts what the journal holds (the newest `journal_size` entries, within
    /// `journal_max_bytes`). Throws `std::invalid_argument` for a match that cannot hold
    /// (`match_problem`).
    expectation_result expect(delivery_count count, const request_match& match,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

    /// Strict mode's verdict, now: met when every delivery in the journal matched a rule (none was
    /// answered by the default, or refused for its signature) and every rule of the configuration
    /// in force matched a delivery since it was loaded. Its report names the 10 newest such
    /// deliveries and the first 10 such rules, and counts the others.
    expectation_result unmatched() const;

    /// Empties the journal.
    void clear_journal();

    /// The state of a scenario that the configuration's rules name; empty for any other name.
    std::optional<std::string> scenario_state(std::string_view name) const;

    /// Moves a scenario to `state`; false when the configuration names no such scenario. Throws
    /// `std::invalid_argument` for a state that is empty, longer than 256 bytes or not UTF-8.
    bool set_scenario_state(std::string_view name, std::string_view state);

    /// Every scenario back to "Started" (`scenario_start`), as a new configuration starts them.
    void reset_scenarios();

    /// Stops accepting, answers pending waits 503 and lets requests in flight finish, 10 s at most;
    /// returns when they have (the destructor does it too).
    void stop();

  private:
    struct impl;
    /// Stops and reports as the destructor does; leaves the receiver moved-from.
    void finish() noexcept;

    std::unique_ptr<impl> impl_;
};

} // namespace allquiet::webhook
