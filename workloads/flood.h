// The flood workload: threads that loop over a system call sequence whose kernel objects are
// freed through RCU callbacks (see /work/shared/reference/kernel-facts.md), as fast as they can or
// at a paced rate per thread.
//   udp_socket: socket(AF_INET, SOCK_DGRAM) + bind(127.0.0.1:0) + close. The socket inode goes
//               through call_rcu(i_callback) and the bound UDP sock (SOCK_RCU_FREE) through
//               call_rcu(__sk_destruct).
//   dentry:     create + close + unlink of a file with a name longer than the inline dentry name
//               (40 bytes on 64-bit), so the name is allocated outside the dentry and freed with
//               kfree_rcu, the dentry with call_rcu. Every name is new (a per-thread counter): a
//               name used again could reuse the negative dentry the unlink left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "workloads/workload.h"

namespace mt::workloads {

enum class FloodKind { udp_socket, dentry };

std::string_view to_string(FloodKind kind);
std::optional<FloodKind> parse_flood_kind(std::string_view text);

struct FloodOptions {
  FloodKind kind = FloodKind::udp_socket;
  int threads = 1;
  double rate = 0;            // operations per second per thread; 0: unlimited
  std::filesystem::path dir;  // dentry: the directory to work in (one subdirectory per thread)
};

// How often a paused flood thread looks whether it may go on.
inline constexpr std::chrono::milliseconds kPausePoll{5};
// Sleep after a failed operation, so that an error storm (ENOMEM, EMFILE) does not spin.
inline constexpr std::chrono::milliseconds kErrorBackoff{1};
// Length of the dentry flood's file names: well over the 40-byte inline name of a dentry.
inline constexpr std::size_t kDentryNameLength = 64;

// One udp_socket operation. Returns 0, or the errno of the step that failed.
int udp_socket_op();

// One thread's dentry operation: works in a directory held open by descriptor.
class DentryOp {
 public:
  // Opens `dir` (which must exist); `tag` goes into every file name (e.g. the thread index).
  static Result<DentryOp> open(const std::filesystem::path& dir, int tag);
  DentryOp(DentryOp&& other) noexcept;
  DentryOp& operator=(DentryOp&& other) noexcept;
  DentryOp(const DentryOp&) = delete;
  DentryOp& operator=(const DentryOp&) = delete;
  ~DentryOp();

  // Creates, closes and unlinks the next file. Returns 0, or the errno of the step that failed.
  int operator()();
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

class FloodWorkload final : public Workload {
 public:
  FloodWorkload(FloodOptions options, const Clock& clock);
  ~FloodWorkload() override;

  std::string name() const override;
  int thread_count() const override { return options_.threads; }
  Status prepare() override;
  Status run(int index, StopFlag& stop) override;
  Counters counters() const override;
  int last_errno() const override;
  Status set_paused(bool paused) override;
  Status set_rate(double ops_per_s_per_thread) override;
  Status cleanup() override;

  // The subdirectory of thread `index` (dentry); unique per process so that a worker restarted
  // in the same directory never shares one with a worker that was killed before its cleanup.
  std::filesystem::path thread_dir(int index) const;

 private:
  // Runs `op` until stop; returns when stop is requested.
  template <class Op>
  void loop(Op& op, ThreadCounters& counters, StopFlag& stop);

  FloodOptions options_;
  const Clock& clock_;
  std::unique_ptr<ThreadCounters[]> counters_;
  // Control: read by every thread between operations.
  std::atomic<bool> paused_{false};
  std::atomic<double> rate_{0};
  std::atomic<std::uint64_t> rate_changes_{0};
  std::vector<DentryOp> dentry_ops_;         // one per thread (dentry)
  std::vector<std::filesystem::path> made_;  // subdirectories this process created
};

}  // namespace mt::workloads
