// aqhook: the mock receiver and the sender-side tools, one program with subcommands.
#include "commands.hpp"

#include <allquiet/webhook/error.hpp>

#include <iostream>
#include <map>

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
    const std::map<std::string, aqhook::command_runner> commands{
        {"serve", aqhook::add_serve_command(program)},   {"render", aqhook::add_render_command(program)},
        {"send", aqhook::add_send_command(program)},     {"replay", aqhook::add_replay_command(program)},
        {"apply", aqhook::add_apply_command(program)},   {"sign", aqhook::add_sign_command(program)},
        {"verify", aqhook::add_verify_command(program)},
    };
    try {
        program.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return program.exit(e); // help, version
        print_error(program, e.what(), true);
        return aqhook::exit_usage;
    }
    try {
        return commands.at(program.get_subcommands().front()->get_name())();
    } catch (const aqhook::usage_error& e) {
        print_error(program, e.what(), true);
    } catch (const std::exception& e) { // input errors (aq::input_exception), files, the network
        print_error(program, e.what(), false);
    }
    return aqhook::exit_usage;
}
