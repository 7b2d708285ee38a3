// Templates: compile anything, render what compiles against an incident, within small limits.
#include <allquiet/webhook/handlebars.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>

namespace aq = allquiet::webhook;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const boost::json::value context = boost::json::parse(
        R"({"id": "i", "title": "RAM > 60%", "n": 0, "t": true, "arr": [1, "two", null, {"k": "v"}, [3]],
            "events": [{"status": "Open", "modification": {"intent": "Created"}}], "obj": {"a": {"b": 1}}})");
    const auto compiled =
        aq::handlebars_template::compile(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!compiled) return 0;
    aq::render_options options;
    options.max_output = 1 << 16;
    options.max_depth = 32;
    (void)compiled->render(context, options);
    options.strict = true;
    (void)compiled->render(context, options);
    return 0;
}
