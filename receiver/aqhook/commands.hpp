// aqhook's subcommands. Each declares itself on the program's command line and returns what runs
// once its options have parsed.
#pragma once

#include "command_line.hpp"

namespace aqhook {

command_runner add_serve_command(CLI::App& program);
command_runner add_render_command(CLI::App& program);
command_runner add_send_command(CLI::App& program);
command_runner add_replay_command(CLI::App& program);
command_runner add_apply_command(CLI::App& program);
command_runner add_sign_command(CLI::App& program);
command_runner add_verify_command(CLI::App& program);
command_runner add_journal_command(CLI::App& program);
/// `aqhook journal replay`, under the `journal` command (it sends as `aqhook send` does).
command_runner add_journal_replay_command(CLI::App& journal);

} // namespace aqhook
