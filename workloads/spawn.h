// Programs a worker starts inside its cgroup (stress-ng, modprobe): with the worker's blocked
// signals unblocked and SIGPIPE back to its default, so that they can be stopped as usual, and
// never through a shell.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace mt::workloads {

struct SpawnProgram {
  std::vector<std::string> args;  // args[0]: a path, or a name looked up on PATH
  bool own_process_group = false;  // its pid is then its process group's id
};

// Starts it; its pid.
Result<pid_t> spawn_program(const SpawnProgram& program);
// Waits up to `timeout` for child `pid` to end: its wait status; nullopt while it still runs. A
// pid that is not (or no longer) a child of ours reads as ended, status 0.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);
// Starts it and waits up to `timeout` for it to end (then SIGKILL); its wait status.
Result<int> run_program(const SpawnProgram& program, std::chrono::milliseconds timeout);
// "exit 1", "killed by SIGKILL".
std::string describe_wait_status(int status);

}  // namespace mt::workloads
