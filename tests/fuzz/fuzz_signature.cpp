// Verification of arbitrary headers and bodies: never crashes, never accepts a forgery.
#include <allquiet/webhook/signature.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace aq = allquiet::webhook;

// Input: "name: value" lines, an empty line, then the body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const aq::verifier verifier = [] {
        aq::verifier_options options;
        options.secrets = {"fuzz-secret"};
        options.clock = [] { return aq::timestamp::parse("2026-01-01T00:00:00.000Z").value().instant(); };
        return aq::verifier(options);
    }();
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find("\n\n");
    const std::string_view head = input.substr(0, split);
    const std::string_view body =
        split == std::string_view::npos ? std::string_view() : input.substr(split + 2);
    std::vector<aq::header_field> headers;
    for (std::size_t start = 0; start < head.size();) {
        const auto end = std::min(head.find('\n', start), head.size());
        const auto line = head.substr(start, end - start);
        const auto colon = line.find(": ");
        if (colon != std::string_view::npos)
            headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))});
        start = end + 1;
    }
    const auto result = verifier.check(headers, body);
    // A valid result must be a signature the secret really makes.
    if (result.valid()) {
        std::string_view sig, stamp;
        for (const auto& h : headers) { // the first of each name, as the verifier reads them
            if (sig.empty() && aq::detail::iequals(h.name, aq::signature_header_name(*result.method)))
                sig = h.value;
            if (stamp.empty() && aq::detail::iequals(h.name, aq::timestamp_header_name(*result.method)))
                stamp = h.value;
        }
        if (aq::compute_signature("fuzz-secret", stamp, body) != sig) std::abort();
    }
    return 0;
}
