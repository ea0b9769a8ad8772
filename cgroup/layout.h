// Which cgroup hierarchies this host has and where the memory controller lives, detected at run
// time from mountinfo (v1, v2, or hybrid: v1 controllers plus a cgroup2 mount).
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace mt::cgroup {

enum class Mode { v1, v2, hybrid };
std::string_view to_string(Mode m);

struct Layout {
  Mode mode = Mode::v2;
  // Root of the hierarchy that has the memory controller (v1 "memory" mount, or the cgroup2
  // mount when memory is listed in its cgroup.controllers).
  std::filesystem::path memory_root;
  bool memory_v2 = true;
  // The cgroup2 mount, also on hybrid hosts (per-cgroup PSI lives there); empty when none.
  std::filesystem::path unified_root;
};

struct DetectOptions {
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
  // Prepended to every mount point read from mountinfo (fixture trees in tests).
  std::filesystem::path root = "/";
};

// Error when no memory controller is mounted anywhere.
Result<Layout> detect_layout(const DetectOptions& options = {});

}  // namespace mt::cgroup
