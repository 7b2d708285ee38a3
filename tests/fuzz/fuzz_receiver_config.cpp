// The receiver's configuration loader fed anything. Property: what it accepts, it accepts again
// in the redacted form GET /_aqhook/config shows (secrets replaced, everything else kept).
#include "receiver_config.hpp"

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto config = aqhook::parse_receiver_config(input);
    if (!config) return 0;
    if (!aqhook::parse_receiver_config(boost::json::serialize(aqhook::redacted(**config))))
        std::abort();
    return 0;
}
