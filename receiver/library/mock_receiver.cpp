// The in-process receiver: the same state, handler and server as `aqhook serve`.
#include "server.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

namespace allquiet::webhook {

struct mock_receiver::impl {
    impl(std::string_view config_json, mock_receiver_options options)
        : state(config_json, aqhook::receiver_settings{options.journal_size,
                                                       std::move(options.allowed_sources),
                                                       options.trust_forwarded_for,
                                                       {std::move(options.extra_secrets), {}, {}, {}}}),
          listener(state, aqhook::server_options{options.host, options.port, options.max_body, 8 * 1024,
                                                 options.read_timeout, std::chrono::minutes(5),
                                                 std::move(options.log)}) {
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

std::optional<input_error> mock_receiver::set_config(std::string_view config_json) {
    return impl_->state.replace_config(config_json);
}

std::vector<journal_entry> mock_receiver::journal() const { return impl_->state.journal().snapshot(); }

std::optional<std::vector<journal_entry>> mock_receiver::wait_for(std::size_t count,
                                                                  std::chrono::milliseconds timeout) const {
    if (!impl_->state.journal().wait_for(count, timeout)) return std::nullopt;
    return journal();
}

void mock_receiver::clear_journal() { impl_->state.journal().clear(); }

void mock_receiver::stop() { impl_->listener.stop(); }

} // namespace allquiet::webhook
