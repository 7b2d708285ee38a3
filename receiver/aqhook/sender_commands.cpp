// aqhook send, replay, apply and journal replay: All Quiet's side of a delivery, to test any
// receiver locally.
#include "commands.hpp"
#include "inputs.hpp"
#include "journal.hpp"

#include <allquiet/webhook/delivery.hpp>
#include <allquiet/webhook/forwarding.hpp>
#include <allquiet/webhook/request_rendering.hpp>

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
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

    void declare(CLI::App& command, const std::string& url_help = "send here instead of the template's url") {
        command.add_option("--url", url, url_help)->type_name("URL");
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

struct journal_replay_options {
    std::string file;
    delivery_settings delivery;
    bool as_recorded = false;
};

/// The longest line of an NDJSON export read: an entry whose body is up to about 190 MiB (in
/// base64) fits, and a file without end (/dev/zero) is refused.
constexpr std::size_t max_export_line = std::size_t(256) << 20;

/// The lines of an NDJSON export, each one read as a journal entry; throws usage_error naming the
/// line that is not one.
std::vector<aq::journal_entry> read_export(const std::string& path) {
    std::ifstream file;
    if (path != "-") file.open(path, std::ios::binary);
    std::istream& in = path == "-" ? std::cin : file;
    if (!in) throw usage_error("--file: cannot read " + path);
    std::vector<aq::journal_entry> entries;
    std::string line;
    std::array<char, 64 * 1024> buffer;
    std::size_t number = 0;
    auto read_entry = [&] {
        ++number;
        if (line.empty()) return;
        auto json = aq::detail::parse_json_text(line);
        auto entry = json ? entry_from_json(*json) : aq::result<aq::journal_entry>(json.error());
        if (!entry)
            throw usage_error("--file: " + path + ": line " + std::to_string(number) +
                              " is not a journal entry: " + entry.error().message());
        entries.push_back(std::move(*entry));
        line.clear();
    };
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
        std::string_view piece(buffer.data(), static_cast<std::size_t>(in.gcount()));
        for (auto end = piece.find('\n'); end != std::string_view::npos; end = piece.find('\n')) {
            line += piece.substr(0, end);
            read_entry();
            piece.remove_prefix(end + 1);
        }
        line += piece;
        if (line.size() > max_export_line)
            throw usage_error("--file: " + path + ": line " + std::to_string(number + 1) +
                              " is longer than " + std::to_string(max_export_line >> 20) + " MiB");
    }
    read_entry();
    return entries;
}

/// Headers a replay never sends as recorded: the sender writes the framing and the connection's
/// own, and signs afresh unless asked to send the recorded signature.
bool replayed(const aq::header_field& header, bool with_signature) {
    constexpr std::array<std::string_view, 10> connection_fields{
        "host", "content-length", "transfer-encoding", "connection", "keep-alive",
        "te",   "trailer",        "upgrade",           "expect",     "proxy-connection"};
    auto is = [&](std::string_view name) { return aq::detail::iequals(header.name, name); };
    if (std::any_of(connection_fields.begin(), connection_fields.end(), is)) return false;
    if (with_signature) return true;
    for (const auto method : {aq::signing_method::allquiet, aq::signing_method::aws})
        if (is(aq::signature_header_name(method)) || is(aq::timestamp_header_name(method))) return false;
    return true;
}

/// The recorded delivery as a request to `base_url` followed by its path and query.
aq::request_description replayed_request(const aq::journal_entry& entry, std::string_view base_url,
                                         bool with_signature) {
    aq::request_description out;
    out.method = entry.method;
    out.url = std::string(base_url.substr(0, base_url.find_last_not_of('/') + 1)) + entry.target;
    for (const auto& header : entry.headers)
        if (replayed(header, with_signature)) out.headers.push_back(header);
    if (!entry.body.empty()) {
        out.body.kind = aq::body_kind::text;
        out.body.text = entry.body;
    }
    return out;
}

int replay_journal(const journal_replay_options& given) {
    if (given.as_recorded == given.delivery.signing_method.has_value())
        throw usage_error("replay re-signs (--signing-method with --secret or --secret-file) or sends the "
                          "recorded signatures (--as-recorded): one of the two");
    const auto options = given.delivery.options();
    if (const auto parsed = aq::parse_http_url(*given.delivery.url); !parsed)
        throw usage_error("--url: " + parsed.error().message());
    bool all_succeeded = true;
    for (const auto& entry : read_export(given.file)) {
        const auto description = replayed_request(entry, *given.delivery.url, given.as_recorded);
        const auto sent = aq::deliver(description, options);
        all_succeeded = all_succeeded && sent.succeeded();
        std::cout << "#" << entry.id << " " << description.method << " " << description.url << " -> "
                  << status_line(sent) << "\n";
    }
    return all_succeeded ? exit_ok : exit_check_failed;
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

command_runner add_journal_replay_command(CLI::App& journal) {
    auto& command = add_command(
        journal, "replay", "send the deliveries of an NDJSON export again",
        "Sends each delivery of an NDJSON export (aqhook journal export, or GET\n"
        "/_aqhook/requests?format=ndjson), oldest first, to --url followed by the delivery's path and\n"
        "query: its method, headers and exact body. Signed afresh with --signing-method and\n"
        "--secret (a timestamp of now), or with --as-recorded as recorded, signature headers\n"
        "included. Host, Content-Length and the connection's headers are the sender's own.\n"
        "Prints a line per delivery: its journal id, method, URL and answer.\n"
        "Exit codes:\n"
        "  0  every delivery got a 2xx answer\n"
        "  1  some delivery got another answer or none (a transport error, a method or header the\n"
        "     sender refuses)\n"
        "  2  bad usage, or a file that cannot be read or has a line that is not a journal entry");
    auto options = std::make_shared<journal_replay_options>();
    command.add_option("--file", options->file, "the NDJSON export ('-' for standard input)")
        ->type_name("FILE")
        ->required();
    options->delivery.declare(command, "the receiver's URL; each delivery's path and query are appended");
    command.get_option("--url")->required();
    command.add_flag("--as-recorded", options->as_recorded,
                     "send the recorded signature and timestamp headers instead of signing afresh");
    return [options] { return replay_journal(*options); };
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
