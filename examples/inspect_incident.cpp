// Reads an incident (a file, or standard input) and prints what the SDK makes of it.
//
//     build/examples/inspect_incident [INCIDENT.json]   (data/sample-incident.json, say)
#include <allquiet/webhook.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace aq = allquiet::webhook;

int main(int argc, char** argv) {
    std::string text;
    if (argc > 1) {
        std::ifstream in(argv[1], std::ios::binary);
        if (!in) {
            std::cerr << "cannot open " << argv[1] << "\n";
            return 2;
        }
        text.assign(std::istreambuf_iterator<char>(in), {});
    } else {
        text.assign(std::istreambuf_iterator<char>(std::cin), {});
    }

    auto parsed = aq::parse_incident(text);
    if (!parsed) {
        std::cerr << "not an incident: " << parsed.error().message() << "\n";
        return 2;
    }
    const aq::incident& incident = *parsed;
    auto or_dash = [](const std::optional<std::string>& s) { return s ? *s : std::string("-"); };

    std::cout << "incident " << or_dash(incident.id) << ": " << or_dash(incident.title) << "\n";
    std::cout << "  status    " << (incident.current_status() ? incident.current_status()->text() : "-")
              << "\n";
    std::cout << "  severity  " << (incident.current_severity() ? incident.current_severity()->text() : "-")
              << "\n";
    if (const aq::event* trigger = incident.triggering_event()) {
        const auto& m = trigger->modification;
        std::cout << "  last event " << (m.intent ? m.intent->text() : "-") << " at "
                  << (m.timestamp ? m.timestamp->text() : "-") << "\n";
    }
    std::cout << "  attributes\n";
    for (const auto& a : incident.attributes)
        std::cout << "    " << or_dash(a.name) << " = " << or_dash(a.value) << "\n";

    // What a receiver answering "resolve on receipt" would do to it.
    aq::apply_options options;
    options.enforce_allowed_intents = false;
    auto resolved = aq::apply_patch(incident, aq::patch().resolve("resolved on receipt"), options);
    std::cout << "  after a resolve patch: " << resolved->current_status()->text() << ", "
              << resolved->events.size() << " events\n";
}
