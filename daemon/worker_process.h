// Starts a memtorture-worker inside the campaign cgroup. The child attaches itself to every
// cgroup (memory cgroup and its PSI twin) before exec, so no workload code ever runs outside
// the limit; it also raises its oom_score_adj to +1000 (the OOM killer picks a worker, never the
// daemon) and asks for SIGTERM when the daemon dies.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "workloads/spawn.h"

namespace mt::daemon {

struct SpawnOptions {
  std::filesystem::path executable;
  std::vector<std::string> args;                    // argv[1..]
  std::vector<std::filesystem::path> cgroup_procs;  // "0" is written to each before exec
  std::filesystem::path log_file;                   // the worker's stdout and stderr, appended
  int oom_score_adj = 1000;
  std::filesystem::path oom_score_adj_file = "/proc/self/oom_score_adj";  // injected root
};

struct SpawnedWorker {
  pid_t pid = -1;
  int pidfd = -1;      // readable when the process exits (pidfd_open)
  int report_fd = -1;   // read end of the worker's report pipe (non-blocking)
  int control_fd = -1;  // write end of its control pipe (non-blocking): pause, resume, rate N
};

// Errors name the stage that failed in the child (attach, oom_score_adj, exec) and errno.
Result<SpawnedWorker> spawn_worker(const SpawnOptions& options);

// "exit 0", "killed by SIGKILL", ... from a waitpid status (workloads/spawn.h).
using workloads::describe_wait_status;

// What the runner does to worker processes, behind one small interface (like cgroup::CgroupOps)
// so that a campaign's whole timeline runs in a unit test with fake workers: pipes for their
// descriptors, a status the test decides.
class WorkerOps {
 public:
  virtual ~WorkerOps() = default;
  virtual Result<SpawnedWorker> spawn(const SpawnOptions& options) = 0;
  // The wait status of `pid` once it has exited (and it is reaped), nullopt while it runs.
  // Called when its pidfd is readable.
  virtual std::optional<int> try_reap(pid_t pid) = 0;
  // kill(2) of a worker not yet reaped (so the pid is still ours).
  virtual void signal(pid_t pid, int sig) = 0;
};

// The kernel's: spawn_worker(), waitpid(WNOHANG), kill().
std::shared_ptr<WorkerOps> kernel_worker_ops();

}  // namespace mt::daemon
