// Google Benchmark main that prints, after the usual table, each benchmark's throughput next
// to its baseline measured in the same run: the machines are noisy, ratios are the result.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bench {

/// "candidate/ARG" compared with "baseline/ARG": ratio = baseline time / candidate time, so
/// above 1 means the candidate is faster.
struct comparison {
    std::string candidate;
    std::string baseline;
    double goal; ///< the ratio the project aims for
};

class recording_reporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs)
            if (!run.error_occurred) times_[run.benchmark_name()] = run.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }

    const std::map<std::string, double>& times() const { return times_; }

  private:
    std::map<std::string, double> times_;
};

/// Runs the registered benchmarks and prints the ratios; exit code 0 (goals are reported, not
/// enforced: a noisy machine must not fail a build).
inline int run_with_ratios(int argc, char** argv, const std::vector<comparison>& comparisons) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    recording_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::printf("\n%-28s %-28s %12s %12s %8s %6s  %s\n", "candidate", "baseline", "cand. ns", "base ns",
                "ratio", "goal", "");
    for (const auto& c : comparisons) {
        for (const auto& [name, time] : reporter.times()) {
            if (name.rfind(c.candidate + "/", 0) != 0 && name != c.candidate) continue;
            const std::string suffix = name.substr(c.candidate.size());
            const auto base = reporter.times().find(c.baseline + suffix);
            if (base == reporter.times().end()) continue;
            const double ratio = base->second / time;
            std::printf("%-28s %-28s %12.1f %12.1f %7.2fx %5.2fx  %s\n", name.c_str(), base->first.c_str(),
                        time, base->second, ratio, c.goal, ratio >= c.goal ? "met" : "NOT MET");
        }
    }
    return 0;
}

} // namespace bench
