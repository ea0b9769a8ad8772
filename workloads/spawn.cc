#include "workloads/spawn.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <thread>

#include "common/fs.h"

extern char** environ;

namespace mt::workloads {

Result<pid_t> spawn_program(const SpawnProgram& program) {
  if (program.args.empty()) return make_error("no program to start");
  std::vector<std::string> args = program.args;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGALRM, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (program.own_process_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);
  pid_t pid = 0;
  const int err = args[0].find('/') == std::string::npos
                      ? ::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ)
                      : ::posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (err != 0) return make_error(fmt::format("cannot start {}: {}", args[0], fs::errno_text(err)));
  return pid;
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child (any more): nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(10)));
  }
}

Result<int> run_program(const SpawnProgram& program, std::chrono::milliseconds timeout) {
  auto pid = spawn_program(program);
  if (!pid) return pid.error();
  if (auto status = wait_for_exit(*pid, timeout)) return *status;
  ::kill(*pid, SIGKILL);
  (void)wait_for_exit(*pid, std::chrono::seconds(5));
  return make_error(fmt::format("{} did not end within {} ms and was killed", program.args[0],
                                timeout.count()));
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return fmt::format("killed by SIG{}", name ? name : std::to_string(WTERMSIG(status)));
  }
  return fmt::format("wait status {}", status);
}

}  // namespace mt::workloads
