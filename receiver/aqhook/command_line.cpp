#include "command_line.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>

namespace aqhook {

bool command_line::parse(const std::vector<std::string_view>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << help();
            return false;
        }
        if (arg.substr(0, 2) != "--") throw usage_error("unexpected argument '" + std::string(arg) + "'");
        arg.remove_prefix(2);
        std::optional<std::string_view> inline_value;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            inline_value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        const spec* s = find(arg);
        if (!s) throw usage_error("unknown option --" + std::string(arg));
        std::string value;
        if (s->value_name.empty()) {
            if (inline_value) throw usage_error("--" + s->name + " takes no value");
        } else if (inline_value) {
            value = *inline_value;
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            throw usage_error("--" + s->name + " needs a value (" + s->value_name + ")");
        }
        auto& slot = values_[s->name];
        if (!slot.empty() && !s->repeatable) throw usage_error("--" + s->name + " given twice");
        slot.push_back(std::move(value));
    }
    return true;
}

long long command_line::number(std::string_view name, long long fallback, long long min,
                               long long max) const {
    const auto text = get(name);
    if (!text) return fallback;
    long long value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max)
        throw usage_error("--" + std::string(name) + " must be a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max));
    return value;
}

std::string command_line::help() const {
    std::string out = "usage: aqhook " + command_ + " [options]\n\n" + summary_ + "\n\noptions:\n";
    for (const auto& s : specs_) {
        std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
        if (left.size() < 30)
            left.resize(30, ' ');
        else
            left += "\n" + std::string(30, ' ');
        out += left + s.help + (s.repeatable ? " (repeatable)" : "") + "\n";
    }
    out += "  --help                      show this help\n";
    return out;
}

std::string read_file_or_stdin(const std::optional<std::string>& path) {
    if (!path || *path == "-") {
        std::cin >> std::noskipws;
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    std::ifstream in(*path, std::ios::binary);
    if (!in) throw usage_error("cannot read " + *path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace aqhook
