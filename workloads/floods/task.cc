// task: fork + _exit(0) in the child + waitpid. The reaped task is freed through
// put_task_struct_rcu_user -> call_rcu(delayed_put_task_struct) (kernel/exit.c), its pid through
// free_pid -> call_rcu(delayed_put_pid) (kernel/pid.c).
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class TaskOp final : public FloodOp {
 public:
  int operator()() override {
    const pid_t child = ::fork();
    if (child < 0) return errno;
    if (child == 0) ::_exit(0);  // async-signal-safe only: the parent is multithreaded
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
      if (errno != EINTR) return errno;
    return 0;
  }
};

}  // namespace

extern constinit const FloodKind kTaskFlood{
    .name = "task",
    .summary = "fork + exit + waitpid: the task through call_rcu(delayed_put_task_struct) "
               "(kernel/exit.c), its pid through call_rcu(delayed_put_pid) (kernel/pid.c)",
    .needs_dir = false,
    .make_op = make_plain_op<TaskOp>,
};

}  // namespace mt::workloads
