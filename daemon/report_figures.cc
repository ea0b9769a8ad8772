#include "daemon/report_figures.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/units.h"

#include "daemon/json_fields.h"
#include "daemon/report.h"

namespace mt::daemon {
namespace {

using Json = nlohmann::ordered_json;

// Every item of the list `key` of `j` (none when it is absent or no list).
const Json& list_of(const Json& j, const char* key) {
  static const Json none = Json::array();
  const Json* list = json_member(j, key);
  return list && list->is_array() ? *list : none;
}

// The number j[key], if there is one.
std::optional<double> number_of(const Json& j, const char* key) {
  const Json* v = json_member(j, key);
  return v ? json_as<double>(*v) : std::nullopt;
}

// The number j[key1][key2], if there is one.
std::optional<double> number_at(const Json& j, const char* key1, const char* key2) {
  const Json* outer = json_member(j, key1);
  return outer ? number_of(*outer, key2) : std::nullopt;
}

std::vector<double> metric_values(const Json& samples, const char* name) {
  std::vector<double> out;
  for (const auto& s : samples)
    if (auto v = number_at(s, "metrics", name)) out.push_back(*v);
  return out;
}

std::optional<double> psi_max(const Json& samples, const char* field) {
  std::optional<double> best;
  for (const auto& s : samples) {
    const char* which = json_member(s, "cgroup_psi") ? "cgroup_psi" : "system_psi";
    const auto v = number_at(s, which, field);
    if (!v) continue;
    best = std::max(best.value_or(*v), *v);
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

// Read with json_field() and friends: the report may be any JSON a user hands memtorturectl.
RunFigures run_figures(const Json& report) {
  RunFigures r;
  r.verdict = state_from_verdict(json_field(report, "verdict", std::string("error")));
  r.reason = json_field(report, "reason", std::string());
  const Json& samples = list_of(report, "samples");
  r.oom_kills = json_field(report, "oom_kills", 0.0);
  r.min_headroom_bytes = number_at(report, "memory", "min_headroom_bytes");
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
  static const Json no_parts = Json::object();
  const Json* found_parts = json_member(report, "parts");
  const Json& parts = found_parts ? *found_parts : no_parts;
  if (const Json* reactions = json_member(parts, "reactions"))
    r.reactions_fired = static_cast<double>(list_of(*reactions, "firings").size());
  for (const auto& w : list_of(report, "workloads"))
    if (json_field(w, "type", std::string()) == "flood")
      r.flood_ops_per_s = r.flood_ops_per_s.value_or(0) + json_field(w, "ops_per_s", 0.0);
  std::vector<double> backlogs;
  if (const Json* ledger = json_member(parts, "ledger"))
    for (const auto& b : list_of(*ledger, "backlogs"))
      if (auto bytes = number_of(b, "bytes")) backlogs.push_back(*bytes);
  r.backlog_p50_bytes = percentile(backlogs, 0.5);
  r.lowest_oom_eta_s = number_at(parts, "oom_proximity", "lowest_eta_s");
  return r;
}

}  // namespace mt::daemon
