#include "daemon/parts/sampling_part.h"

#include "kernel/psi.h"

namespace mt::daemon {

Status SamplingPart::measure(Sample& s, PartContext& cx) {
  if (!cx.cgroup) return make_error("no campaign cgroup to sample");
  Readings r;
  r.t_s = s.t_s;
  auto memory = cx.cgroup->read_memory();
  if (!memory) return make_error("sampling the campaign cgroup: " + memory.error().message);
  r.memory = *memory;
  if (cx.cgroup->pressure_file())
    if (auto psi = cx.cgroup->read_psi()) r.cgroup_psi = *psi;
  if (auto psi = kernel::read_psi(system_pressure_)) r.system_psi = *psi;
  auto metrics = std::move(s.metrics);  // a part before this one may have measured already
  s = sampler_.next(r);
  s.metrics = std::move(metrics);
  return {};
}

}  // namespace mt::daemon
