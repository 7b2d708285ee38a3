// What aqhook's subcommands share: their declaration on CLI11, exit codes, usage errors, and the
// options several of them take.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

/// Bad usage found after parsing: the message is shown with a hint to --help, and the exit code is 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Exit codes shared by every subcommand.
enum exit_code : int {
    exit_ok = 0,
    exit_check_failed = 1, ///< a failed check: bad signature, non-2xx answer
    exit_usage = 2,        ///< bad usage or bad input
};

/// What runs once a subcommand's options have parsed; returns the exit code.
using command_runner = std::function<int()>;

/// Declares a subcommand: its one-line summary (in `aqhook --help`) and the longer description
/// under its own options.
CLI::App& add_command(CLI::App& program, const std::string& name, const std::string& summary,
                      const std::string& description);

/// --secret and --secret-file, or with a prefix, --PREFIXsecret and --PREFIXsecret-file.
struct secret_options {
    std::string prefix;                     ///< "forward-": --forward-secret, --forward-secret-file
    std::string purpose = "signing secret"; ///< what the help says the secret is
    std::vector<std::string> secrets;
    std::string file;

    /// Declares them on `command`; `several`: --secret may be repeated.
    void declare(CLI::App& command, bool several);
    /// The secrets of --secret, then of --secret-file (one per non-empty line).
    std::vector<std::string> collect() const;
};

/// The longest file the tools read (incidents, templates, patches, secrets, configurations,
/// bodies): a file without end, /dev/zero say, must not take all memory.
inline constexpr std::size_t max_input_file = std::size_t(16) << 20;

/// The whole content of a file; throws usage_error naming the option the path came from when it
/// cannot be read or is longer than max_input_file.
std::string read_file(const std::string& path, std::string_view option);

/// The same, or standard input for "-".
std::string read_file_or_stdin(const std::string& path, std::string_view option);

} // namespace aqhook
