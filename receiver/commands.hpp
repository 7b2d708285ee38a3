// aqhook's subcommands. Each takes the arguments after its name and returns the exit code.
#pragma once

#include "command_line.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

using arguments = std::vector<std::string_view>;

int sign_command(const arguments& args);
int verify_command(const arguments& args);
int serve_command(const arguments& args);
int render_command(const arguments& args);

/// Declares --secret (repeatable) and --secret-file on a command line.
void add_secret_options(command_line& cli);

/// The secrets of --secret and of --secret-file (one per non-empty line), in that order.
std::vector<std::string> collect_secrets(const command_line& cli);

} // namespace aqhook
