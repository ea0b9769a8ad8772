// Which cgroup hierarchies this host has and where the memory controller lives, detected at run
// time from mountinfo (v1, v2, or hybrid: v1 controllers plus a cgroup2 mount).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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
  // The cgroup under which <prefix>/ is created in the memory hierarchy: empty for memory_root,
  // or a cgroup v2 subtree delegated to the daemon (cgroup/delegation.h), e.g.
  // <memory_root>/system.slice/memtortured.service under systemd's Delegate=yes.
  std::filesystem::path campaign_parent;

  const std::filesystem::path& campaign_root() const {
    return campaign_parent.empty() ? memory_root : campaign_parent;
  }
};

struct DetectOptions {
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
  // Prepended to every mount point read from mountinfo (fixture trees in tests).
  std::filesystem::path root = "/";
};

// Error when no memory controller is mounted anywhere.
Result<Layout> detect_layout(const DetectOptions& options = {});

// One line of mountinfo (proc(5)), with the octal escapes (\040 etc.) of the mount point decoded.
struct MountEntry {
  std::filesystem::path mount_point;
  std::string fs_type;        // after " - ": "cgroup", "cgroup2", "tmpfs", ...
  std::string super_options;  // "rw,memory" for a cgroup v1 memory mount
};
// The error names the line number and what is wrong with it.
Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text);

// Cross-check with libcgroup (which has its own mount table parser) that the memory controller
// is where detect_layout() says. Only meaningful for the real host (root "/"). The error says
// where each one put it; callers may treat it as a warning.
Status cross_check_with_libcgroup(const Layout& layout);

}  // namespace mt::cgroup
