// The in-process receiver: the same state, handler and server as `aqhook serve`.
#include "admin_api.hpp"
#include "config_checks.hpp"
#include "expectations_internal.hpp"
#include "receiver_options.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <unordered_map>

namespace aqhook {

namespace {

/// The forward options checked, and what every forward shares.
forward_settings forward_settings_of(aq::mock_receiver_options& options) {
    auto refuse = [](const std::string& problem) {
        throw std::invalid_argument("mock_receiver_options::forward_" + problem);
    };
    if (options.forward_to)
        if (const auto url = aq::parse_http_url(*options.forward_to); !url)
            refuse("to: " + url.error().detail);
    if (options.forward_secret && options.forward_secret->empty())
        refuse("secret: a secret must not be empty");
    if (options.forward_timeout.count() < 1 || options.forward_timeout.count() > max_forward_timeout_ms)
        refuse("timeout: must be from 1 to " + std::to_string(max_forward_timeout_ms) + " ms");
    forward_settings forward;
    forward.secret = std::move(options.forward_secret);
    forward.timeout = options.forward_timeout;
    forward.max_answer_body = options.max_body;
    return forward;
}

} // namespace

receiver_settings settings_of(aq::mock_receiver_options& options) {
    if (options.admin_token)
        if (const auto problem = admin_token_problem(*options.admin_token))
            throw std::invalid_argument("mock_receiver_options::admin_token: " + *problem);
    receiver_settings settings;
    settings.forward = forward_settings_of(options);
    settings.overrides.forward_to = std::move(options.forward_to);
    settings.journal = {options.journal_size, options.journal_max_bytes};
    settings.journal_file = std::move(options.journal_file);
    settings.allowed_sources = std::move(options.allowed_sources);
    settings.trust_forwarded_for = options.trust_forwarded_for;
    settings.overrides.secrets = std::move(options.extra_secrets);
    settings.admin = {std::move(options.admin_hosts), admin_token_for(options.host, options.admin_token),
                      options.host};
    return settings;
}

server_options server_options_of(aq::mock_receiver_options& options) {
    server_options server;
    server.host = options.host;
    server.port = options.port;
    server.max_body = options.max_body;
    server.max_connections = options.max_connections;
    server.read_timeout = options.read_timeout;
    server.fault_hold_limit = options.fault_hold_limit;
    server.log = std::move(options.log);
    return server;
}

} // namespace aqhook

namespace allquiet::webhook {

struct mock_receiver::impl {
    impl(mock_config config, mock_receiver_options options)
        : state(std::move(config), aqhook::settings_of(options)), listener(state, aqhook::server_options_of(options)),
          strict(options.strict), strict_reporter(std::move(options.strict_reporter)) {
        listener.start(options.threads);
    }

    /// The journal, newest first: what every reading of it lists.
    std::vector<aqhook::journal_entry_ptr> listing() const { return state.journal().list(); }

