#include "daemon/parts/workload_rate_part.h"

#include <fmt/format.h>

#include <set>

namespace mt::daemon {

namespace {

std::string metric_word(const std::string& workload) {
  std::string word;
  for (char c : workload) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    word += (c == '-' || c == '.') ? '_' : c;
  }
  return word;
}

}  // namespace

std::string WorkloadRatePart::metric_name(const std::string& workload) {
  return "workload." + metric_word(workload) + ".ops_per_s";
}

WorkloadRatePart::WorkloadRatePart(std::vector<std::string> workloads) {
  std::set<std::string> taken;
  for (auto& w : workloads) {
    std::string metric = metric_name(w);
    // "a-b" and "a_b" would share a figure: the second gets a suffix.
    for (int n = 2; taken.contains(metric); ++n)
      metric = fmt::format("workload.{}_{}.ops_per_s", metric_word(w), n);
    taken.insert(metric);
    seen_[std::move(w)].metric = std::move(metric);
  }
}

std::vector<MetricDef> WorkloadRatePart::metrics() const {
  std::vector<MetricDef> out;
  for (const auto& [name, seen] : seen_)
    out.push_back({seen.metric, "1/s",
                   fmt::format("operations per second of workload {} over the last sample "
                               "interval (its worker's counters)",
                               name),
                   fmt::format("{} ops/s", name), /*absent_is_fine=*/true});
  return out;
}

Status WorkloadRatePart::measure(Sample& s, PartContext& cx) {
  if (!cx.workload_ops) return {};
  for (auto& [name, seen] : seen_) {
    const auto ops = cx.workload_ops(name);
    if (ops && seen.ops && *ops >= *seen.ops && s.t_s > seen.t_s)
      s.metrics[seen.metric] = static_cast<double>(*ops - *seen.ops) / (s.t_s - seen.t_s);
    seen.ops = ops;
    seen.t_s = s.t_s;
  }
  return {};
}

}  // namespace mt::daemon
