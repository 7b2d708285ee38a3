#include "receiver_state.hpp"

namespace aqhook {

receiver_state::receiver_state(std::string_view config_json, receiver_settings settings)
    : settings_(std::move(settings)), config_(load(config_json).value()), journal_(settings_.journal),
      listings_(
          std::make_shared<listing_budget>(listing_budget::journal_multiple * settings_.journal.max_bytes)) {}

aq::result<std::shared_ptr<const loaded_config>> receiver_state::load(std::string_view config_json) const {
    auto config = parse_receiver_config(config_json, settings_.overrides);
    if (!config) return config.error();
    aq::verifier_options options;
    options.secrets = (*config)->secrets;
    options.methods = (*config)->methods;
    options.tolerance = (*config)->tolerance;
    auto rule_matches = std::make_unique<std::atomic<std::uint64_t>[]>((*config)->rules.size());
    return std::make_shared<const loaded_config>(
        loaded_config{*config, aq::verifier(std::move(options)), std::move(rule_matches)});
}

std::optional<aq::input_error> receiver_state::replace_config(std::string_view config_json) {
    auto loaded = load(config_json);
    if (!loaded) return loaded.error();
    std::shared_ptr<const loaded_config> old; // freed outside the lock
    std::lock_guard lock(mutex_);
    old = std::exchange(config_, std::move(*loaded));
    return std::nullopt;
}

} // namespace aqhook
