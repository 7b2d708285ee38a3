// aqhook send, replay and apply: All Quiet's side of a delivery, to test any receiver locally.
#include "commands.hpp"
#include "inputs.hpp"

#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/forwarding.hpp>
#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <memory>

namespace aq = allquiet::webhook;

namespace aqhook {

namespace {

/// How a delivery is sent: the options of send and replay.
struct delivery_settings {
    std::optional<std::string> url;
    std::optional<std::string> signing_method;
    secret_options secrets;
    unsigned timeout_seconds = 30;
    std::optional<std::string> ca_file;
    bool insecure = false;

    void declare(CLI::App& command) {
        command.add_option("--url", url, "send here instead of the template's url")->type_name("URL");
        command.add_option("--signing-method", signing_method, "sign with this method (needs --secret)")
            ->check(CLI::IsMember({"allquiet", "aws"}))
            ->type_name("allquiet|aws");
        secrets.declare(command, false);
        command.add_option("--timeout", timeout_seconds, "for the whole exchange, in seconds")
            ->type_name("SECONDS")
            ->check(CLI::Range(1, 3600))
            ->capture_default_str();
        command.add_option("--ca-file", ca_file, "also trust the certificate authorities in this PEM file")
            ->type_name("FILE");
        command.add_flag("--insecure", insecure, "do not check the server's certificate");
    }

    aq::delivery_options options() const {
        aq::delivery_options out;
        const auto secret_list = secrets.collect();
        if (signing_method) {
            out.signing_method = aq::signing_method_from_string(*signing_method);
            if (secret_list.size() != 1)
                throw usage_error("signing needs exactly one --secret or --secret-file");
            out.secret = secret_list.front();
        } else if (!secret_list.empty()) {
            throw usage_error("--secret needs --signing-method");
        }
        out.timeout = std::chrono::seconds(timeout_seconds);
        out.ca_file = ca_file;
        out.verify_certificates = !insecure;
        return out;
    }

