// Turns raw readings (cgroup memory files, cgroup and system PSI) into Samples: headroom, and
// stall-time deltas since the previous reading. Pure: the I/O is done by the caller, so this is
// tested on fixture values.
#pragma once

#include <optional>

#include "cgroup/cgroup.h"
#include "daemon/model.h"
#include "kernel/psi.h"

namespace mt::daemon {

struct Readings {
  double t_s = 0;
  cgroup::MemoryStats memory;
  std::optional<kernel::Psi> cgroup_psi;
  std::optional<kernel::Psi> system_psi;
};

class Sampler {
 public:
  Sample next(const Readings& r);

 private:
  static PsiFigures figures(const kernel::Psi& now, const std::optional<kernel::Psi>& before);
  std::optional<kernel::Psi> last_cgroup_;
  std::optional<kernel::Psi> last_system_;
};

}  // namespace mt::daemon
