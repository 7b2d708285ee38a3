#include "receiver_state.hpp"
#include "journal_file.hpp"

namespace aqhook {

receiver_state::receiver_state(aq::mock_config config, receiver_settings settings)
    : settings_(std::move(settings)), config_(load(std::move(config)).value()), journal_(settings_.journal,
               settings_.journal_file ? std::make_unique<journal_file>(*settings_.journal_file) : nullptr),
      listings_(
          std::make_shared<listing_budget>(listing_budget::journal_multiple * settings_.journal.max_bytes)) {}

scenario_states::scenario_states(const std::vector<rule>& rules) {
    for (const auto& r : rules)
        if (r.scenario) states_.emplace(r.scenario->name, aq::scenario_start);
}

bool scenario_states::take(const aq::scenario_step& step) {
    std::lock_guard lock(mutex_);
    auto& state = states_.at(step.name);
    if (step.when_state && state != *step.when_state) return false;
    if (step.set_state) state = *step.set_state;
    return true;
}

scenario_states::map scenario_states::all() const {
    std::lock_guard lock(mutex_);
    return states_;
}

std::optional<std::string> scenario_states::state(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto found = states_.find(name);
    if (found == states_.end()) return std::nullopt;
    return found->second;
}

bool scenario_states::set(std::string_view name, std::string state) {
    std::lock_guard lock(mutex_);
    const auto found = states_.find(name);
    if (found == states_.end()) return false;
    found->second = std::move(state);
    return true;
}

void scenario_states::reset() {
    std::lock_guard lock(mutex_);
    for (auto& [name, state] : states_)
        state = aq::scenario_start;
}

receiver_state::receiver_state(std::string_view config_json, receiver_settings settings)
    : receiver_state(aq::parse_mock_config(config_json).value(), std::move(settings)) {}

aq::result<std::shared_ptr<const loaded_config>> receiver_state::load(aq::mock_config model) const {
    auto config = compile_receiver_config(std::move(model), settings_.overrides);
    if (!config) return config.error();
    aq::verifier_options options;
    options.secrets = (*config)->secrets;
    options.methods = (*config)->methods;
    options.tolerance = (*config)->tolerance;
    auto rule_matches = std::make_unique<std::atomic<std::uint64_t>[]>((*config)->rules.size());
    return std::make_shared<const loaded_config>(
        loaded_config{*config, aq::verifier(std::move(options)), std::move(rule_matches),
                      std::make_unique<scenario_states>((*config)->rules)});
}

std::optional<aq::input_error> receiver_state::replace_config(std::string_view config_json) {
    auto model = aq::parse_mock_config(config_json);
    if (!model) return model.error();
    return replace_config(std::move(*model));
}

std::optional<aq::input_error> receiver_state::replace_config(aq::mock_config config) {
    auto loaded = load(std::move(config));
    if (!loaded) return loaded.error();
    std::shared_ptr<const loaded_config> old; // freed outside the lock
    std::lock_guard lock(mutex_);
    old = std::exchange(config_, std::move(*loaded));
    return std::nullopt;
}

} // namespace aqhook
