// aqhook: the mock receiver and the sender-side tools, one program with subcommands.
#include "commands.hpp"

#include <allquiet/webhook/error.hpp>

#include <iostream>

namespace {

/// `aqhook` or `aqhook COMMAND`, for messages.
std::string program_name(const CLI::App& program) {
    const auto chosen = program.get_subcommands();
    return chosen.empty() ? "aqhook" : "aqhook " + chosen.front()->get_name();
}

void print_error(const CLI::App& program, const std::string& message, bool hint) {
    const auto name = program_name(program);
    std::cerr << name << ": " << message << "\n";
    if (hint) std::cerr << "(see '" << name << " --help')\n";
}

} // namespace

int main(int argc, char** argv) {
    CLI::App program("Tools for All Quiet outbound webhooks.", "aqhook");
    program.require_subcommand(1);
    program.set_version_flag("--version", std::string("aqhook ") + ALLQUIET_WEBHOOK_VERSION);
    program.footer("'aqhook COMMAND --help' describes a command's options.");
    int status = aqhook::exit_ok;
    for (const auto add : {aqhook::add_serve_command, aqhook::add_render_command, aqhook::add_send_command,
                           aqhook::add_replay_command, aqhook::add_apply_command, aqhook::add_sign_command,
                           aqhook::add_verify_command, aqhook::add_journal_command}) {
        // CLI11 runs the chosen subcommand's callback once the whole command line has parsed.
        auto run = add(program);
        program.get_subcommands({}).back()->callback([&status, run = std::move(run)] { status = run(); });
    }
    try {
        program.parse(argc, argv);
        return status;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return program.exit(e); // help, version
        print_error(program, e.what(), true);
        return aqhook::exit_usage;
    } catch (const aqhook::usage_error& e) {
        print_error(program, e.what(), true);
    } catch (const std::exception& e) { // input errors (aq::input_exception), files, the network
        print_error(program, e.what(), false);
    }
    return aqhook::exit_usage;
}
