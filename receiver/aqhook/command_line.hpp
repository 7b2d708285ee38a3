// A small command-line parser for aqhook's subcommands: `--name value`, `--name=value`,
// repeatable options, flags, and a generated --help.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

/// Bad usage: the message is shown with a hint to --help, and the exit code is 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Exit codes shared by every subcommand.
enum exit_code : int {
    exit_ok = 0,
    exit_check_failed = 1, ///< a failed check: bad signature, non-2xx answer
    exit_usage = 2,        ///< bad usage or bad input
};

class command_line {
  public:
    command_line(std::string command, std::string summary)
        : command_(std::move(command)), summary_(std::move(summary)) {}

    /// An option that takes a value; `value_name` is shown in the help.
    command_line& option(std::string name, std::string value_name, std::string help,
                         bool repeatable = false) {
        specs_.push_back({std::move(name), std::move(value_name), std::move(help), repeatable});
        return *this;
    }

    /// An option without a value.
    command_line& flag(std::string name, std::string help) {
        return option(std::move(name), "", std::move(help));
    }

    /// Parses the arguments after the subcommand name. Returns false when --help was asked for
    /// (the help has then been printed).
    bool parse(const std::vector<std::string_view>& args);

    bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }

    std::optional<std::string> get(std::string_view name) const {
        auto it = values_.find(std::string(name));
        if (it == values_.end()) return std::nullopt;
        return it->second.back();
    }

    std::vector<std::string> all(std::string_view name) const {
        auto it = values_.find(std::string(name));
        return it == values_.end() ? std::vector<std::string>{} : it->second;
    }

    std::string require(std::string_view name) const {
        if (auto value = get(name)) return *value;
        throw usage_error("missing --" + std::string(name));
    }

    /// A whole number within [min, max], or the default when the option is absent.
    long long number(std::string_view name, long long fallback, long long min, long long max) const;

    std::string help() const;

  private:
    struct spec {
        std::string name;
        std::string value_name;
        std::string help;
        bool repeatable;
    };

    const spec* find(std::string_view name) const {
        for (const auto& s : specs_)
            if (s.name == name) return &s;
        return nullptr;
    }

    std::string command_;
    std::string summary_;
    std::vector<spec> specs_;
    std::map<std::string, std::vector<std::string>> values_;
};

/// The whole content of a file, or of standard input for "-"; throws usage_error.
std::string read_file_or_stdin(const std::optional<std::string>& path);

} // namespace aqhook
