// The receiver's JSON probe: for any text and pointers, the values it finds are those of the
// parsed tree, and it reads as JSON exactly the texts the SDK's parser accepts.
#include "json_probe.hpp"

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>

namespace {

/// The tree's value at a parsed pointer, as RFC 6901 reads it.
const boost::json::value* find(const boost::json::value& root, const aqhook::json_pointer& pointer) {
    const boost::json::value* at = &root;
    for (const auto& token : pointer.tokens) {
        if (const auto* object = at->if_object())
            at = object->if_contains(token.key);
        else if (const auto* array = at->if_array())
            at = token.index && *token.index < array->size() ? &(*array)[*token.index] : nullptr;
        else
            at = nullptr;
        if (!at) return nullptr;
    }
    return at;
}

} // namespace

// Input: pointers, one per line, then an empty line, then the document.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find("\n\n");
    std::string_view pointer_lines = split == input.npos ? std::string_view() : input.substr(0, split);
    const std::string_view document = split == input.npos ? input : input.substr(split + 2);

    aqhook::json_probe probe;
    std::vector<std::pair<aqhook::json_pointer, std::size_t>> pointers;
    while (!pointer_lines.empty()) {
        const auto line = pointer_lines.substr(0, pointer_lines.find('\n'));
        pointer_lines.remove_prefix(std::min(pointer_lines.size(), line.size() + 1));
        if (auto pointer = aqhook::json_pointer::parse(line)) {
            const auto slot = probe.add(*pointer);
            pointers.emplace_back(std::move(*pointer), slot);
        }
    }

    boost::json::monotonic_resource arena;
    const auto probed = probe.read(document, &arena);
    const auto tree = allquiet::webhook::detail::parse_json_text(document);
    if (probed.has_value() != tree.has_value()) std::abort();
    if (!tree) return 0;
    for (const auto& [pointer, slot] : pointers) {
        const auto* expected = find(*tree, pointer);
        const auto& got = (*probed)[slot];
        if (got.has_value() != (expected != nullptr)) std::abort();
        // Compared as text too: Boost.JSON 1.81 reads 0e400 as NaN, which equals nothing.
        if (got && *got != *expected && boost::json::serialize(*got) != boost::json::serialize(*expected))
            std::abort();
    }
    return 0;
}
