// Incident parsing: never crashes; what parses writes back and parses to the same JSON.
// (Compared with Boost.JSON's own reading of the written text: Boost 1.81 may move a double by
// one unit in the last place when it reads it back, and that is not the SDK's doing.)
#include <allquiet/webhook/incident.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>

namespace aq = allquiet::webhook;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed = aq::parse_incident(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed) return 0;
    const auto text = boost::json::serialize(aq::to_json(*parsed));
    const auto again = aq::parse_incident(text);
    if (!again || aq::to_json(*again) != boost::json::parse(text)) std::abort();
    return 0;
}
