// aqhook: the mock receiver and the sender-side tools, one program with subcommands.
#include "commands.hpp"

#include <allquiet/webhook/error.hpp>

#include <cstring>
#include <exception>
#include <iostream>

namespace {

struct subcommand {
    const char* name;
    const char* summary;
    int (*run)(const aqhook::arguments&);
};

constexpr subcommand subcommands[] = {
    {"serve", "run the mock receiver", aqhook::serve_command},
    {"render", "render a request template against an incident", aqhook::render_command},
    {"send", "render, sign and send a delivery, show the answer", aqhook::send_command},
    {"replay", "send the deliveries of an incident's history", aqhook::replay_command},
    {"apply", "apply an incident patch to an incident", aqhook::apply_command},
    {"sign", "sign a body and print the signature headers", aqhook::sign_command},
    {"verify", "check a signature against a body", aqhook::verify_command},
};

void print_usage(std::ostream& out) {
    out << "usage: aqhook <command> [options]\n\n"
           "Tools for All Quiet outbound webhooks.\n\ncommands:\n";
    for (const auto& c : subcommands)
        out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << "\n";
    out << "\n'aqhook <command> --help' describes a command's options.\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(std::cerr);
        return aqhook::exit_usage;
    }
    const std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(std::cout);
        return aqhook::exit_ok;
    }
    if (name == "--version") {
        std::cout << "aqhook " << ALLQUIET_WEBHOOK_VERSION << "\n";
        return aqhook::exit_ok;
    }
    for (const auto& c : subcommands) {
        if (name != c.name) continue;
        try {
            return c.run(aqhook::arguments(argv + 2, argv + argc));
        } catch (const aqhook::usage_error& e) {
            std::cerr << "aqhook " << c.name << ": " << e.what() << "\n(see 'aqhook " << c.name
                      << " --help')\n";
            return aqhook::exit_usage;
        } catch (const allquiet::webhook::input_exception& e) {
            std::cerr << "aqhook " << c.name << ": " << e.what() << "\n";
            return aqhook::exit_usage;
        } catch (const std::exception& e) {
            std::cerr << "aqhook " << c.name << ": " << e.what() << "\n";
            return aqhook::exit_usage;
        }
    }
    std::cerr << "aqhook: unknown command '" << name << "'\n";
    print_usage(std::cerr);
    return aqhook::exit_usage;
}
