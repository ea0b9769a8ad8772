#include "campaign/compile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

#include "campaign/suggest.h"
#include "workloads/floods/flood_kind.h"
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

// The figures a condition reads, with where each was written.
void figures_of(const Condition& c, std::vector<const Condition*>& out) {
  if (c.kind == Condition::Kind::threshold) out.push_back(&c);
  for (const Condition& child : c.children) figures_of(child, out);
}

// "no figure 'x' is measured here (did you mean 'y'?)".
std::string unknown_figure(const std::string& name, const std::vector<std::string>& metrics) {
  const std::vector<std::string_view> known(metrics.begin(), metrics.end());
  std::string message = fmt::format("no figure '{}' is measured here", name);
  if (auto near = closest_match(name, known))
    message += fmt::format(" (did you mean '{}'?)", *near);
  else
    message += fmt::format(" (figures: {})", fmt::join(known, ", "));
  return message;
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
  // `requires:` first: a host without what the campaign is for does not run it, and what else
  // it cannot do follows from that.
  for (std::size_t i = 0; i < spec.needs.size(); ++i) {
    const HostNeed& n = spec.needs[i];
    std::string why;
    if (n.name == "cgroup_v2" && !host.memory_v2)
      why = fmt::format("the memory controller is on cgroup v1 here ({})", host.memory_root);
    else if ((n.name == "ledger" || n.name == "ledger_bytes") && !host.ledger_unavailable.empty())
      why = "the RCU ledger cannot run here: " + host.ledger_unavailable;
    else if (n.name == "ledger_bytes" && !host.ledger_unsized.empty())
      why = "the RCU ledger only counts here: " + host.ledger_unsized;
    else if (n.name == "rcutorture")
      for (const auto& [type, reason] : host.workload_types_unavailable)
        if (type == "rcutorture") why = "the rcutorture module cannot be loaded: " + reason;
    if (!why.empty())
      out.unmet.push_back(Diagnostic{file_name, n.pos.line, n.pos.column,
                                     fmt::format("requires[{}] {}: {}", i, n.name, why)});
  }
  if (!out.unmet.empty()) return out;

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
      out.errors.push_back(diagnostic(fmt::format("criteria.{}.{}", key, b.metric),
                                      unknown_figure(b.metric, host.metrics)));
    }
  }
  auto check_knobs = [&](const std::vector<KnobSetting>& kernel, const std::string& prefix) {
    for (const KnobSetting& k : kernel) {
      const rcu::KnobDef* def = rcu::find_knob(k.name);
      const std::string file = def != nullptr ? fmt::format("/sys/{}", def->path) : k.name;
      if (!has(host.knobs_present, k.name))
        out.errors.push_back(diagnostic(
            prefix + "kernel." + k.name, fmt::format("this kernel has no {} (the knob is absent)", file)));
      else if (!has(host.knobs_writable, k.name))
        out.errors.push_back(diagnostic(prefix + "kernel." + k.name,
                                        fmt::format("{} is read-only on this kernel", file)));
    }
  };
  auto at_pos = [&](SourcePos pos, const std::string& path, std::string message) {
    return Diagnostic{file_name, pos.line, pos.column, fmt::format("{}: {}", path, message)};
  };
  auto check_reactions = [&](const std::vector<ReactionSpec>& reactions, const std::string& prefix) {
    for (std::size_t i = 0; i < reactions.size(); ++i) {
      const ReactionSpec& r = reactions[i];
      const std::string path = fmt::format("{}reactions[{}]", prefix, i);
      std::vector<const Condition*> figures;
      figures_of(r.when, figures);
      if (r.clear) figures_of(*r.clear, figures);
      for (const Condition* c : figures)
        if (!has(host.metrics, c->figure))
          out.errors.push_back(at_pos(c->pos, path, unknown_figure(c->figure, host.metrics)));
      for (std::size_t j = 0; j < r.actions.size(); ++j) {
        const ReactionAction& a = r.actions[j];
        const std::string where = fmt::format("{}.actions[{}]", path, j);
        using Kind = ReactionAction::Kind;
        if (a.kind == Kind::expedite && !has(host.knobs_writable, "rcu_expedited"))
          out.errors.push_back(at_pos(
              a.pos, where,
              has(host.knobs_present, "rcu_expedited")
                  ? "expedite needs /sys/kernel/rcu_expedited, which is read-only on this kernel"
                  : "expedite needs /sys/kernel/rcu_expedited, which this kernel does not have"));
        if (a.kind == Kind::barrier && !host.rcu_barrier)
          out.errors.push_back(at_pos(a.pos, where,
                                      "barrier needs a writable /sys/module/rcutree/parameters/"
                                      "do_rcu_barrier, which this kernel does not offer"));
        if (a.kind == Kind::reclaim && !host.memory_v2)
          out.errors.push_back(at_pos(
              a.pos, where,
              fmt::format("reclaim writes the cgroup v2 memory.reclaim; this host's memory "
                          "controller is on cgroup v1 ({}), which has no such file",
                          host.memory_root)));
      }
    }
  };
  for (std::size_t i = 0; i < spec.workloads.size(); ++i)
    if (const FloodSpec* f = spec.workloads[i].flood(); f != nullptr && f->kind != nullptr)
      for (const auto& [kind, why] : host.flood_kinds_unavailable)
        if (kind == f->kind->name)
          out.errors.push_back(diagnostic(fmt::format("workloads[{}].kind", i),
                                          fmt::format("{} cannot run on this host: {}", kind, why),
                                          fmt::format("workloads[{}]", i)));
  for (std::size_t i = 0; i < spec.workloads.size(); ++i) {
    const WorkloadSpec& w = spec.workloads[i];
    const std::string path = fmt::format("workloads[{}]", i);
    for (const auto& [type, why] : host.workload_types_unavailable)
      if (type == w.type_name())
        out.errors.push_back(diagnostic(path + ".type",
                                        fmt::format("{} workloads cannot run on this host: {}",
                                                    type, why),
                                        path));
    if (const FloodSpec* f = w.flood(); f && f->bursts && f->bursts->barrier && !host.rcu_barrier)
      out.errors.push_back(diagnostic(
          path + ".bursts.barrier",
          "a burst's barrier needs a writable /sys/module/rcutree/parameters/do_rcu_barrier, "
          "which this kernel does not offer (set barrier: false)",
          path + ".bursts"));
    const StressNgSpec* sn = w.stress_ng();
    if (sn == nullptr || host.stress_ng_stressors.empty()) continue;
    for (const std::string& stressor : sn->stressors())
      if (!has(host.stress_ng_stressors, stressor))
        out.errors.push_back(diagnostic(
            fmt::format("{}.stressors.{}", path, stressor),
            fmt::format("the installed stress-ng{} has no {} stressor",
                        host.stress_ng_version.empty() ? "" : " (" + host.stress_ng_version + ")",
                        stressor),
            path));
  }
  check_knobs(spec.kernel, "");
  check_reactions(spec.reactions, "");
  for (std::size_t i = 0; i < spec.variants.size(); ++i) {
    const std::string prefix = fmt::format("variants[{}].", i);
    check_knobs(spec.variants[i].kernel, prefix);
    if (spec.variants[i].reactions) check_reactions(*spec.variants[i].reactions, prefix);
  }
  if (!out.errors.empty()) return out;

  CampaignPlan plan;
  plan.spec = spec;
  plan.warnings = parsed.warnings;
  auto& trigger = plan.spec.psi_trigger;
  // The window the file left to the host: sub-second where the kernel allows it (a trigger then
  // tells of a stall within half a second rather than two), if the stall fits.
  if (trigger.window_default && host.cap_sys_resource && trigger.stall <= kSubSecondPsiWindow)
    trigger.window = kSubSecondPsiWindow;
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
  else if (spec.ledger.enabled && !host.ledger_unsized.empty())
    plan.warnings.push_back(diagnostic(
        "ledger", fmt::format("the RCU ledger only counts on this host ({}): the campaign has "
                              "rcu.pending_callbacks, rcu.invoked_per_s and rcu.krc_objects, but "
                              "no rcu.pending_bytes, rcu.freed_* or rcu.backlog_bytes",
                              host.ledger_unsized)));
  out.plan = std::move(plan);
  return out;
}

}  // namespace mt::campaign
