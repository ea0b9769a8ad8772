#include "daemon/report_figures.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/units.h"

#include "daemon/report.h"

namespace mt::daemon {
namespace {

using Json = nlohmann::ordered_json;

std::vector<double> metric_values(const Json& samples, const char* name) {
  std::vector<double> out;
  for (const auto& s : samples)
    if (s.contains("metrics") && s["metrics"].contains(name)) out.push_back(s["metrics"][name].get<double>());
  return out;
}

std::optional<double> psi_max(const Json& samples, const char* field) {
  std::optional<double> best;
  for (const auto& s : samples) {
    const char* which = s.contains("cgroup_psi") ? "cgroup_psi" : "system_psi";
    if (!s.contains(which) || !s[which].contains(field)) continue;
    const double v = s[which][field].get<double>();
    best = std::max(best.value_or(v), v);
  }
  return best;
}

}  // namespace

std::string figure_text(double v, FigureUnit unit) {
  switch (unit) {
    case FigureUnit::count:
      return fmt::format("{:g}", v);
    case FigureUnit::bytes:
      return human_bytes(v);
    case FigureUnit::bytes_per_s:
      return human_bytes(v) + "/s";
    case FigureUnit::percent:
      return fmt::format("{:.1f}%", v);
    case FigureUnit::us:
      return v >= 1000 ? fmt::format("{:.1f}ms", v / 1000) : fmt::format("{:.0f}us", v);
    case FigureUnit::seconds:
      return fmt::format("{:.1f}s", v);
    case FigureUnit::ops_per_s:
      return human_count(v) + "/s";
  }
  return "?";
}

std::optional<double> percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

RunFigures run_figures(const Json& report) {
  RunFigures r;
  r.verdict = state_from_verdict(report.value("verdict", std::string("error")));
  r.reason = report.value("reason", std::string());
  const Json samples = report.value("samples", Json::array());
  r.oom_kills = report.value("oom_kills", 0.0);
  if (report.contains("memory") && report["memory"].contains("min_headroom_bytes") &&
      report["memory"]["min_headroom_bytes"].is_number())
    r.min_headroom_bytes = report["memory"]["min_headroom_bytes"].get<double>();
  r.psi_some_max = psi_max(samples, "some_avg10");
  r.psi_full_max = psi_max(samples, "full_avg10");
  const auto freed = metric_values(samples, "rcu.freed_bytes_per_s");
  r.freed_p50 = percentile(freed, 0.5);
  r.freed_max = percentile(freed, 1.0);
  const auto waiting = metric_values(samples, "rcu.pending_bytes");
  r.waiting_p50 = percentile(waiting, 0.5);
  r.waiting_max = percentile(waiting, 1.0);
  const auto gp = metric_values(samples, "rcu.gp_latency_us");
  r.gp_p50 = percentile(gp, 0.5);
  r.gp_p99 = percentile(gp, 0.99);
  const Json parts = report.value("parts", Json::object());
  if (parts.contains("reactions"))
    r.reactions_fired = static_cast<double>(parts["reactions"].value("firings", Json::array()).size());
  for (const auto& w : report.value("workloads", Json::array()))
    if (w.value("type", std::string()) == "flood")
      r.flood_ops_per_s = r.flood_ops_per_s.value_or(0) + w.value("ops_per_s", 0.0);
  std::vector<double> backlogs;
  if (parts.contains("ledger"))
    for (const auto& b : parts["ledger"].value("backlogs", Json::array()))
      if (b.contains("bytes") && b["bytes"].is_number()) backlogs.push_back(b["bytes"].get<double>());
  r.backlog_p50_bytes = percentile(backlogs, 0.5);
  if (parts.contains("oom_proximity") && parts["oom_proximity"].contains("lowest_eta_s") &&
      parts["oom_proximity"]["lowest_eta_s"].is_number())
    r.lowest_oom_eta_s = parts["oom_proximity"]["lowest_eta_s"].get<double>();
  return r;
}

}  // namespace mt::daemon
