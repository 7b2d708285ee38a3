#include "command_line.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace aqhook {

CLI::App& add_command(CLI::App& program, const std::string& name, const std::string& summary,
                      const std::string& description) {
    auto* command = program.add_subcommand(name, summary);
    command->footer(description);
    return *command;
}

void secret_options::declare(CLI::App& command, bool several) {
    const std::string option = "--" + prefix + "secret";
    if (several)
        command
            .add_option(option, secrets,
                        purpose + ", repeatable (visible to other users in the process list)")
            ->type_name("S");
    else
        command.add_option(option, secrets, purpose + " (visible to other users in the process list)")
            ->type_name("S")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    command
        .add_option(option + "-file", file,
                    several ? "read " + purpose + "s from FILE, one per line"
                            : "read the " + purpose + " from FILE")
        ->type_name("FILE");
}

std::vector<std::string> secret_options::collect() const {
    std::vector<std::string> out = secrets;
    if (!file.empty()) {
        std::istringstream in(read_file(file, "--" + prefix + "secret-file"));
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) out.push_back(line);
        }
    }
    return out;
}

namespace {

/// What is left in `in`, up to max_input_file; `name` says where it comes from in the error.
std::string read_bounded(std::istream& in, std::string_view option, const std::string& name) {
    std::string text;
    std::array<char, 64 * 1024> block;
    while (in.read(block.data(), block.size()) || in.gcount() > 0) {
        text.append(block.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_input_file)
            throw usage_error(std::string(option) + ": " + name + " is larger than " +
                              std::to_string(max_input_file >> 20) + " MiB, the limit for input files");
    }
    return text;
}

} // namespace

std::string read_file(const std::string& path, std::string_view option) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw usage_error(std::string(option) + ": cannot read " + path + " (" + std::strerror(errno) + ")");
    return read_bounded(in, option, path);
}

std::string read_file_or_stdin(const std::string& path, std::string_view option) {
    if (path != "-") return read_file(path, option);
    return read_bounded(std::cin, option, "standard input");
}

} // namespace aqhook
