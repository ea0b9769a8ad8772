// The side effects the cgroup layer has on the kernel, behind one small interface so that the
// logic of create/remove/sweep runs in unit tests on a plain directory tree (FakeCgroupFs).
// Reads go through common/fs.h directly: fixture files read the same as cgroupfs files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace mt::cgroup {

class CgroupOps {
 public:
  virtual ~CgroupOps() = default;
  // mkdir(2) / rmdir(2): 0 or the errno.
  virtual int make_dir(const std::filesystem::path& dir) = 0;
  virtual int remove_dir(const std::filesystem::path& dir) = 0;
  // A write to an existing kernel file (limits, cgroup.procs, cgroup.kill, subtree_control).
  virtual Status write(const std::filesystem::path& file, std::string_view content) = 0;
  // kill(pid, SIGKILL): 0 or the errno.
  virtual int kill_process(pid_t pid) = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
  virtual const Clock& clock() const = 0;
};

// The real kernel: mkdir/rmdir/kill and fs::write_file, a steady clock.
std::shared_ptr<CgroupOps> kernel_ops();

}  // namespace mt::cgroup
