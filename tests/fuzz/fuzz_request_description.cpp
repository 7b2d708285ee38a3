// Request descriptions: what parses also builds into an HTTP request.
#include <allquiet/webhook/request_template.hpp>

#include <cstdint>
#include <cstdlib>

namespace aq = allquiet::webhook;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed =
        aq::parse_request_description(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed) return 0;
    if (!aq::build_http_request(*parsed)) std::abort();
    (void)aq::to_json(*parsed);
    return 0;
}
