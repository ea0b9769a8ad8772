// `memtorturectl compare A B`: did B get worse than A? Two report.json files of the same campaign
// (last night's and tonight's), their headline figures (daemon/report_figures.h) side by side,
// each with its change and a verdict against a threshold. A campaign with variants compares
// variant by variant, each figure by its median over the repeats; where the two runs' ranges
// overlap, a change beyond the threshold is "within spread", not a regression. Pure: the
// command reads the files and prints what this returns.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace mt::client {

// How much a figure may move the wrong way before it is a regression: a relative change in
// percent (-20: a drop of more than 20% regresses a figure where higher is better), or for
// counts an absolute one (+0: any increase of OOM kills).
struct Threshold {
  double limit = 0;
  bool relative = true;
};

// The figures compared, by key, with their default thresholds.
const std::map<std::string, Threshold>& default_thresholds();
// "rcu_freed_bytes_per_s=-30%", "oom_kills=+1": the key must be one of the figures.
Result<std::pair<std::string, Threshold>> parse_threshold(const std::string& text);

struct FigureComparison {
  std::string scope;  // "" for the campaign, else the variant's name
  std::string key;
  std::optional<double> a, b;              // medians (single runs: the value)
  std::optional<double> a_min, a_max, b_min, b_max;
  std::string change;   // "-23.1%", "+2", "" when a side is missing
  std::string verdict;  // "ok", "better", "regressed", "within spread", "-"
};

struct ReportComparison {
  std::string campaign;
  std::string verdict_a, verdict_b;
  std::vector<FigureComparison> figures;
  std::vector<std::string> regressions;  // one line each: "rcu_freed_bytes_per_s: -31% (limit -20%)"
};

// An error names what is wrong with which side ("B: not a memtorture report (no verdict)").
Result<ReportComparison> compare_reports(const nlohmann::ordered_json& a,
                                         const nlohmann::ordered_json& b,
                                         const std::map<std::string, Threshold>& thresholds);

std::string comparison_text(const ReportComparison& c);

}  // namespace mt::client
