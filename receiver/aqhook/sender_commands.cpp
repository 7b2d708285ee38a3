// aqhook send, replay and apply: All Quiet's side of a delivery, to test any receiver locally.
#include "commands.hpp"

#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/forwarding.hpp>
#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>

namespace aq = allquiet::webhook;

namespace aqhook {

namespace {

void add_delivery_options(command_line& cli) {
    cli.option("url", "URL", "send here instead of the template's url")
        .option("signing-method", "allquiet|aws", "sign with this method (needs --secret)");
    add_secret_options(cli);
    cli.option("timeout", "SECONDS", "for the whole exchange (default 30)")
        .option("ca-file", "FILE", "also trust the certificate authorities in this PEM file")
        .flag("insecure", "do not check the server's certificate");
}

aq::delivery_options delivery_options_of(const command_line& cli) {
    aq::delivery_options options;
    const auto secrets = collect_secrets(cli);
    if (const auto method = cli.get("signing-method")) {
        options.signing_method = aq::signing_method_from_string(*method);
        if (!options.signing_method) throw usage_error("--signing-method must be allquiet or aws");
        if (secrets.size() != 1) throw usage_error("signing needs exactly one --secret or --secret-file");
        options.secret = secrets.front();
    } else if (!secrets.empty()) {
        throw usage_error("--secret needs --signing-method");
    }
    options.timeout = std::chrono::seconds(cli.number("timeout", 30, 1, 3600));
    options.ca_file = cli.get("ca-file");
    options.verify_certificates = !cli.has("insecure");
    return options;
}

aq::request_description render_for(const aq::handlebars_template& request_template,
                                   const aq::incident& incident, const command_line& cli) {
    auto description = aq::render_request(request_template, incident);
    if (!description) throw usage_error("rendering: " + description.error().message());
    if (const auto url = cli.get("url")) {
        if (!aq::parse_http_url(*url))
            throw usage_error("--url: " + aq::parse_http_url(*url).error().message());
        description->url = *url;
    }
    return std::move(*description);
}

std::string status_line(const aq::delivery& sent) {
    const auto us = sent.duration.count();
    const auto ms = std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " ms";
    if (!sent.response) return "error: " + sent.error_detail + " (" + ms + ")";
    return std::to_string(sent.response->status) + " (" + ms + ")";
}

std::string text_or_dash(const std::optional<std::string>& s) { return s ? *s : "-"; }

/// The incident after a patch, as a person wants to see it: what changed.
void print_patched(std::ostream& out, const aq::incident& before, const aq::incident& after) {
    auto text = [](const auto& value) { return value ? value->text() : std::string("-"); };
    out << "status:   " << text(after.current_status());
    if (text(before.current_status()) != text(after.current_status()))
        out << " (was " << text(before.current_status()) << ")";
    out << "\nseverity: " << text(after.current_severity());
    if (text(before.current_severity()) != text(after.current_severity()))
        out << " (was " << text(before.current_severity()) << ")";
    out << "\n";
    for (std::size_t i = 0; i + before.events.size() < after.events.size(); ++i) {
        const auto& e = after.events[i];
        out << "new event: " << text(e.modification.intent) << " at " << text(e.modification.timestamp);
        if (e.message) out << " \"" << *e.message << "\"";
        for (const auto& change : e.attribute_changes)
            out << "\n  attribute " << text_or_dash(change.name) << ": " << text_or_dash(change.old_value)
                << " -> " << text_or_dash(change.new_value);
        out << "\n";
    }
    out << "attributes:";
    for (const auto& a : after.attributes)
        out << "\n  " << text_or_dash(a.name) << " = " << text_or_dash(a.value);
    out << "\n";
}

} // namespace

int send_command(const arguments& args) {
    command_line cli(
        "send", "Renders a request template against an incident, signs and sends the request as All Quiet\n"
                "does, and shows the request and the answer (the seed page's \"Trigger Dummy Request\").\n"
                "With --apply the answer is read as an incident patch and the patched incident shown.\n"
                "Exits 0 on a 2xx answer, 1 on any other answer or a transport error.");
    cli.option("template", "FILE", "the request template")
        .option("incident", "FILE", "the incident (default: the built-in sample)");
    add_delivery_options(cli);
    cli.flag("apply", "apply the answer's patch and show the incident after it")
        .option("output-incident", "FILE", "with --apply, write the patched incident here")
        .flag("ignore-allowed-intents", "with --apply, accept intents the incident's allowedIntents lacks");
    if (!cli.parse(args)) return exit_ok;
    if (cli.has("output-incident") && !cli.has("apply")) throw usage_error("--output-incident needs --apply");

    const auto incident = load_incident(cli.get("incident"));
    const auto description = render_for(load_template(cli.require("template")), incident, cli);
    const auto options = delivery_options_of(cli);
    const auto sent = aq::deliver(description, options);

    std::cout << "== HTTP Request\n" << http_text(sent.request) << "\n\n";
    if (!sent.response) {
        std::cout << "== No answer\n" << sent.error_detail << "\n";
        return exit_check_failed;
    }
    std::cout << "== Response " << status_line(sent) << "\n";
    for (const auto& h : sent.response->headers)
        std::cout << h.name << ": " << h.value << "\n";
    std::cout << "\n" << sent.response->body << "\n";
    if (!sent.succeeded()) return exit_check_failed;
    if (!cli.has("apply")) return exit_ok;

    aq::apply_options apply;
    apply.enforce_allowed_intents = !cli.has("ignore-allowed-intents");
    auto patched = aq::apply_delivery(incident, sent, apply);
    if (!patched) {
        std::cout << "\n== The answer is not a patch that applies\n" << patched.error().message() << "\n";
        return exit_check_failed;
    }
    std::cout << "\n== Incident after the patch\n";
    print_patched(std::cout, incident, *patched);
    if (const auto path = cli.get("output-incident")) {
        std::ofstream out(*path, std::ios::binary);
        if (!(out << boost::json::serialize(aq::to_json(*patched)) << "\n"))
            throw usage_error("cannot write " + *path);
    }
    return exit_ok;
}

int replay_command(const arguments& args) {
    command_line cli(
        "replay",
        "Replays an incident's life against a receiver: one delivery for each event the forwarding\n"
        "mode selects, oldest first, each rendered against the incident as it stood at that event.\n"
        "Prints a line per delivery; exits 0 when every one got a 2xx answer.");
    cli.option("template", "FILE", "the request template")
        .option("incident", "FILE", "the incident with its history of events")
        .option("mode", "always|always-after-forwarding|only-on-forwarding",
                "the integration's forwarding setting");
    add_delivery_options(cli);
    if (!cli.parse(args)) return exit_ok;

    const auto mode = aq::forwarding_mode_from_string(cli.require("mode"));
    if (!mode) throw usage_error("--mode must be always, always-after-forwarding or only-on-forwarding");
    const auto incident = load_incident(cli.require("incident"));
    const auto request_template = load_template(cli.require("template"));
    const auto options = delivery_options_of(cli);

    const auto events = aq::delivered_events(*mode, incident);
    if (events.empty())
        std::cout << "no event of this incident is delivered in mode " << aq::to_string(*mode) << "\n";
    bool all_succeeded = true;
    std::size_t n = 0;
    for (const std::size_t index : events) {
        const auto& m = incident.events[index].modification;
        const auto description = render_for(request_template, aq::incident_as_of(incident, index), cli);
        const auto sent = aq::deliver(description, options);
        all_succeeded = all_succeeded && sent.succeeded();
        std::cout << "#" << ++n << " " << (m.intent ? m.intent->text() : "-") << " at "
                  << (m.timestamp ? m.timestamp->text() : "-") << ": " << sent.request.method << " "
                  << description.url << " -> " << status_line(sent) << "\n";
    }
    return all_succeeded ? exit_ok : exit_check_failed;
}

int apply_command(const arguments& args) {
    command_line cli("apply",
                     "Applies an incident patch to an incident, as All Quiet would, and prints the result.");
    cli.option("incident", "FILE", "the incident")
        .option("patch", "FILE", "the patch ('-' for standard input)")
        .flag("ignore-allowed-intents", "accept intents the incident's allowedIntents lacks");
    if (!cli.parse(args)) return exit_ok;
    const auto incident = load_incident(cli.require("incident"));
    const auto patch_path = cli.require("patch");
    auto patch = aq::parse_patch(read_file_or_stdin(patch_path));
    if (!patch) throw usage_error(patch_path + ": " + patch.error().message());
    aq::apply_options options;
    options.enforce_allowed_intents = !cli.has("ignore-allowed-intents");
    auto patched = aq::apply_patch(incident, *patch, options);
    if (!patched) throw usage_error(patched.error().message());
    std::cout << boost::json::serialize(aq::to_json(*patched)) << "\n";
    return exit_ok;
}

} // namespace aqhook
