#include "campaign/compile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

#include "campaign/suggest.h"
#include "rcu/knobs.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

// Where `path`'s value stood, else where `fallback` did, else the start of the file.
SourcePos at(const ParseResult& parsed, std::string_view path, std::string_view fallback = "") {
  if (auto it = parsed.positions.find(path); it != parsed.positions.end()) return it->second;
  if (auto it = parsed.positions.find(fallback); it != parsed.positions.end()) return it->second;
  return {1, 1};
}

}  // namespace

CompileResult compile(const ParseResult& parsed, const HostFeatures& host,
                      const std::string& file_name) {
  CompileResult out;
  if (!parsed.ok()) {
    out.errors = parsed.errors;
    return out;
  }
  const CampaignSpec& spec = *parsed.spec;
  auto diagnostic = [&](std::string_view path, std::string message, std::string_view fallback = "") {
    const SourcePos pos = at(parsed, path, fallback);
    return Diagnostic{file_name, pos.line, pos.column,
                      fmt::format("{}: {}", path, std::move(message))};
  };

  if (spec.cgroup.memory_high && !host.memory_v2)
    out.errors.push_back(diagnostic(
        "cgroup.memory_high",
        fmt::format("needs the cgroup v2 memory controller; this host has it on v1 ({})",
                    host.memory_root)));
  const auto has = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (const auto& [key, bounds] :
       {std::pair{"max", &spec.criteria.max}, std::pair{"min", &spec.criteria.min}}) {
    for (const MetricBound& b : *bounds) {
      if (has(host.metrics, b.metric)) continue;
      const std::vector<std::string_view> known(host.metrics.begin(), host.metrics.end());
      std::string message = fmt::format("no figure '{}' is measured here", b.metric);
      if (auto near = closest_match(b.metric, known))
        message += fmt::format(" (did you mean '{}'?)", *near);
      else
        message += fmt::format(" (figures: {})", fmt::join(known, ", "));
      out.errors.push_back(
          diagnostic(fmt::format("criteria.{}.{}", key, b.metric), std::move(message)));
    }
  }
  for (const KnobSetting& k : spec.kernel) {
    const rcu::KnobDef* def = rcu::find_knob(k.name);
    const std::string file = def != nullptr ? fmt::format("/sys/{}", def->path) : k.name;
    if (!has(host.knobs_present, k.name))
      out.errors.push_back(diagnostic("kernel." + k.name,
                                      fmt::format("this kernel has no {} (the knob is absent)", file)));
    else if (!has(host.knobs_writable, k.name))
      out.errors.push_back(diagnostic(
          "kernel." + k.name, fmt::format("{} is read-only on this kernel", file)));
  }
  if (!out.errors.empty()) return out;

  CampaignPlan plan;
  plan.spec = spec;
  plan.warnings = parsed.warnings;
  const auto& trigger = spec.psi_trigger;
  if (trigger.enabled && !host.per_cgroup_psi) {
    plan.warnings.push_back(diagnostic(
        "psi_trigger",
        "this host has no per-cgroup PSI: the trigger is not armed, and PSI criteria use the "
        "system's pressure",
        "psi_trigger.enabled"));
  } else if (trigger.enabled && !host.cap_sys_resource && trigger.window % 2s != 0ms) {
    plan.warnings.push_back(diagnostic(
        "psi_trigger.window",
        fmt::format("without CAP_SYS_RESOURCE the kernel takes only windows of whole 2 s (this "
                    "daemon lacks it): it will refuse this trigger, and the campaign runs on "
                    "sampled stall alone")));
  }
  if (spec.ledger.enabled && !host.ledger_unavailable.empty())
    plan.warnings.push_back(diagnostic(
        "ledger", fmt::format("the RCU ledger cannot run on this host ({}): the campaign runs "
                              "without its rcu.* figures",
                              host.ledger_unavailable)));
  out.plan = std::move(plan);
  return out;
}

}  // namespace mt::campaign