    /// The template rendered against a context, sent to --url when given.
    aq::request_description render(const aq::handlebars_template& request_template,
                                   const boost::json::value& context) const {
        auto description = aq::render_request(request_template, context);
        if (!description) throw usage_error("rendering: " + description.error().message());
        if (url) {
            if (const auto parsed = aq::parse_http_url(*url); !parsed)
                throw usage_error("--url: " + parsed.error().message());
            description->url = *url;
        }
        return std::move(*description);
    }
};

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

struct send_options {
    std::string template_path;
    std::optional<std::string> incident_path;
    delivery_settings delivery;
    bool apply = false;
    std::optional<std::string> output_incident;
    bool ignore_allowed_intents = false;
};

/// Prints the delivery and its answer; returns whether a 2xx answer came.
bool show_delivery(const aq::delivery& sent) {
    std::cout << "== HTTP Request\n" << aq::http_request_text(sent.request, "\n") << "\n\n";
    if (!sent.response) {
        std::cout << "== No answer\n" << sent.error_detail << "\n";
        return false;
    }
    std::cout << "== Response " << status_line(sent) << "\n";
    for (const auto& h : sent.response->headers)
        std::cout << h.name << ": " << h.value << "\n";
    std::cout << "\n" << sent.response->body << "\n";
    return sent.succeeded();
}

int send(const send_options& given) {
    const auto [document, incident] = load_incident(given.incident_path);
    const auto description =
        given.delivery.render(load_template(given.template_path), aq::template_context(document));
    const auto sent = aq::deliver(description, given.delivery.options());
    if (!show_delivery(sent)) return exit_check_failed;
    if (!given.apply) return exit_ok;

    aq::apply_options apply;
    apply.enforce_allowed_intents = !given.ignore_allowed_intents;
    auto patched = aq::apply_delivery(incident, sent, apply);
    if (!patched) {
        std::cout << "\n== The answer is not a patch that applies\n" << patched.error().message() << "\n";
        return exit_check_failed;
    }
    if (sent.patch) {
        std::cout << "\n== Incident after the patch\n";
        print_patched(std::cout, incident, *patched);
    } else {
        std::cout << "\n== The answer has no body: no patch, the incident stays as it is\n";
    }
    if (const auto& path = given.output_incident) {
        std::ofstream out(*path, std::ios::binary);
        if (!(out << boost::json::serialize(aq::to_json(*patched)) << "\n"))
            throw usage_error("--output-incident: cannot write " + *path);
    }
    return exit_ok;
}

struct replay_options {
    std::string template_path;
    std::string incident_path;
    std::string mode_name;
    delivery_settings delivery;
};

int replay(const replay_options& given) {
    const auto incident = load_incident(given.incident_path).model;
    const auto request_template = load_template(given.template_path);
    const auto options = given.delivery.options();
    const auto mode = *aq::forwarding_mode_from_string(given.mode_name);
    const auto events = aq::delivered_events(mode, incident);
    if (events.empty())
        std::cout << "no event of this incident is delivered in mode " << given.mode_name << "\n";
    bool all_succeeded = true;
    std::size_t n = 0;
    for (const std::size_t index : events) {
        const auto& m = incident.events[index].modification;
        const auto description = given.delivery.render(
            request_template, aq::template_context(aq::incident_as_of(incident, index)));
        const auto sent = aq::deliver(description, options);
        all_succeeded = all_succeeded && sent.succeeded();
        std::cout << "#" << ++n << " " << (m.intent ? m.intent->text() : "-") << " at "
                  << (m.timestamp ? m.timestamp->text() : "-") << ": " << sent.request.method << " "
                  << description.url << " -> " << status_line(sent) << "\n";
    }
    return all_succeeded ? exit_ok : exit_check_failed;
}

struct apply_options {
    std::string incident_path;
    std::string patch_path;
    bool ignore_allowed_intents = false;
};

int apply(const apply_options& given) {
    const auto incident = load_incident(given.incident_path).model;
    auto patch = aq::parse_patch(read_file_or_stdin(given.patch_path, "--patch"));
    if (!patch) throw usage_error("--patch: " + given.patch_path + ": " + patch.error().message());
    aq::apply_options options;
    options.enforce_allowed_intents = !given.ignore_allowed_intents;
    auto patched = aq::apply_patch(incident, *patch, options);
    if (!patched) throw usage_error(patched.error().message());
    std::cout << boost::json::serialize(aq::to_json(*patched)) << "\n";
    return exit_ok;
}

/// The exit code of send and replay for what they could not start with.
const std::string bad_input_exit_code =
    "  2  bad usage or bad input: options, template, incident, a file that cannot be read or is\n"
    "     over " +
    std::to_string(max_input_file >> 20) + " MiB, a template that does not render";

} // namespace

command_runner add_send_command(CLI::App& program) {
    auto& command = add_command(
        program, "send", "render, sign and send a delivery, show the answer",
        "Renders a request template against an incident, signs and sends the request as All Quiet\n"
        "does, and shows the request and the answer (the seed page's \"Trigger Dummy Request\").\n"
        "With --apply the answer is read as an incident patch and the patched incident shown.\n"
        "Exit codes:\n"
        "  0  a 2xx answer (with --apply: and its patch applied, or it has no body)\n"
        "  1  any other answer; no answer (a transport error: refused, timed out, TLS, an answer\n"
        "     over a limit); with --apply, an answer that is not a patch that applies\n" +
            bad_input_exit_code + ", an --output-incident that cannot be written");
    auto options = std::make_shared<send_options>();
    add_template_option(command, options->template_path);
    command.add_option("--incident", options->incident_path, "the incident (default: the built-in sample)")
        ->type_name("FILE");
    options->delivery.declare(command);
    auto* apply_flag = command.add_flag("--apply", options->apply,
                                        "apply the answer's patch and show the incident after it");
    command.add_option("--output-incident", options->output_incident, "write the patched incident here")
        ->type_name("FILE")
        ->needs(apply_flag);
    command.add_flag("--ignore-allowed-intents", options->ignore_allowed_intents,
                     "with --apply, accept intents the incident's allowedIntents lacks");
    return [options] { return send(*options); };
}

command_runner add_replay_command(CLI::App& program) {
    auto& command = add_command(
        program, "replay", "send the deliveries of an incident's history",
        "Replays an incident's life against a receiver: one delivery for each event the forwarding\n"
        "mode selects, oldest first, each rendered against the incident as it stood at that event.\n"
        "Prints a line per delivery.\n"
        "Exit codes:\n"
        "  0  every delivery got a 2xx answer\n"
        "  1  some delivery got another answer or none (a transport error)\n" +
            bad_input_exit_code);
    auto options = std::make_shared<replay_options>();
    add_template_option(command, options->template_path);
    command.add_option("--incident", options->incident_path, "the incident with its history of events")
        ->type_name("FILE")
        ->required();
    command.add_option("--mode", options->mode_name, "the integration's forwarding setting")
        ->check(CLI::IsMember({"always", "always-after-forwarding", "only-on-forwarding"}))
        ->type_name("always|always-after-forwarding|only-on-forwarding")
        ->required();
    options->delivery.declare(command);
    return [options] { return replay(*options); };
}

command_runner add_apply_command(CLI::App& program) {
    auto& command =
        add_command(program, "apply", "apply an incident patch to an incident",
                    "Applies an incident patch to an incident, as All Quiet would, and prints the result.");
    auto options = std::make_shared<apply_options>();
    command.add_option("--incident", options->incident_path, "the incident")->type_name("FILE")->required();
    command.add_option("--patch", options->patch_path, "the patch ('-' for standard input)")
        ->type_name("FILE")
        ->required();
    command.add_flag("--ignore-allowed-intents", options->ignore_allowed_intents,
                     "accept intents the incident's allowedIntents lacks");
    return [options] { return apply(*options); };
}

} // namespace aqhook
