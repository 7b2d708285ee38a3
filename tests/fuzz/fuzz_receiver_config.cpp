// The receiver's configuration loader fed anything. Properties: a document that reads compiles
// (every check a document can fail is made as it is read), it reads back from its own document
// (`to_json`) as the same configuration, and the redacted form GET /_aqhook/config shows (secrets
// replaced, everything else kept) loads too.
#include "receiver_config.hpp"

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace aq = allquiet::webhook;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto model = aq::parse_mock_config(input);
    if (!model) return 0;
    const auto config = aqhook::compile_receiver_config(*model);
    if (!config) std::abort();
    const auto reread = aq::parse_mock_config(boost::json::serialize(aq::to_json(*model)));
    if (!reread || *reread != *model) std::abort();
    if (!aqhook::parse_receiver_config(boost::json::serialize(aqhook::redacted(**config)))) std::abort();
    return 0;
}
