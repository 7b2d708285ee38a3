// aqhook sign and aqhook verify.
#include "commands.hpp"

#include <allquiet/webhook/signature.hpp>

#include <fstream>
#include <iostream>

namespace aq = allquiet::webhook;

namespace aqhook {

void add_secret_options(command_line& cli) {
    cli.option("secret", "S", "signing secret (visible to other users in the process list)", true);
    cli.option("secret-file", "FILE", "read signing secrets from FILE, one per line");
}

std::vector<std::string> collect_secrets(const command_line& cli) {
    std::vector<std::string> secrets = cli.all("secret");
    if (const auto path = cli.get("secret-file")) {
        std::ifstream in(*path);
        if (!in) throw usage_error("cannot read " + *path);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) secrets.push_back(line);
        }
    }
    return secrets;
}

namespace {

aq::signing_method method_option(const command_line& cli) {
    const auto text = cli.get("signing-method").value_or("allquiet");
    if (auto method = aq::signing_method_from_string(text)) return *method;
    throw usage_error("--signing-method must be allquiet or aws, not '" + text + "'");
}

} // namespace

int sign_command(const arguments& args) {
    command_line cli("sign",
                     "Signs a body as All Quiet does and prints the two headers as `name: value` lines.\n"
                     "The body is read from standard input unless --body-file is given.");
    add_secret_options(cli);
    cli.option("signing-method", "allquiet|aws", "header pair to produce (default allquiet)")
        .option("timestamp", "T", "RFC 3339 timestamp to sign (default: now, UTC with milliseconds)")
        .option("body-file", "FILE", "read the body from FILE ('-' for standard input)");
    if (!cli.parse(args)) return exit_ok;

    const auto secrets = collect_secrets(cli);
    if (secrets.size() != 1) throw usage_error("sign takes exactly one secret");
    const auto method = method_option(cli);
    std::string stamp = aq::timestamp::now().text();
    if (const auto given = cli.get("timestamp")) {
        if (!aq::timestamp::parse(*given))
            throw usage_error("--timestamp must be RFC 3339, e.g. 2023-12-17T11:51:08.844Z");
        stamp = *given;
    }
    const std::string body = read_file_or_stdin(cli.get("body-file"));
    const auto headers = aq::sign(method, secrets.front(), stamp, body);
    std::cout << headers.signature.name << ": " << headers.signature.value << "\n"
              << headers.timestamp.name << ": " << headers.timestamp.value << "\n";
    return exit_ok;
}

int verify_command(const arguments& args) {
    command_line cli("verify",
                     "Checks a signature against a body. Exits 0 and prints the method that matched, or\n"
                     "exits 1 and prints the reason. The body is read from standard input unless\n"
                     "--body-file is given.");
    add_secret_options(cli);
    cli.option("signature", "SIG", "the signature header's value")
        .option("timestamp", "T", "the timestamp header's value")
        .option("signing-method", "allquiet|aws", "which header pair the values came from (default allquiet)")
        .option("tolerance", "SECONDS", "how far the timestamp may be from now, both ways (default 300)")
        .flag("no-tolerance", "accept any timestamp (for replaying old deliveries)")
        .option("body-file", "FILE", "read the body from FILE ('-' for standard input)");
    if (!cli.parse(args)) return exit_ok;

    aq::verifier_options options;
    options.secrets = collect_secrets(cli);
    if (options.secrets.empty()) throw usage_error("give at least one --secret or --secret-file");
    const auto method = method_option(cli);
    options.methods =
        method == aq::signing_method::allquiet ? aq::accepted_methods::allquiet : aq::accepted_methods::aws;
    if (cli.has("no-tolerance") && cli.has("tolerance"))
        throw usage_error("--tolerance and --no-tolerance exclude each other");
    options.tolerance = cli.has("no-tolerance") ? aq::timestamp_tolerance::none()
                                                : aq::timestamp_tolerance::symmetric(std::chrono::seconds(
                                                      cli.number("tolerance", 300, 0, 31'536'000)));

    const std::vector<aq::header_field> headers{
        {std::string(aq::signature_header_name(method)), cli.require("signature")},
        {std::string(aq::timestamp_header_name(method)), cli.require("timestamp")}};
    const std::string body = read_file_or_stdin(cli.get("body-file"));
    const auto result = aq::verifier(std::move(options)).check(headers, body);
    if (!result) {
        std::cout << "invalid: " << result.error.message() << "\n";
        return exit_check_failed;
    }
    std::cout << "valid: " << aq::to_string(*result.method) << " (secret " << result.secret_index + 1
              << " of " << collect_secrets(cli).size() << ")\n";
    return exit_ok;
}

} // namespace aqhook
