#include "daemon/sampler.h"

#include "kernel/memory_files.h"

namespace mt::daemon {

PsiFigures Sampler::figures(const kernel::Psi& now, const std::optional<kernel::Psi>& before) {
  PsiFigures f;
  f.some_avg10 = now.some.avg10;
  f.full_avg10 = now.full ? now.full->avg10 : 0;
  if (before) {
    // Totals only grow; guard against a reset (a recreated cgroup) anyway.
    auto delta = [](std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : 0; };
    f.some_stall_delta_us = delta(now.some.total_us, before->some.total_us);
    if (now.full && before->full)
      f.full_stall_delta_us = delta(now.full->total_us, before->full->total_us);
  }
  return f;
}

Sample Sampler::next(const Readings& r) {
  Sample s;
  s.t_s = r.t_s;
  s.usage_bytes = r.memory.usage;
  s.limit_bytes = r.memory.limit;
  s.kernel_bytes = r.memory.kernel;
  s.oom_kills = r.memory.oom_kills;
  s.failcnt = r.memory.failcnt;
  s.peak_bytes = r.memory.peak;
  s.headroom_bytes =
      r.memory.limit == kernel::kUnlimited
          ? INT64_MAX
          : static_cast<std::int64_t>(r.memory.limit) - static_cast<std::int64_t>(r.memory.usage);
  if (r.cgroup_psi) {
    s.cgroup_psi = figures(*r.cgroup_psi, last_cgroup_);
    last_cgroup_ = r.cgroup_psi;
  }
  if (r.system_psi) {
    s.system_psi = figures(*r.system_psi, last_system_);
    last_system_ = r.system_psi;
  }
  return s;
}

}  // namespace mt::daemon