    aqhook::receiver_state state;
    aqhook::server listener;
    bool strict;
    std::function<void(const expectation_result&)> strict_reporter;
};

namespace {

std::vector<const journal_entry*> pointers(const std::vector<aqhook::journal_entry_ptr>& listing) {
    std::vector<const journal_entry*> out;
    out.reserve(listing.size());
    for (const auto& entry : listing)
        out.push_back(entry.get());
    return out;
}

/// A strict receiver's report with no reporter to take it: the test must not pass.
void report_to_stderr_and_abort(const expectation_result& verdict) noexcept {
    std::cerr << "strict mock_receiver: " << verdict << std::flush;
    if (std::uncaught_exceptions() == 0) std::abort(); // when unwinding, the test fails already
}

} // namespace

mock_receiver::mock_receiver(mock_config config, mock_receiver_options options)
    : impl_(std::make_unique<impl>(std::move(config), std::move(options))) {}

mock_receiver::mock_receiver(std::string_view config_json, mock_receiver_options options)
    : mock_receiver(parse_mock_config(config_json).value(), std::move(options)) {}

mock_receiver::~mock_receiver() { finish(); }

mock_receiver::mock_receiver(mock_receiver&& other) noexcept = default;

mock_receiver& mock_receiver::operator=(mock_receiver&& other) noexcept {
    if (this != &other) {
        finish();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

void mock_receiver::finish() noexcept {
    if (!impl_) return; // moved from
    stop(); // deliveries in flight are journaled before the verdict
    if (impl_->strict)
        if (const auto verdict = unmatched(); !verdict) {
            if (impl_->strict_reporter)
                impl_->strict_reporter(verdict);
            else
                report_to_stderr_and_abort(verdict);
        }
    impl_.reset();
}

std::string mock_receiver::url() const { return aqhook::listening_url(impl_->listener.host(), port()); }

std::uint16_t mock_receiver::port() const { return impl_->listener.port(); }

const std::optional<std::string>& mock_receiver::admin_token() const {
    return impl_->state.settings().admin.token;
}

std::optional<input_error> mock_receiver::set_config(std::string_view config_json) {
    return impl_->state.replace_config(config_json);
}

std::optional<input_error> mock_receiver::set_config(const mock_config& config) {
    return impl_->state.replace_config(config);
}

std::vector<journal_entry> mock_receiver::journal() const {
    std::vector<journal_entry> entries;
    for (const auto& entry : impl_->listing())
        entries.push_back(*entry);
    return entries;
}

std::optional<std::vector<journal_entry>> mock_receiver::wait_for(std::size_t count,
                                                                  std::chrono::milliseconds timeout) const {
    if (!impl_->state.journal().wait_for(count, timeout)) return std::nullopt;
    return journal();
}

expectation_result mock_receiver::expect(delivery_count count, const request_match& match,
                                         std::chrono::milliseconds timeout) const {
    if (const auto problem = match_problem(match))
        throw std::invalid_argument("expectation " + describe(match) + ": " + *problem);
    const auto& journal = impl_->state.journal();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unordered_map<std::uint64_t, bool> matched_by_id; // entries never change what was received
    for (;;) {
        const auto next_id = journal.ids().second; // read first: what the listing lacks wakes the wait
        const auto listing = impl_->listing();
        std::size_t matched = 0;
        for (const auto& entry : listing) {
            const auto [known, fresh] = matched_by_id.try_emplace(entry->id);
            if (fresh) known->second = matches(match, *entry);
            matched += known->second ? 1 : 0;
        }
        if (!count.worth_waiting(matched)) return aqhook::judge(pointers(listing), count, match);
        if (!journal.wait_for_id(next_id, deadline))
            return aqhook::judge(pointers(impl_->listing()), count, match, timeout);
    }
}

expectation_result mock_receiver::unmatched() const {
    const auto listing = impl_->listing();
    std::vector<const journal_entry*> unmatched;
    for (const auto& entry : listing)
        if (!entry->rule) unmatched.push_back(entry.get());
    const auto loaded = impl_->state.config();
    std::vector<std::string> unused_rules;
    for (std::size_t i = 0; i < loaded->config->rules.size(); ++i)
        if (loaded->matches_of(i) == 0) unused_rules.push_back(loaded->config->rules[i].name);
    return aqhook::strict_verdict(unmatched, unused_rules);
}

void mock_receiver::clear_journal() { impl_->state.journal().clear(); }

std::optional<std::string> mock_receiver::scenario_state(std::string_view name) const {
    return impl_->state.config()->scenarios->state(name);
}

bool mock_receiver::set_scenario_state(std::string_view name, std::string_view state) {
    if (const auto problem = aqhook::scenario_text_problem(state))
        throw std::invalid_argument("mock_receiver::set_scenario_state: " + *problem);
    return impl_->state.config()->scenarios->set(name, std::string(state));
}

void mock_receiver::reset_scenarios() { impl_->state.config()->scenarios->reset(); }

void mock_receiver::stop() { impl_->listener.stop(); }

} // namespace allquiet::webhook
