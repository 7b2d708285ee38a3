// The forwarding modes of an outbound integration (seed page, "Forwarding settings"): which
// events of an incident's history All Quiet delivers.
#pragma once

#include <allquiet/webhook/incident.hpp>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// Which events an outbound integration delivers.
enum class forwarding_mode {
    always,                  ///< "Always": every event
    always_after_forwarding, ///< "Always After Forwarding": the first `Forwarded` event and every one after
    only_on_forwarding,      ///< "Only On Forwarding": each `Forwarded` event, one snapshot each
};

/// `always`, `always-after-forwarding`, `only-on-forwarding`.
constexpr std::string_view to_string(forwarding_mode mode) noexcept {
    switch (mode) {
    case forwarding_mode::always: return "always";
    case forwarding_mode::always_after_forwarding: return "always-after-forwarding";
    case forwarding_mode::only_on_forwarding: return "only-on-forwarding";
    }
    return "always";
}

constexpr std::optional<forwarding_mode> forwarding_mode_from_string(std::string_view text) noexcept {
    for (auto mode : {forwarding_mode::always, forwarding_mode::always_after_forwarding,
                      forwarding_mode::only_on_forwarding})
        if (to_string(mode) == text) return mode;
    return std::nullopt;
}

/// The public API stores the mode as two flags. The SDK's reading (All Quiet documents only the
/// flags' names): Always = (false, false), Always After Forwarding = (true, false), Only On
/// Forwarding = (true, true).
struct forwarding_flags {
    bool triggers_only_on_forwarded = false;
    bool skip_updating_after_forwarding = false;
};

constexpr forwarding_flags to_flags(forwarding_mode mode) noexcept {
    return {mode != forwarding_mode::always, mode == forwarding_mode::only_on_forwarding};
}

constexpr forwarding_mode from_flags(forwarding_flags flags) noexcept {
    if (!flags.triggers_only_on_forwarded) return forwarding_mode::always;
    return flags.skip_updating_after_forwarding ? forwarding_mode::only_on_forwarding
                                                : forwarding_mode::always_after_forwarding;
}

/// The incident's events in the order they happened: by `modification.timestamp`, events
/// without one first, equal times in reverse list order (live data lists newest first).
inline std::vector<std::size_t> chronological_events(const incident& value) {
    std::vector<std::size_t> order(value.events.size());
    std::iota(order.rbegin(), order.rend(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& ta = value.events[a].modification.timestamp;
        const auto& tb = value.events[b].modification.timestamp;
        if (!ta || !tb) return !ta && tb;
        return *ta < *tb;
    });
    return order;
}

/// The events (indices into `events`, oldest first) that the mode delivers.
inline std::vector<std::size_t> delivered_events(forwarding_mode mode, const incident& value) {
    std::vector<std::size_t> out;
    bool forwarded = false;
    for (const std::size_t i : chronological_events(value)) {
        const auto& intent = value.events[i].modification.intent;
        const bool is_forwarding = intent && *intent == webhook::intent::forwarded;
        forwarded = forwarded || is_forwarding;
        if (mode == forwarding_mode::always ||
            (mode == forwarding_mode::always_after_forwarding && forwarded) ||
            (mode == forwarding_mode::only_on_forwarding && is_forwarding))
            out.push_back(i);
    }
    return out;
}

/// The incident as it stood right after event `event_index`: the events that happened after it
/// removed, `eventsTotalCount` and `lastUpdatedAt` set to match. Other members (attributes,
/// teams) are as now, since the history does not say how they were.
inline incident incident_as_of(const incident& value, std::size_t event_index) {
    incident out = value;
    const auto order = chronological_events(value);
    const auto position = std::find(order.begin(), order.end(), event_index);
    std::vector<bool> keep(value.events.size(), false);
    for (auto it = order.begin(); it != order.end() && it <= position; ++it)
        keep[*it] = true;
    out.events.clear();
    for (std::size_t i = 0; i < value.events.size(); ++i)
        if (keep[i]) out.events.push_back(value.events[i]);
    out.events_total_count = static_cast<std::int64_t>(out.events.size());
    if (event_index < value.events.size() && value.events[event_index].modification.timestamp)
        out.last_updated_at = value.events[event_index].modification.timestamp;
    return out;
}

} // namespace allquiet::webhook
