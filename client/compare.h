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

#include "campaign/regression.h"
#include "common/result.h"

namespace mt::client {

using Threshold = campaign::Threshold;

// The thresholds in force: each figure's default (campaign/regression.h), over it the campaign's
// own `regression:` (from B's normalized campaign in its report), over that the command line's.
const std::map<std::string, Threshold>& default_thresholds();
// "rcu_freed_bytes_per_s=-30%", "oom_kills=+1": the key must be one of the figures.
Result<std::pair<std::string, Threshold>> parse_threshold(const std::string& text);
// The defaults with `report`'s campaign's `regression:` over them; an error names the report.
Result<std::map<std::string, Threshold>> thresholds_of(const nlohmann::ordered_json& report);

struct FigureComparison {
  std::string scope;  // "" for the campaign, else the variant's name
  std::string key;
  std::optional<double> a = {}, b = {};  // medians (single runs: the value)
  std::optional<double> a_min = {}, a_max = {}, b_min = {}, b_max = {};
  std::string change = {};   // "-23.1%", "+2", "" when a side is missing
  std::string verdict = {};  // "ok", "better", "regressed", "within spread", "-"
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
