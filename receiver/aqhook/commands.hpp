// aqhook's subcommands. Each takes the arguments after its name and returns the exit code.
#pragma once

#include "command_line.hpp"

#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/request_template.hpp>

#include <optional>

#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

using arguments = std::vector<std::string_view>;

int sign_command(const arguments& args);
int verify_command(const arguments& args);
int serve_command(const arguments& args);
int render_command(const arguments& args);
int send_command(const arguments& args);
int replay_command(const arguments& args);
int apply_command(const arguments& args);

/// The incident in a file, or the built-in sample without one; throws usage_error.
allquiet::webhook::incident load_incident(const std::optional<std::string>& path);

/// A compiled request template from a file; throws usage_error.
allquiet::webhook::handlebars_template load_template(const std::string& path);

/// A request as the seed page's "HTTP Request" pane shows it: request line, headers, body.
std::string http_text(const allquiet::webhook::http_request& request);

/// Declares --secret (repeatable) and --secret-file on a command line.
void add_secret_options(command_line& cli);

/// The secrets of --secret and of --secret-file (one per non-empty line), in that order.
std::vector<std::string> collect_secrets(const command_line& cli);

} // namespace aqhook
