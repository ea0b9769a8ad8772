// to_yaml(): the normalized campaign file, written so that parse_campaign() reads it back equal.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "campaign/parse.h"
#include "campaign/reactions.h"
#include "campaign/variants.h"
#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

// Shortest text that reads back as the same double ("12.5", "0.1", "1e-05").
std::string number_to_string(double x) {
  return fmt::format("{}", x);
}

void emit_workload(YAML::Emitter& out, const WorkloadSpec& w) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << w.name;
  const WorkloadType& type = type_of(w);
  out << YAML::Key << "type" << YAML::Value << std::string(type.name);
  type.emit(out, w);
  out << YAML::Key << "start_after" << YAML::Value << duration_to_string(w.start_after);
  out << YAML::EndMap;
}

void emit_criteria(YAML::Emitter& out, const Criteria& c) {
  if (!c.max_oom_kills && !c.max_psi_some_avg10 && !c.max_psi_full_avg10 && !c.min_headroom &&
      !c.min_oom_eta_s && c.max.empty() && c.min.empty())
    return;
  out << YAML::Key << "criteria" << YAML::Value << YAML::BeginMap;
  if (c.max_oom_kills) out << YAML::Key << "max_oom_kills" << YAML::Value << *c.max_oom_kills;
  if (c.max_psi_some_avg10)
    out << YAML::Key << "max_psi_some_avg10" << YAML::Value
        << number_to_string(*c.max_psi_some_avg10);
  if (c.max_psi_full_avg10)
    out << YAML::Key << "max_psi_full_avg10" << YAML::Value
        << number_to_string(*c.max_psi_full_avg10);
  if (c.min_headroom)
    out << YAML::Key << "min_headroom" << YAML::Value << size_to_string(*c.min_headroom);
  if (c.min_oom_eta_s)
    out << YAML::Key << "min_oom_eta_s" << YAML::Value << number_to_string(*c.min_oom_eta_s);
  for (const auto& [key, bounds] : {std::pair{"max", &c.max}, std::pair{"min", &c.min}}) {
    if (bounds->empty()) continue;
    out << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const MetricBound& b : *bounds)
      out << YAML::Key << b.metric << YAML::Value << number_to_string(b.limit);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_psi_trigger(YAML::Emitter& out, const PsiTriggerSpec& t) {
  out << YAML::Key << "psi_trigger" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << t.enabled;
  out << YAML::Key << "kind" << YAML::Value << std::string(to_string(t.kind));
  out << YAML::Key << "stall" << YAML::Value << duration_to_string(t.stall);
  if (!t.window_default)
    out << YAML::Key << "window" << YAML::Value << duration_to_string(t.window);
  out << YAML::EndMap;
}

std::string interval_or_off(std::chrono::milliseconds d) {
  return d.count() == 0 ? std::string("off") : duration_to_string(d);
}

void emit_ledger(YAML::Emitter& out, const LedgerSpec& l) {
  out << YAML::Key << "ledger" << YAML::Value;
  if (!l.enabled) {
    out << "off";
    return;
  }
  out << YAML::BeginMap;
  out << YAML::Key << "freed" << YAML::Value << l.freed;
  out << YAML::Key << "walk_interval" << YAML::Value << interval_or_off(l.walk_interval);
  out << YAML::Key << "backlog_interval" << YAML::Value << interval_or_off(l.backlog_interval);
  out << YAML::Key << "pause_floods" << YAML::Value << l.pause_floods;
  out << YAML::EndMap;
}

}  // namespace

std::string workload_to_yaml(const WorkloadSpec& w) {
  YAML::Emitter out;
  out << YAML::Flow;
  emit_workload(out, w);
  return out.c_str();
}

std::string to_yaml(const CampaignSpec& spec) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "campaign" << YAML::Value << spec.name;
  if (!spec.description.empty())
    out << YAML::Key << "description" << YAML::Value << spec.description;
  out << YAML::Key << "duration" << YAML::Value << duration_to_string(spec.duration);
  out << YAML::Key << "sample_interval" << YAML::Value << duration_to_string(spec.sample_interval);

  out << YAML::Key << "cgroup" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "memory_limit" << YAML::Value << size_to_string(spec.cgroup.memory_limit);
  if (spec.cgroup.memory_high)
    out << YAML::Key << "memory_high" << YAML::Value << size_to_string(*spec.cgroup.memory_high);
  out << YAML::EndMap;

  out << YAML::Key << "workloads" << YAML::Value << YAML::BeginSeq;
  for (const WorkloadSpec& w : spec.workloads) emit_workload(out, w);
  out << YAML::EndSeq;

  emit_criteria(out, spec.criteria);
  out << YAML::Key << "expect_oom" << YAML::Value << spec.expect_oom;
  emit_psi_trigger(out, spec.psi_trigger);
  out << YAML::Key << "gp_probe_interval" << YAML::Value << interval_or_off(spec.gp_probe_interval);
  emit_ledger(out, spec.ledger);
  emit_reactions(out, spec.reactions);
  emit_variants(out, spec.variants);
  if (!spec.kernel.empty()) {
    out << YAML::Key << "kernel" << YAML::Value << YAML::BeginMap;
    for (const KnobSetting& k : spec.kernel) out << YAML::Key << k.name << YAML::Value << k.value;
    out << YAML::EndMap;
  }
  if (!spec.needs.empty()) {
    out << YAML::Key << "requires" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const HostNeed& n : spec.needs) out << n.name;
    out << YAML::EndSeq;
  }
  if (!spec.regression.empty()) {
    out << YAML::Key << "regression" << YAML::Value << YAML::BeginMap;
    for (const auto& fig : regression_figures())
      if (auto it = spec.regression.find(std::string(fig.key)); it != spec.regression.end())
        out << YAML::Key << std::string(fig.key) << YAML::Value << threshold_text(it->second);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mt::campaign
