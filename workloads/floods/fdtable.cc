// fdtable: vfork a child, whose fd table starts as a copy of the worker's small one (the table
// embedded in files_struct, 64 fds); the child dup2()s a descriptor to fd 127 (the table grows to
// 128 fds, allocated), then to fd 1023 (it grows to 1024: expand_fdtable() frees the 128-fd table
// through call_rcu(free_fdtable_rcu), fs/file.c), and exits; the parent reaps it. The exited
// child also goes through RCU as a task (call_rcu(delayed_put_task_struct)), as in `task`; the
// 1024-fd table is freed at exit without RCU. A thread cannot grow one table twice: the child
// gives each operation a fresh one.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

constexpr int kFirstGrowth = 127;   // 64 -> 128 fds
constexpr int kSecondGrowth = 1023;  // 128 -> 1024 fds: the 128-fd table goes through RCU

class FdtableOp final : public FloodOp {
 public:
  explicit FdtableOp(int fd) : fd_(fd) {}
  ~FdtableOp() override { ::close(fd_); }
  int operator()() override {
    const pid_t child = ::vfork();
    if (child < 0) return errno;
    if (child == 0) {  // shares the parent's memory until it exits: system calls only
      if (::dup2(fd_, kFirstGrowth) < 0 || ::dup2(fd_, kSecondGrowth) < 0) ::_exit(1);
      ::_exit(0);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
      if (errno != EINTR) return errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EMFILE;
  }

 private:
  int fd_;
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext&) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur <= kSecondGrowth)
    return make_error(fmt::format("fdtable needs fd {}, above RLIMIT_NOFILE {}", kSecondGrowth,
                                  lim.rlim_cur));
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(fmt::format("open /dev/null: {}", std::strerror(errno)));
  return std::unique_ptr<FloodOp>(std::make_unique<FdtableOp>(fd));
}

}  // namespace

extern constinit const FloodKind kFdtableFlood{
    .name = "fdtable",
    .summary = "vfork a child that grows its fd table twice (dup2 to fd 127, then 1023) and exits: "
               "the 128-fd table through call_rcu(free_fdtable_rcu) (fs/file.c), the child "
               "through call_rcu(delayed_put_task_struct)",
    .needs_dir = false,
    .make_op = make_op,
};

}  // namespace mt::workloads
