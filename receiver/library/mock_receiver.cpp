// The in-process receiver: the same state, handler and server as `aqhook serve`.
#include "admin_api.hpp"
#include "receiver_options.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

#include <stdexcept>

namespace aqhook {

receiver_settings settings_of(aq::mock_receiver_options& options) {
    if (options.admin_token)
        if (const auto problem = admin_token_problem(*options.admin_token))
            throw std::invalid_argument("mock_receiver_options::admin_token: " + *problem);
    receiver_settings settings;
    settings.journal = {options.journal_size, options.journal_max_bytes};
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
    impl(std::string_view config_json, mock_receiver_options options)
        : state(config_json, aqhook::settings_of(options)), listener(state, aqhook::server_options_of(options)) {
        listener.start(options.threads);
    }

    aqhook::receiver_state state;
    aqhook::server listener;
};

mock_receiver::mock_receiver(std::string_view config_json, mock_receiver_options options)
    : impl_(std::make_unique<impl>(config_json, std::move(options))) {}

mock_receiver::~mock_receiver() { stop(); }

std::string mock_receiver::url() const { return aqhook::listening_url(impl_->listener.host(), port()); }

std::uint16_t mock_receiver::port() const { return impl_->listener.port(); }

const std::optional<std::string>& mock_receiver::admin_token() const {
    return impl_->state.settings().admin.token;
}

std::optional<input_error> mock_receiver::set_config(std::string_view config_json) {
    return impl_->state.replace_config(config_json);
}

std::vector<journal_entry> mock_receiver::journal() const {
    std::vector<journal_entry> entries;
    for (const auto& entry : impl_->state.journal().list())
        entries.push_back(*entry);
    return entries;
}

std::optional<std::vector<journal_entry>> mock_receiver::wait_for(std::size_t count,
                                                                  std::chrono::milliseconds timeout) const {
    if (!impl_->state.journal().wait_for(count, timeout)) return std::nullopt;
    return journal();
}

void mock_receiver::clear_journal() { impl_->state.journal().clear(); }

void mock_receiver::stop() { impl_->listener.stop(); }

} // namespace allquiet::webhook
