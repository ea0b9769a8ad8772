#include "campaign/rules.h"

#include <fmt/format.h>

#include "common/units.h"

namespace mt::campaign {
namespace {

// A value as far as the rules are concerned.
struct Value {
  bool usable = false;  // read without a problem, or left out so its default stands
  bool given = false;   // written in the file (at `pos`)
  SourcePos pos;
};

class Rules {
 public:
  Rules(const CampaignSpec& spec, const ReadContext& cx) : spec_(spec), cx_(cx) {}

  void check() {
    check_sample_interval();
    for (std::size_t i = 0; i < spec_.workloads.size(); ++i) check_workload(i);
    check_cgroup_and_criteria();
    check_psi_trigger();
  }

 private:
  Value value(const std::string& path) const {
    if (cx_.diagnostics.failed(path)) return {};
    const auto it = cx_.value_pos.find(path);
    if (it == cx_.value_pos.end()) return {.usable = true, .given = false, .pos = {}};
    return {.usable = true, .given = true, .pos = it->second};
  }

  void error(SourcePos pos, std::string_view path, std::string_view message) const {
    cx_.diagnostics.error(pos, path, message);
  }

  void check_sample_interval() const {
    const Value duration = value("duration");
    const Value interval = value("sample_interval");
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
    const Value duration = value("duration");
    if (!duration.given || !duration.usable) return;

    const Value start = value(path + ".start_after");
    if (!start.usable) return;
    if (start.given && w.start_after >= spec_.duration) {
      error(start.pos, path + ".start_after",
            fmt::format("must be less than duration ({}), got {}",
                        duration_to_string(spec_.duration), duration_to_string(w.start_after)));
      return;
    }
    const Value ramp = value(path + ".ramp");
    if (w.type != WorkloadType::anon || !ramp.given || !ramp.usable) return;
    if (w.start_after + w.anon.ramp > spec_.duration)
      error(ramp.pos, path + ".ramp",
            fmt::format("start_after + ramp must not exceed duration ({}), got {} + {}",
                        duration_to_string(spec_.duration), duration_to_string(w.start_after),
                        duration_to_string(w.anon.ramp)));
  }

  void check_cgroup_and_criteria() const {
    const Value limit = value("cgroup.memory_limit");
    if (!limit.given || !limit.usable) return;
    const std::string limit_text = size_to_string(spec_.cgroup.memory_limit);

    const Value high = value("cgroup.memory_high");
    if (high.given && high.usable && spec_.cgroup.memory_high > spec_.cgroup.memory_limit)
      error(high.pos, "cgroup.memory_high",
            fmt::format("must not exceed memory_limit ({}), got {}", limit_text,
                        size_to_string(*spec_.cgroup.memory_high)));

    const Value headroom = value("criteria.min_headroom");
    if (headroom.given && headroom.usable &&
        spec_.criteria.min_headroom >= spec_.cgroup.memory_limit)
      error(headroom.pos, "criteria.min_headroom",
            fmt::format("must be less than memory_limit ({}), got {}", limit_text,
                        size_to_string(*spec_.criteria.min_headroom)));
  }

  void check_psi_trigger() const {
    const Value stall = value("psi_trigger.stall");
    const Value window = value("psi_trigger.window");
    if (!stall.usable || !window.usable) return;
    const PsiTriggerSpec& t = spec_.psi_trigger;
    if (t.stall <= t.window) return;
    error(stall.given ? stall.pos : window.pos, "psi_trigger.stall",
          fmt::format("must not exceed window ({}), got {}", duration_to_string(t.window),
                      duration_to_string(t.stall)));
  }

  const CampaignSpec& spec_;
  const ReadContext& cx_;
};

}  // namespace

void check_rules(const CampaignSpec& spec, const ReadContext& cx) {
  Rules(spec, cx).check();
}

}  // namespace mt::campaign
