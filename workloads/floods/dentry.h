// dentry: create + close + unlink of a file with a name longer than the inline dentry name
// (40 bytes on 64-bit), so the name is allocated outside the dentry and freed with kfree_rcu, the
// dentry with call_rcu. Every name is new (a per-thread counter): a name used again could reuse
// the negative dentry the unlink left behind. The kind itself is defined in dentry.cc; DentryOp
// is here for its tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/result.h"
#include "workloads/floods/flood_kind.h"

namespace mt::workloads {

// Length of the dentry flood's file names: well over the 40-byte inline name of a dentry.
inline constexpr std::size_t kDentryNameLength = 64;

// One thread's dentry operation: works in a directory held open by descriptor.
class DentryOp final : public FloodOp {
 public:
  // Opens `dir` (which must exist); `tag` goes into every file name (e.g. the thread index).
  static Result<DentryOp> open(const std::filesystem::path& dir, int tag);
  DentryOp(DentryOp&& other) noexcept;
  DentryOp& operator=(DentryOp&& other) noexcept;
  DentryOp(const DentryOp&) = delete;
  DentryOp& operator=(const DentryOp&) = delete;
  ~DentryOp() override;

  // Creates, closes and unlinks the next file. Returns 0, or the errno of the step that failed.
  int operator()() override;
  // The name the next operation will use (for tests).
  std::string next_name() const;

 private:
  DentryOp(int dir_fd, int tag) : dir_fd_(dir_fd), tag_(tag) {}
  // Writes the name of operation `n` (kDentryNameLength bytes and a NUL) to `out`.
  static void format_name(char* out, int tag, std::uint64_t n);

  int dir_fd_ = -1;
  int tag_ = 0;
  std::uint64_t next_ = 0;
  char name_[kDentryNameLength + 1] = {};
};

}  // namespace mt::workloads
