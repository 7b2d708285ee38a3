// aqhook render: a request template against an incident, as All Quiet's "HTTP Request" pane.
#include "commands.hpp"
#include "sample_incident.hpp"

#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/serialize.hpp>

#include <iostream>

namespace aq = allquiet::webhook;

namespace aqhook {

aq::incident load_incident(const std::optional<std::string>& path) {
    const std::string text = path ? read_file_or_stdin(*path) : std::string(sample_incident_json);
    auto incident = aq::parse_incident(text);
    if (!incident) throw usage_error((path ? *path : "sample incident") + ": " + incident.error().message());
    return std::move(*incident);
}

aq::handlebars_template load_template(const std::string& path) {
    auto compiled = aq::handlebars_template::compile(read_file_or_stdin(path));
    if (!compiled) throw usage_error(path + ": " + compiled.error().message());
    return std::move(*compiled);
}

std::string http_text(const aq::http_request& request) {
    std::string out = request.method + " " + request.url.target + " HTTP/1.1\n";
    for (const auto& h : request.headers)
        out += h.name + ": " + h.value + "\n";
    return out + "\n" + request.body;
}

int render_command(const arguments& args) {
    command_line cli("render",
                     "Renders a request template (Handlebars) against an incident and prints the request\n"
                     "description All Quiet would send. Without --incident the built-in sample is used.");
    cli.option("template", "FILE", "the request template ('-' for standard input)")
        .option("incident", "FILE", "the incident, as the public API returns it")
        .option("show", "request|text|http",
                "request: the description as JSON (default); text: the rendered text as is; http: the HTTP "
                "request")
        .flag("strict", "report missing values instead of rendering nothing");
    if (!cli.parse(args)) return exit_ok;

    const auto show = cli.get("show").value_or("request");
    if (show != "request" && show != "text" && show != "http")
        throw usage_error("--show must be request, text or http");
    const auto request_template = load_template(cli.require("template"));
    const auto context = aq::template_context(load_incident(cli.get("incident")));
    aq::render_options options;
    options.strict = cli.has("strict");

    if (show == "text") {
        auto text = request_template.render(context, options);
        if (!text) throw usage_error("rendering: " + text.error().message());
        std::cout << *text;
        return exit_ok;
    }
    auto description = aq::render_request(request_template, context, options);
    if (!description) throw usage_error("rendering: " + description.error().message());
    if (show == "http") {
        auto request = aq::build_http_request(*description);
        if (!request) throw usage_error(request.error().message());
        std::cout << http_text(*request) << "\n";
        return exit_ok;
    }
    std::cout << boost::json::serialize(aq::to_json(*description)) << "\n";
    return exit_ok;
}

} // namespace aqhook
