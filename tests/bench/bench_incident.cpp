// Reading incidents into the typed model next to a bare Boost.JSON parse and nlohmann::json of
// the same bytes, for the sample incident (/0) and a large one (/1: 200 events, 100 attributes);
// then patch parsing and application.
#include <allquiet/webhook/patch.hpp>

#include "ratio_reporter.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace aq = allquiet::webhook;
namespace json = boost::json;

namespace {

std::string sample_text() {
    std::ifstream in(ALLQUIET_SAMPLE_INCIDENT, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The sample incident grown to 200 events and 100 attributes.
std::string large_text() {
    auto incident = json::parse(sample_text()).as_object();
    auto& events = incident["events"].as_array();
    const json::value event = events.at(0);
    events.clear();
    for (int i = 0; i < 200; ++i) {
        auto e = event;
        e.as_object()["message"] = "event " + std::to_string(i);
        e.at("modification").as_object()["timestamp"] =
            aq::timestamp(aq::time_point(std::chrono::seconds(1'700'000'000 - i))).text();
        events.push_back(std::move(e));
    }
    auto& attributes = incident["attributes"].as_array();
    attributes.clear();
    for (int i = 0; i < 100; ++i)
        attributes.push_back(json::object{{"name", "Attribute " + std::to_string(i)},
                                          {"value", "value " + std::to_string(i)},
                                          {"isImage", false},
                                          {"isGroupingKey", i == 0},
                                          {"hideInPreviews", false}});
    return json::serialize(incident);
}

const std::string& text(std::int64_t which) {
    static const std::string texts[] = {sample_text(), large_text()};
    return texts[which];
}

void boost_json_parse(benchmark::State& state) {
    const auto& t = text(state.range(0));
    for (auto _ : state)
        benchmark::DoNotOptimize(json::parse(t));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
}

void nlohmann_parse(benchmark::State& state) {
    const auto& t = text(state.range(0));
    for (auto _ : state)
        benchmark::DoNotOptimize(nlohmann::json::parse(t));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
}

void sdk_parse_incident(benchmark::State& state) {
    const auto& t = text(state.range(0));
    for (auto _ : state) {
        auto incident = aq::parse_incident(t);
        if (!incident) state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(incident);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
}

const char* patch_text = R"({"operations":{"appendIntent":{"intent":"Resolved","message":"fixed"},
    "upsertAttributes":{"attributes":[{"name":"Ticket","value":"OPS-1"}]}}})";

void sdk_parse_patch(benchmark::State& state) {
    for (auto _ : state)
        benchmark::DoNotOptimize(aq::parse_patch(patch_text));
}

void sdk_apply_patch(benchmark::State& state) {
    const auto incident = aq::parse_incident(text(state.range(0))).value();
    const auto patch = aq::parse_patch(patch_text).value();
    aq::apply_options options;
    options.clock = [] { return aq::time_point(std::chrono::seconds(1'800'000'000)); };
    for (auto _ : state)
        benchmark::DoNotOptimize(aq::apply_patch(incident, patch, options));
}

} // namespace

BENCHMARK(boost_json_parse)->Arg(0)->Arg(1);
BENCHMARK(nlohmann_parse)->Arg(0)->Arg(1);
BENCHMARK(sdk_parse_incident)->Arg(0)->Arg(1);
BENCHMARK(sdk_parse_patch);
BENCHMARK(sdk_apply_patch)->Arg(0)->Arg(1);

int main(int argc, char** argv) {
    return bench::run_with_ratios(
        argc, argv,
        {{"sdk_parse_incident", "boost_json_parse", 0.5}, {"sdk_parse_incident", "nlohmann_parse", 2.0}});
}
