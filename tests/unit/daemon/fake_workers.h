// A WorkerOps with no processes behind it: each "worker" is three pipes (its report, its exit
// notice standing in for the pidfd, its control channel) and a wait status the test decides.
// The test writes the worker's report lines, reads the commands the runner sent, and ends it;
// by default a fake ends with exit 0 on SIGTERM and with SIGKILL on SIGKILL, like the real one.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/worker_process.h"
#include "workloads/protocol.h"

namespace mt::daemon::testing {

class FakeWorkers final : public WorkerOps {
 public:
  struct Proc {
    SpawnOptions options;
    int report_w = -1;   // the worker's end of its report pipe
    int exit_w = -1;     // written to when it ends: its "pidfd" becomes readable
    int control_r = -1;  // the worker's end of its control pipe
    std::optional<int> status;  // once ended
    std::vector<int> signals;   // what the runner sent, in order
    bool ignores_sigterm = false;
  };

  ~FakeWorkers() override {
    for (auto& [pid, p] : procs_)
      for (int fd : {p.report_w, p.exit_w, p.control_r})
        if (fd >= 0) ::close(fd);
  }

  Result<SpawnedWorker> spawn(const SpawnOptions& options) override {
    if (!fail_spawn_.empty()) return make_error(fail_spawn_);
    int report[2], exit[2], control[2];
    if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(exit, O_CLOEXEC) != 0 ||
        ::pipe2(control, O_CLOEXEC) != 0)
      return make_error("pipe2 failed");
    for (int fd : {report[0], exit[0], control[0], control[1]})
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const pid_t pid = next_pid_++;
    Proc& p = procs_[pid];
    p.options = options;
    p.report_w = report[1];
    p.exit_w = exit[1];
    p.control_r = control[0];
    order_.push_back(pid);
    return SpawnedWorker{pid, exit[0], report[0], control[1]};
  }

  std::optional<int> try_reap(pid_t pid) override { return procs_.at(pid).status; }

  void signal(pid_t pid, int sig) override {
    Proc& p = procs_.at(pid);
    p.signals.push_back(sig);
    if (p.status) return;
    if (sig == SIGKILL) end(pid, SIGKILL);  // a wait status "killed by SIGKILL"
    if (sig == SIGTERM && !p.ignores_sigterm) end(pid, 0);
  }

  // Ends worker `pid` with wait status `status` (0: exit 0; a signal number: killed by it).
  void end(pid_t pid, int status) {
    Proc& p = procs_.at(pid);
    p.status = status;
    ::close(std::exchange(p.report_w, -1));  // EOF on its report pipe
    const char byte = 1;
    (void)!::write(p.exit_w, &byte, 1);
  }
  void report(pid_t pid, const std::string& line) {
    (void)!::write(procs_.at(pid).report_w, line.data(), line.size());
  }
  // What the runner wrote to its control pipe so far.
  std::string commands(pid_t pid) {
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(procs_.at(pid).control_r, buf, sizeof buf)) > 0) out.append(buf, n);
    return out;
  }

  // The pid of the i-th worker spawned.
  pid_t pid(std::size_t i) const { return order_.at(i); }
  std::size_t spawned() const { return order_.size(); }
  Proc& proc(pid_t pid) { return procs_.at(pid); }
  void fail_spawns(std::string message) { fail_spawn_ = std::move(message); }

 private:
  pid_t next_pid_ = 900001;  // no real process of ours has these
  std::map<pid_t, Proc> procs_;
  std::vector<pid_t> order_;
  std::string fail_spawn_;
};

}  // namespace mt::daemon::testing
