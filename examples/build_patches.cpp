// Building, validating and applying incident patches, the answers a receiver gives.
//
//     build/examples/build_patches INCIDENT.json      (data/sample-incident.json, say)
#include <allquiet/webhook.hpp>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <iterator>

namespace aq = allquiet::webhook;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: build_patches INCIDENT.json\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    const auto incident = aq::parse_incident(text);
    if (!incident) {
        std::cerr << "not an incident: " << incident.error().message() << "\n";
        return 2;
    }

    // [doc:patch_build]
    const aq::patch answer =
        aq::patch()
            .resolve("fixed by the runbook")
            .change_severity(aq::severity::minor)
            .upsert_attribute("Ticket", "OPS-1234")
            .add_attribute("Runbook", "https://runbooks.example.com/ram", {.is_image = false});
    std::cout << "answer: " << boost::json::serialize(aq::to_json(answer)) << "\n";
    // [/doc:patch_build]

    // [doc:patch_apply]
    aq::apply_options options;
    options.clock = [] { return aq::timestamp::parse("2026-11-27T10:00:00Z").value().instant(); };
    const aq::result<aq::incident> after = aq::apply_patch(*incident, answer, options);
    if (!after) {
        std::cerr << "cannot apply: " << after.error().message() << "\n";
        return 1;
    }
    std::cout << "status " << after->current_status()->text() << ", severity "
              << after->current_severity()->text() << ", " << after->events.size() << " events\n";
    for (const auto& attribute : after->attributes)
        std::cout << "  " << attribute.name.value_or("-") << " = " << attribute.value.value_or("-") << "\n";
    // [/doc:patch_apply]

    // [doc:patch_errors]
    // Every check the service makes, before anything is sent: limits, known intents, UUIDs.
    const auto too_long = aq::patch().upsert_attribute(std::string(300, 'n'), "value");
    if (const auto problem = aq::check_patch(too_long))
        std::cout << "refused: " << problem->message() << "\n";

    // A patch read from a response body names the member at fault.
    const auto parsed = aq::parse_patch(R"({"operations": {"appendIntent": {"intent": "Closed"}}})");
    if (!parsed) std::cout << "refused: " << parsed.error().message() << "\n";
    // [/doc:patch_errors]
    return 0;
}
