// The flood workload: threads that each loop over one flood kind's operation (workloads/floods/:
// a system call sequence whose kernel objects are freed through RCU callbacks), as fast as they
// can or at a paced rate per thread. Which kind, and what its operation is, comes from the kind's
// descriptor: nothing here names a kind.
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
#include "workloads/floods/flood_kind.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct FloodOptions {
  const FloodKind* kind = nullptr;  // one of workloads/floods/kinds.h
  int threads = 1;
  double rate = 0;            // operations per second per thread; 0: unlimited
  std::filesystem::path dir;  // a kind that needs_dir: where to work (a subdirectory per thread)
};

// How often a paused flood thread looks whether it may go on.
inline constexpr std::chrono::milliseconds kPausePoll{5};
// Sleep after a failed operation, so that an error storm (ENOMEM, EMFILE) does not spin.
inline constexpr std::chrono::milliseconds kErrorBackoff{1};

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

  // The subdirectory of thread `index` (a kind that needs_dir); unique per process so that a
  // worker restarted in the same directory never shares one with a worker that was killed before
  // its cleanup.
  std::filesystem::path thread_dir(int index) const;

 private:
  // Runs `op` until stop; returns when stop is requested.
  void loop(FloodOp& op, ThreadCounters& counters, StopFlag& stop);

  FloodOptions options_;
  const Clock& clock_;
  std::unique_ptr<ThreadCounters[]> counters_;
  // Control: read by every thread between operations.
  std::atomic<bool> paused_{false};
  std::atomic<double> rate_{0};
  std::atomic<std::uint64_t> rate_changes_{0};
  std::vector<std::unique_ptr<FloodOp>> ops_;  // one per thread, made by prepare()
  std::vector<std::filesystem::path> made_;    // subdirectories this process created
};

}  // namespace mt::workloads
