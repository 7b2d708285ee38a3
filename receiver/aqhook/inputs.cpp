#include "inputs.hpp"
#include "sample_incident.hpp"

#include <allquiet/webhook/incident.hpp>

namespace aq = allquiet::webhook;

namespace aqhook {

loaded_incident load_incident(const std::optional<std::string>& path) {
    const std::string text =
        path ? read_file_or_stdin(*path, "--incident") : std::string(sample_incident_json);
    auto fail = [&](const aq::input_error& e) {
        return usage_error((path ? "--incident: " + *path : "sample incident") + ": " + e.message());
    };
    auto document = aq::parse_json(text);
    if (!document) throw fail(document.error());
    auto incident = aq::incident_from_json(*document);
    if (!incident) throw fail(incident.error());
    return {std::move(*document), std::move(*incident)};
}

aq::handlebars_template load_template(const std::string& path) {
    auto compiled = aq::handlebars_template::compile(read_file_or_stdin(path, "--template"));
    if (!compiled) throw usage_error("--template: " + path + ": " + compiled.error().message());
    return std::move(*compiled);
}

void add_template_option(CLI::App& command, std::string& path) {
    command.add_option("--template", path, "the request template ('-' for standard input)")
        ->type_name("FILE")
        ->required();
}

} // namespace aqhook
