#include "campaign/rules.h"

#include <fmt/format.h>

#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

class Rules {
 public:
  Rules(const CampaignSpec& spec, const ReadContext& cx) : spec_(spec), r_(spec, cx) {}

  void check() {
    check_sample_interval();
    for (std::size_t i = 0; i < spec_.workloads.size(); ++i) check_workload(i);
    check_cgroup_and_criteria();
    check_psi_trigger();
  }

 private:
  RuleValue value(const std::string& path) const { return r_.value(path); }
  void error(SourcePos pos, std::string_view path, std::string_view message) const {
    r_.error(pos, path, message);
  }

  void check_sample_interval() const {
    const RuleValue duration = value("duration");
    const RuleValue interval = value("sample_interval");
    if (!duration.given || !duration.usable || !interval.usable) return;
    if (spec_.sample_interval <= spec_.duration) return;
    // A default that does not fit is the duration's doing: point there.
    error(interval.given ? interval.pos : duration.pos, "sample_interval",
          fmt::format("must not be longer than duration ({}), got {}{}",
                      duration_to_string(spec_.duration), duration_to_string(spec_.sample_interval),
                      interval.given ? "" : " (the default)"));
  }

  void check_workload(std::size_t index) const {
    const WorkloadSpec& w = spec_.workloads[index];
    const std::string path = fmt::format("workloads[{}]", index);
    const RuleValue duration = value("duration");
    if (!duration.given || !duration.usable) return;

    const RuleValue start = value(path + ".start_after");
    if (!start.usable) return;
    if (start.given && w.start_after >= spec_.duration) {
      error(start.pos, path + ".start_after",
            fmt::format("must be less than duration ({}), got {}",
                        duration_to_string(spec_.duration), duration_to_string(w.start_after)));
      return;
    }
    if (!value(path + ".type").usable) return;  // an unknown type: its fields were not kept
    const WorkloadType& type = type_of(w);
    if (type.check != nullptr) type.check(w, path, r_);
  }

  void check_cgroup_and_criteria() const {
    const RuleValue limit = value("cgroup.memory_limit");
    if (!limit.given || !limit.usable) return;
    const std::string limit_text = size_to_string(spec_.cgroup.memory_limit);

    const RuleValue high = value("cgroup.memory_high");
    if (high.given && high.usable && spec_.cgroup.memory_high > spec_.cgroup.memory_limit)
      error(high.pos, "cgroup.memory_high",
            fmt::format("must not exceed memory_limit ({}), got {}", limit_text,
                        size_to_string(*spec_.cgroup.memory_high)));

    const RuleValue headroom = value("criteria.min_headroom");
    if (headroom.given && headroom.usable &&
        spec_.criteria.min_headroom >= spec_.cgroup.memory_limit)
      error(headroom.pos, "criteria.min_headroom",
            fmt::format("must be less than memory_limit ({}), got {}", limit_text,
                        size_to_string(*spec_.criteria.min_headroom)));
  }

  void check_psi_trigger() const {
    const RuleValue stall = value("psi_trigger.stall");
    const RuleValue window = value("psi_trigger.window");
    if (!stall.usable || !window.usable) return;
    const PsiTriggerSpec& t = spec_.psi_trigger;
    if (t.stall <= t.window) return;
    error(stall.given ? stall.pos : window.pos, "psi_trigger.stall",
          fmt::format("must not exceed window ({}), got {}", duration_to_string(t.window),
                      duration_to_string(t.stall)));
  }

  const CampaignSpec& spec_;
  RuleReader r_;
};

}  // namespace

RuleValue RuleReader::value(const std::string& path) const {
  if (cx_.diagnostics.failed(path)) return {};
  const auto it = cx_.value_pos.find(path);
  if (it == cx_.value_pos.end()) return {.usable = true, .given = false, .pos = {}};
  return {.usable = true, .given = true, .pos = it->second};
}

void RuleReader::error(SourcePos pos, std::string_view path, std::string_view message) const {
  cx_.diagnostics.error(pos, path, message);
}

void check_rules(const CampaignSpec& spec, const ReadContext& cx) {
  Rules(spec, cx).check();
}

}  // namespace mt::campaign
