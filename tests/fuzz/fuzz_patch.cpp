// Patches: what parses passes its own check and applies to an incident.
#include <allquiet/webhook/patch.hpp>

#include <cstdint>
#include <cstdlib>

namespace aq = allquiet::webhook;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const aq::incident incident =
        aq::parse_incident(R"({"id": "i", "attributes": [{"name": "A", "value": "1"}],
        "events": [{"status": "Open", "severity": "Warning", "modification": {"timestamp": "2026-01-01T00:00:00Z"}}]})")
            .value();
    const auto patch = aq::parse_patch(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!patch) return 0;
    if (aq::check_patch(*patch)) std::abort();
    aq::apply_options options;
    options.enforce_allowed_intents = false;
    options.clock = [] { return aq::time_point{}; };
    if (!aq::apply_patch(incident, *patch, options)) std::abort();
    return 0;
}
