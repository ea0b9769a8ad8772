// The one use of libcgroup: an independent opinion on where the memory controller is mounted.
// Everything else is plain file I/O (see kernel-facts.md for where libcgroup 2.0.2 falls short).
#include <fmt/format.h>
#include <libcgroup.h>

#include <cstdlib>
#include <mutex>

#include "cgroup/layout.h"

namespace mt::cgroup {

Status cross_check_with_libcgroup(const Layout& layout) {
  // cgroup_init() fills a process-global mount table; it is not thread-safe.
  static std::mutex mutex;
  static int init_rc = -1;
  std::lock_guard lock(mutex);
  if (init_rc != 0) init_rc = cgroup_init();
  if (init_rc != 0)
    return make_error(fmt::format("libcgroup: cgroup_init() failed: {}", cgroup_strerror(init_rc)));

  char* mount_point = nullptr;
  int rc = cgroup_get_subsys_mount_point("memory", &mount_point);
  if (rc != 0 || mount_point == nullptr)
    return make_error(
        fmt::format("libcgroup finds no memory controller ({}), mountinfo has it at {}",
                    cgroup_strerror(rc), layout.memory_root.string()));
  std::filesystem::path theirs(mount_point);
  std::free(mount_point);
  std::error_code ec1;
  if (std::filesystem::equivalent(theirs, layout.memory_root, ec1)) return {};
  if (theirs.lexically_normal() == layout.memory_root.lexically_normal()) return {};
  return make_error(fmt::format("libcgroup puts the memory controller at {}, mountinfo at {}",
                                theirs.string(), layout.memory_root.string()));
}

}  // namespace mt::cgroup
