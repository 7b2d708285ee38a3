// aqhook render: a request template against an incident, as All Quiet's "HTTP Request" pane.
#include "commands.hpp"
#include "inputs.hpp"

#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/serialize.hpp>

#include <iostream>
#include <memory>

namespace aq = allquiet::webhook;

namespace aqhook {

namespace {

struct render_options {
    std::string template_path;
    std::optional<std::string> incident_path;
    std::string show = "request";
    bool strict = false;
};

int render(const render_options& given) {
    const auto request_template = load_template(given.template_path);
    const auto context = aq::template_context(load_incident(given.incident_path).document);
    aq::render_options options;
    options.strict = given.strict;
    if (given.show == "text") {
        auto text = request_template.render(context, options);
        if (!text) throw usage_error("rendering: " + text.error().message());
        std::cout << *text;
        return exit_ok;
    }
    auto description = aq::render_request(request_template, context, options);
    if (!description) throw usage_error("rendering: " + description.error().message());
    if (given.show == "http") {
        auto request = aq::build_http_request(*description);
        if (!request) throw usage_error(request.error().message());
        std::cout << aq::http_request_text(*request, "\n") << "\n";
        return exit_ok;
    }
    std::cout << boost::json::serialize(aq::to_json(*description)) << "\n";
    return exit_ok;
}

} // namespace

command_runner add_render_command(CLI::App& program) {
    auto& command =
        add_command(program, "render", "render a request template against an incident",
                    "Renders a request template (Handlebars) against an incident and prints the request\n"
                    "description All Quiet would send. Without --incident the built-in sample is used.");
    auto options = std::make_shared<render_options>();
    add_template_option(command, options->template_path);
    command.add_option("--incident", options->incident_path, "the incident, as the public API returns it")
        ->type_name("FILE");
    command
        .add_option("--show", options->show,
                    "request: the description as JSON; text: the rendered text as is; http: the HTTP request")
        ->check(CLI::IsMember({"request", "text", "http"}))
        ->type_name("request|text|http")
        ->capture_default_str();
    command.add_flag("--strict", options->strict, "report missing values instead of rendering nothing");
    return [options] { return render(*options); };
}

} // namespace aqhook
