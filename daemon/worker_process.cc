#include "daemon/worker_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "cgroup/cgroup.h"
#include "common/fs.h"
#include "workloads/protocol.h"

namespace mt::daemon {
namespace {

// What the child reports through the error pipe when it cannot reach exec.
enum Stage : int { kAttach = 1, kOomScore, kPdeathsig, kDup, kExec };

const char* stage_name(int stage) {
  switch (stage) {
    case kAttach:
      return "attaching to the campaign cgroup";
    case kOomScore:
      return "setting oom_score_adj";
    case kPdeathsig:
      return "setting the parent-death signal";
    case kDup:
      return "setting up file descriptors";
    case kExec:
      return "exec";
  }
  return "starting";
}

[[noreturn]] void child_fail(int err_fd, int stage, int err) {
  int msg[2] = {stage, err};
  [[maybe_unused]] auto n = ::write(err_fd, msg, sizeof msg);
  _exit(127);
}

void close_pair(int fds[2]) {
  if (fds[0] >= 0) ::close(fds[0]);
  if (fds[1] >= 0) ::close(fds[1]);
}

}  // namespace

Result<SpawnedWorker> spawn_worker(const SpawnOptions& o) {
  // Everything the child needs is prepared here: between fork and exec only async-signal-safe
  // calls are allowed (the daemon is multi-threaded).
  std::vector<std::string> argv_store;
  argv_store.push_back(o.executable.string());
  argv_store.insert(argv_store.end(), o.args.begin(), o.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> procs_store;
  for (const auto& p : o.cgroup_procs) procs_store.push_back(p.string());
  std::vector<const char*> procs;
  for (const auto& p : procs_store) procs.push_back(p.c_str());
  const std::string oom_value = std::to_string(o.oom_score_adj);
  const std::string oom_file = o.oom_score_adj_file.string();

  int log_fd = ::open(o.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return make_error(
        fmt::format("cannot open worker log {}: {}", o.log_file.string(), fs::errno_text(errno)));
  int report[2] = {-1, -1};
  int control[2] = {-1, -1};
  int errpipe[2] = {-1, -1};
  if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(control, O_CLOEXEC) != 0 ||
      ::pipe2(errpipe, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(log_fd);
    close_pair(report);
    close_pair(control);
    close_pair(errpipe);
    return make_error(fmt::format("pipe: {}", fs::errno_text(err)));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(log_fd);
    close_pair(report);
    close_pair(control);
    close_pair(errpipe);
    return make_error(fmt::format("fork: {}", fs::errno_text(err)));
  }
  if (pid == 0) {
    // Child. Signal mask and ignored signals survive exec: reset them.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);  // a Ctrl-C in the daemon's terminal does not reach workers directly
    if (int err = cgroup::attach_self_raw(procs.data(), static_cast<int>(procs.size())))
      child_fail(errpipe[1], kAttach, err);
    int fd = ::open(oom_file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, oom_value.data(), oom_value.size()) < 0)
      child_fail(errpipe[1], kOomScore, errno);
    ::close(fd);
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) child_fail(errpipe[1], kPdeathsig, errno);
    if (::getppid() != parent) _exit(0);  // the daemon already died
    // Out of the way of each other's target first (dup2 onto itself would keep FD_CLOEXEC).
    int rep = report[1], ctl = control[0];
    if (rep <= workloads::kControlFd) rep = ::fcntl(rep, F_DUPFD_CLOEXEC, 10);
    if (ctl <= workloads::kControlFd) ctl = ::fcntl(ctl, F_DUPFD_CLOEXEC, 10);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || rep < 0 || ctl < 0 || ::dup2(devnull, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
        ::dup2(log_fd, 2) < 0 || ::dup2(rep, workloads::kReportFd) < 0 ||
        ::dup2(ctl, workloads::kControlFd) < 0)
      child_fail(errpipe[1], kDup, errno);
    ::execv(argv[0], argv.data());
    child_fail(errpipe[1], kExec, errno);
  }

  ::close(log_fd);
  ::close(report[1]);
  ::close(control[0]);
  ::close(errpipe[1]);
  int msg[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(errpipe[0], msg, sizeof msg);
  } while (n < 0 && errno == EINTR);
  ::close(errpipe[0]);
  if (n > 0) {
    ::close(report[0]);
    ::close(control[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return make_error(fmt::format("worker failed before it started, {}: {}", stage_name(msg[0]),
                                  fs::errno_text(msg[1])));
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(report[0]);
    ::close(control[1]);
    return make_error(fmt::format("pidfd_open: {}", fs::errno_text(err)));
  }
  ::fcntl(report[0], F_SETFL, ::fcntl(report[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(control[1], F_SETFL, ::fcntl(control[1], F_GETFL) | O_NONBLOCK);
  return SpawnedWorker{pid, pidfd, report[0], control[1]};
}

namespace {

class KernelWorkerOps final : public WorkerOps {
 public:
  Result<SpawnedWorker> spawn(const SpawnOptions& options) override {
    return spawn_worker(options);
  }
  std::optional<int> try_reap(pid_t pid) override {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0) return std::nullopt;
    return r < 0 ? 0 : status;  // < 0: reaped already (ECHILD); nothing more to learn
  }
  void signal(pid_t pid, int sig) override { ::kill(pid, sig); }
};

}  // namespace

std::shared_ptr<WorkerOps> kernel_worker_ops() {
  static const auto ops = std::make_shared<KernelWorkerOps>();
  return ops;
}

}  // namespace mt::daemon
