// aqhook sign and aqhook verify.
#include "commands.hpp"

#include <allquiet/webhook/signature.hpp>

#include <iostream>
#include <memory>

namespace aq = allquiet::webhook;

namespace aqhook {

namespace {

/// --signing-method, --timestamp and --body-file, which both commands take.
struct signature_options {
    std::string method_name = "allquiet";
    std::string timestamp;
    std::string body_file = "-";
    secret_options secrets;

    aq::signing_method method() const { return *aq::signing_method_from_string(method_name); }

    void declare(CLI::App& command, bool several_secrets, const std::string& method_help,
                 const std::string& timestamp_help) {
        secrets.declare(command, several_secrets);
        command.add_option("--signing-method", method_name, method_help)
            ->check(CLI::IsMember({"allquiet", "aws"}))
            ->type_name("allquiet|aws")
            ->capture_default_str();
        command.add_option("--timestamp", timestamp, timestamp_help)->type_name("T");
        command
            .add_option("--body-file", body_file,
                        "read the body from FILE ('-' for standard input, the default)")
            ->type_name("FILE");
    }
};

int sign(const signature_options& options) {
    const auto secrets = options.secrets.collect();
    if (secrets.size() != 1) throw usage_error("sign takes exactly one secret");
    std::string stamp = aq::timestamp::now().text();
    if (!options.timestamp.empty()) {
        if (!aq::timestamp::parse(options.timestamp))
            throw usage_error("--timestamp must be RFC 3339, e.g. 2023-12-17T11:51:08.844Z");
        stamp = options.timestamp;
    }
    const auto headers = aq::sign(options.method(), secrets.front(), stamp,
                                  read_file_or_stdin(options.body_file, "--body-file"));
    std::cout << headers.signature.name << ": " << headers.signature.value << "\n"
              << headers.timestamp.name << ": " << headers.timestamp.value << "\n";
    return exit_ok;
}

struct verify_options : signature_options {
    std::string signature;
    unsigned tolerance = 300;
    bool no_tolerance = false;
};

int verify(const verify_options& given) {
    aq::verifier_options options;
    options.secrets = given.secrets.collect();
    if (options.secrets.empty()) throw usage_error("give at least one --secret or --secret-file");
    const std::size_t secret_count = options.secrets.size();
    options.methods = given.method() == aq::signing_method::allquiet ? aq::accepted_methods::allquiet
                                                                     : aq::accepted_methods::aws;
    options.tolerance = given.no_tolerance
                            ? aq::timestamp_tolerance::none()
                            : aq::timestamp_tolerance::symmetric(std::chrono::seconds(given.tolerance));
    const std::vector<aq::header_field> headers{
        {std::string(aq::signature_header_name(given.method())), given.signature},
        {std::string(aq::timestamp_header_name(given.method())), given.timestamp}};
    const auto result =
        aq::verifier(std::move(options)).check(headers, read_file_or_stdin(given.body_file, "--body-file"));
    if (!result) {
        std::cout << "invalid: " << result.error.message() << "\n";
        return exit_check_failed;
    }
    std::cout << "valid: " << aq::to_string(*result.method) << " (secret " << result.secret_index + 1
              << " of " << secret_count << ")\n";
    return exit_ok;
}

} // namespace

command_runner add_sign_command(CLI::App& program) {
    auto& command =
        add_command(program, "sign", "sign a body and print the signature headers",
                    "Signs a body as All Quiet does and prints the two headers as `name: value` lines.\n"
                    "The body is read from standard input unless --body-file is given.");
    auto options = std::make_shared<signature_options>();
    options->declare(command, false, "header pair to produce",
                     "RFC 3339 timestamp to sign (default: now, UTC with milliseconds)");
    return [options] { return sign(*options); };
}

command_runner add_verify_command(CLI::App& program) {
    auto& command =
        add_command(program, "verify", "check a signature against a body",
                    "Checks a signature against a body. Exits 0 and prints the method that matched, or\n"
                    "exits 1 and prints the reason. The body is read from standard input unless\n"
                    "--body-file is given.");
    auto options = std::make_shared<verify_options>();
    options->declare(command, true, "which header pair the values came from", "the timestamp header's value");
    command.add_option("--signature", options->signature, "the signature header's value")
        ->type_name("SIG")
        ->required();
    command.get_option("--timestamp")->required();
    auto* tolerance = command
                          .add_option("--tolerance", options->tolerance,
                                      "how far the timestamp may be from now, both ways, in seconds")
                          ->type_name("SECONDS")
                          ->check(CLI::Range(0, 31'536'000))
                          ->capture_default_str();
    command
        .add_flag("--no-tolerance", options->no_tolerance,
                  "accept any timestamp (for replaying old deliveries)")
        ->excludes(tolerance);
    return [options] { return verify(*options); };
}

} // namespace aqhook
