#include "command_line.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace aqhook {

CLI::App& add_command(CLI::App& program, const std::string& name, const std::string& summary,
                      const std::string& description) {
    auto* command = program.add_subcommand(name, summary);
    command->footer(description);
    return *command;
}

void secret_options::declare(CLI::App& command, bool several) {
    if (several)
        command
            .add_option("--secret", secrets,
                        "signing secret, repeatable (visible to other users in the process list)")
            ->type_name("S");
    else
        command
            .add_option("--secret", secrets, "signing secret (visible to other users in the process list)")
            ->type_name("S")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    command
        .add_option("--secret-file", file,
                    several ? "read signing secrets from FILE, one per line"
                            : "read the signing secret from FILE")
        ->type_name("FILE");
}

std::vector<std::string> secret_options::collect() const {
    std::vector<std::string> out = secrets;
    if (!file.empty()) {
        std::istringstream in(read_file(file, "--secret-file"));
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) out.push_back(line);
        }
    }
    return out;
}

std::string read_file(const std::string& path, std::string_view option) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw usage_error(std::string(option) + ": cannot read " + path + " (" + std::strerror(errno) + ")");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string read_file_or_stdin(const std::string& path, std::string_view option) {
    if (path != "-") return read_file(path, option);
    std::cin >> std::noskipws;
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
}

} // namespace aqhook
