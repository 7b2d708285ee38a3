// Rendering a realistic request template against the sample incident, compiled once, next to
// Handlebars.js doing the same in the same run (tests/bench/handlebars_js_bench.js).
#include <allquiet/webhook/request_rendering.hpp>

#include "ratio_reporter.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace aq = allquiet::webhook;

namespace {

const std::string bench_dir = ALLQUIET_BENCH_DIR;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const boost::json::value& context() {
    static const boost::json::value value =
        aq::template_context(aq::parse_incident(slurp(ALLQUIET_SAMPLE_INCIDENT)).value());
    return value;
}

void sdk_render(benchmark::State& state) {
    const auto compiled =
        aq::handlebars_template::compile(slurp(bench_dir + "/request-template.hbs")).value();
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto text = compiled.render(context());
        bytes += text->size();
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void sdk_render_and_parse(benchmark::State& state) {
    const auto compiled =
        aq::handlebars_template::compile(slurp(bench_dir + "/request-template.hbs")).value();
    for (auto _ : state)
        benchmark::DoNotOptimize(aq::render_request(compiled, context()));
}

/// Handlebars.js's time per render, from the Node script; 0 when Node or the package is missing.
double handlebars_js_ns() {
    const std::string context_path = "/tmp/aqhook-bench-context.json";
    std::ofstream(context_path) << boost::json::serialize(context());
    const std::string command = "node " + bench_dir + "/handlebars_js_bench.js " + bench_dir +
                                "/request-template.hbs " + context_path + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    double ns = 0;
    if (pipe) {
        char line[256] = {};
        if (std::fgets(line, sizeof line, pipe)) std::sscanf(line, "ns_per_render %lf", &ns);
        pclose(pipe);
    }
    std::remove(context_path.c_str());
    return ns;
}

} // namespace

BENCHMARK(sdk_render);
BENCHMARK(sdk_render_and_parse);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    bench::recording_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    const double js = handlebars_js_ns();
    const auto& times = reporter.times();
    const auto ours = times.find("sdk_render");
    if (js <= 0 || ours == times.end()) {
        std::printf("\nHandlebars.js baseline unavailable (needs node and tests/handlebars/node_modules)\n");
        return 0;
    }
    std::printf("\n%-28s %12s %12s %8s %6s\n", "renders of the request template", "SDK ns", "Handlebars.js",
                "ratio", "goal");
    const double ratio = js / ours->second;
    std::printf("%-28s %12.1f %12.1f %7.2fx %5.2fx  %s\n", "sdk_render vs compiled JS", ours->second, js,
                ratio, 3.0, ratio >= 3.0 ? "met" : "NOT MET");
    return 0;
}
