// The verdict of a campaign that ran to its end (or was stopped by its duration): its criteria,
// and what became of its workloads. The rule is documented in configs/README.md ("The verdict").
// Pure, so that every case is unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/model.h"

namespace mt::daemon {

// What became of one workload, as the runner saw it.
struct WorkloadOutcome {
  std::string name;
  std::string state;        // exited | killed | failed | waiting (never started) | running
  bool ended_early = false;  // its process ended before the campaign began to stop
  bool oom_killed = false;   // SIGKILLed by the kernel's OOM killer (attributed by the runner)
  double ended_s = 0;
  std::string exit_status;
  bool sigkilled = false;  // by the runner, after it ignored SIGTERM for its stop grace period
};

struct VerdictInput {
  std::string why_stopped;  // "duration reached"
  std::vector<CriterionResult> criteria;
  std::vector<WorkloadOutcome> workloads;
  std::uint64_t oom_kills = 0;  // counted by the cgroup
  bool expect_oom = false;
  bool oom_criterion = false;  // criteria.max_oom_kills is set: it decides about OOM kills
};

struct Verdict {
  State state = State::passed;
  std::string reason;
};

Verdict decide(const VerdictInput& in);

}  // namespace mt::daemon
