// GetOomProximity for what no campaign part watches: any memory cgroup under the daemon's prefix,
// or the system alone. The probe samples every `interval` over a window (the time-to-OOM
// estimate needs a second or more of points), with the same rule as the campaign part
// (daemon/oom_proximity.h), and answers the last look. It has no RCU ledger of its own (opening
// one costs a BTF parse and attaches hooks to every slab free): memory waiting in RCU is not
// counted here, and the answer says so.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cgroup/layout.h"
#include "common/result.h"
#include "daemon/oom_proximity.h"

namespace mt::daemon {

struct OomProbeTarget {
  std::string label;                                // "cgroup <dir>" or "system"
  std::optional<std::filesystem::path> memory_dir;  // none: the system alone
  bool memory_v2 = false;
  std::optional<std::filesystem::path> pressure_file;  // the cgroup's memory.pressure, if any
};

// A request's cgroup ("memtorture/x", "/memtorture/x" or the absolute directory under the memory
// hierarchy), checked as a path only: relative to the memory hierarchy's root, under `prefix`.
// The error says what is wrong with it.
Result<std::filesystem::path> oom_cgroup_relative_path(const cgroup::Layout& layout,
                                                       const std::string& prefix,
                                                       std::string_view cgroup);
// The same as a target, which must also exist (else "no such memory cgroup").
Result<OomProbeTarget> resolve_oom_cgroup(const cgroup::Layout& layout, const std::string& prefix,
                                          std::string_view cgroup);

inline constexpr std::chrono::milliseconds kOomProbeDefaultWindow{3000};
inline constexpr std::chrono::milliseconds kOomProbeMinWindow{1000};
inline constexpr std::chrono::milliseconds kOomProbeMaxWindow{10000};

struct OomProbeEnv {
  std::filesystem::path proc = "/proc";  // meminfo, vmstat, pressure/memory
  std::chrono::milliseconds interval{100};
  // Waits `d`; false when the probe is to end early (the caller went away).
  std::function<bool(std::chrono::milliseconds d)> wait;
  OomProximityRule::Options rule;
};

struct OomProbeResult {
  std::optional<OomProximityView> cgroup, system;
  std::string error;  // why the cgroup or the system could not be read
  bool cgroup_gone = false;  // the error is the cgroup's, and its directory is gone
};

OomProbeResult probe_oom(const OomProbeTarget& target, std::chrono::milliseconds window,
                         const OomProbeEnv& env);

}  // namespace mt::daemon
