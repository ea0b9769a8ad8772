// The stress_ng workload: stress-ng run inside the campaign's cgroup (the worker's child, so in
// the same cgroup) from a job file of the campaign's checked options (stress_ng/options.h), in the
// workload's own directory, with --metrics --yaml --oomable and no timeout. It runs until the
// campaign stops the worker; then it gets SIGTERM, so that it writes its YAML, and the metrics of
// every stressor are reported as results ("R stress_ng stressor=vm bogo-ops=... ..."). A
// requested stressor with no metrics, or no YAML at all (stress-ng SIGKILLed: an OOM kill of its
// main process), is a fatal error. OOM kills of its stressors are the cgroup's to count, not
// stress-ng's: its exit status says nothing of them.
//   ops:   bogo-ops summed over the stressors, known once stress-ng has ended (0 before)
//   pause: SIGSTOP/SIGCONT to stress-ng's process group
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "workloads/stress_ng/metrics.h"
#include "workloads/stress_ng/options.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct StressNgOptions {
  std::vector<stress_ng::Option> options;
  std::filesystem::path dir;               // the job file, the YAML, stress-ng's temporary files
  std::string executable = "stress-ng";    // looked up on PATH when it has no '/'
  std::chrono::milliseconds stop_wait{10000};  // after SIGTERM, before SIGKILL
};

// How often the runner thread looks at stress-ng and at the stop flag.
inline constexpr std::chrono::milliseconds kStressNgPoll{20};

class StressNgWorkload final : public Workload {
 public:
  explicit StressNgWorkload(StressNgOptions options);
  ~StressNgWorkload() override;

  std::string name() const override { return "stress_ng"; }
  int thread_count() const override { return 1; }
  Status prepare() override;
  Status run(int index, StopFlag& stop) override;
  Counters counters() const override;
  Status set_paused(bool paused) override;
  std::vector<ResultRecord> results() const override;
  Status cleanup() override;

  std::filesystem::path job_file() const { return options_.dir / "stress-ng.job"; }
  std::filesystem::path yaml_file() const { return options_.dir / "stress-ng.yaml"; }

 private:
  Status spawn();
  // Waits up to `wait` for stress-ng to end; its wait status, or nullopt if it is still running.
  std::optional<int> reap(std::chrono::milliseconds wait);
  // Reads the YAML after stress-ng ended with `status`.
  Status collect(int status);

  StressNgOptions options_;
  std::vector<std::string> stressors_;
  std::atomic<pid_t> pid_{0};  // stress-ng's pid and process group; 0 when not running
  pid_t group_ = 0;            // its process group, kept after it ended: stressors may outlive it
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<bool> paused_{false};
  mutable std::mutex mutex_;  // guards metrics_
  std::vector<stress_ng::StressorMetrics> metrics_;
};

}  // namespace mt::workloads
