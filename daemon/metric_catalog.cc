#include "daemon/metric_catalog.h"

#include <algorithm>

#include "daemon/parts/gp_probe_part.h"
#include "daemon/parts/ledger_part.h"
#include "daemon/parts/oom_proximity_part.h"
#include "daemon/parts/rcu_stall_part.h"
#include "daemon/parts/reactions_part.h"

namespace mt::daemon {
namespace {

struct CoreFigure {
  MetricDef def;
  std::optional<double> (*read)(const Sample& s, bool& from_system_psi);
};

template <class T>
std::optional<double> psi(const Sample& s, bool& from_system_psi, T PsiFigures::*field) {
  const auto& p = s.cgroup_psi ? s.cgroup_psi : s.system_psi;
  if (!p) return std::nullopt;
  from_system_psi = !s.cgroup_psi;
  return static_cast<double>((*p).*field);
}

std::optional<double> only_psi(const std::optional<PsiFigures>& p, double PsiFigures::*field) {
  if (!p) return std::nullopt;
  return (*p).*field;
}

std::optional<double> of_limit(const Sample& s, double value) {
  if (s.limit_bytes == 0) return std::nullopt;
  return value / static_cast<double>(s.limit_bytes);
}

const std::vector<CoreFigure>& core() {
  static const std::vector<CoreFigure> figures = {
      {{"usage_bytes", "bytes", "the campaign cgroup's memory usage"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.usage_bytes; }},
      {{"limit_bytes", "bytes", "the campaign cgroup's memory limit"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.limit_bytes; }},
      {{"headroom_bytes", "bytes",
        "limit - usage, or limit - the kernel's peak since the last sample when that is lower"},
       [](const Sample& s, bool&) -> std::optional<double> { return lowest_headroom(s); }},
      {{"peak_bytes", "bytes", "the kernel's high-water mark of usage (0 where none is kept)"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.peak_bytes; }},
      {{"kernel_bytes", "bytes", "kernel memory charged to the cgroup (slab, stacks, ...)"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.kernel_bytes; }},
      {{"oom_kills", "", "OOM kills in the campaign cgroup so far"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.oom_kills; }},
      {{"failcnt", "", "times usage hit the limit so far"},
       [](const Sample& s, bool&) -> std::optional<double> { return s.failcnt; }},
      {{"psi.some_avg10", "%",
        "memory pressure 'some' avg10: the cgroup's, else the system's (said in the criterion)"},
       [](const Sample& s, bool& sys) { return psi(s, sys, &PsiFigures::some_avg10); }},
      {{"psi.full_avg10", "%",
        "memory pressure 'full' avg10: the cgroup's, else the system's (said in the criterion)"},
       [](const Sample& s, bool& sys) { return psi(s, sys, &PsiFigures::full_avg10); }},
      {{"psi.some_stall_us", "us",
        "memory 'some' stall since the last sample (the cgroup's, else the system's)"},
       [](const Sample& s, bool& sys) { return psi(s, sys, &PsiFigures::some_stall_delta_us); }},
      {{"psi.full_stall_us", "us",
        "memory 'full' stall since the last sample (the cgroup's, else the system's)"},
       [](const Sample& s, bool& sys) { return psi(s, sys, &PsiFigures::full_stall_delta_us); }},
      {{"psi.system.some_avg10", "%", "the system's memory pressure 'some' avg10"},
       [](const Sample& s, bool&) { return only_psi(s.system_psi, &PsiFigures::some_avg10); }},
      {{"psi.system.full_avg10", "%", "the system's memory pressure 'full' avg10"},
       [](const Sample& s, bool&) { return only_psi(s.system_psi, &PsiFigures::full_avg10); }},
      {{"psi.cgroup.some_avg10", "%", "the campaign cgroup's memory pressure 'some' avg10 only"},
       [](const Sample& s, bool&) { return only_psi(s.cgroup_psi, &PsiFigures::some_avg10); }},
      {{"psi.cgroup.full_avg10", "%", "the campaign cgroup's memory pressure 'full' avg10 only"},
       [](const Sample& s, bool&) { return only_psi(s.cgroup_psi, &PsiFigures::full_avg10); }},
      {{"usage_fraction", "", "usage / limit (0..1)"},
       [](const Sample& s, bool&) { return of_limit(s, static_cast<double>(s.usage_bytes)); }},
      {{"headroom_fraction", "", "headroom_bytes / limit (0..1; below 0 past the limit)"},
       [](const Sample& s, bool&) { return of_limit(s, static_cast<double>(lowest_headroom(s))); }},
  };
  return figures;
}

}  // namespace

const std::vector<MetricDef>& core_metrics() {
  static const std::vector<MetricDef> defs = [] {
    std::vector<MetricDef> out;
    for (const auto& f : core()) out.push_back(f.def);
    return out;
  }();
  return defs;
}

std::vector<MetricDef> all_metrics() {
  std::vector<MetricDef> out = core_metrics();
  for (auto& m : GpProbePart::declared()) out.push_back(std::move(m));
  for (auto& m : LedgerPart::declared()) out.push_back(std::move(m));
  for (auto& m : RcuStallPart::declared()) out.push_back(std::move(m));
  for (auto& m : OomProximityPart::declared()) out.push_back(std::move(m));
  for (auto& m : ReactionsPart::declared()) out.push_back(std::move(m));
  return out;
}

std::vector<std::string> all_metric_names() {
  std::vector<std::string> names;
  for (const auto& m : all_metrics()) names.push_back(m.name);
  return names;
}

const MetricDef* find_metric(const std::vector<MetricDef>& defs, std::string_view name) {
  const auto it =
      std::find_if(defs.begin(), defs.end(), [name](const MetricDef& d) { return d.name == name; });
  return it == defs.end() ? nullptr : &*it;
}

std::optional<double> figure_by_name(std::string_view name, const Sample& s,
                                     bool* from_system_psi) {
  for (const auto& f : core()) {
    if (f.def.name != name) continue;
    bool system = false;
    auto v = f.read(s, system);
    if (from_system_psi != nullptr) *from_system_psi = v && system;
    return v;
  }
  if (from_system_psi != nullptr) *from_system_psi = false;
  const auto it = s.metrics.find(std::string(name));
  if (it == s.metrics.end()) return std::nullopt;
  return it->second;
}

}  // namespace mt::daemon
