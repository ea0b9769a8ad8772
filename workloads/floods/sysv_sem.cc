// sysv_sem: semget(IPC_PRIVATE), a semop with SEM_UNDO, semctl(IPC_RMID). The removed set goes
// through ipc_rcu_putref -> call_rcu(sem_rcu_free), its undo structure through kfree_rcu
// (ipc/sem.c, freeary): the batched path that do_rcu_barrier does not drain.
#include <fmt/format.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class SysvSemOp final : public FloodOp {
 public:
  int operator()() override {
    const int id = ::semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id < 0) return errno;
    sembuf up{0, 1, SEM_UNDO};
    int err = ::semop(id, &up, 1) == 0 ? 0 : errno;
    if (::semctl(id, 0, IPC_RMID) != 0 && err == 0) err = errno;
    return err;
  }
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext&) {
  // One set made and removed here: a kernel without System V IPC says so now.
  const int id = ::semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  if (id < 0)
    return make_error(fmt::format("sysv_sem flood: semget: {}", std::strerror(errno)));
  ::semctl(id, 0, IPC_RMID);
  return std::unique_ptr<FloodOp>(std::make_unique<SysvSemOp>());
}

std::string unavailable() {
  std::error_code ec;
  return std::filesystem::exists("/proc/sys/kernel/sem", ec)
             ? std::string()
             : "this kernel has no System V IPC (no /proc/sys/kernel/sem: CONFIG_SYSVIPC is off)";
}

}  // namespace

extern constinit const FloodKind kSysvSemFlood{
    .name = "sysv_sem",
    .summary = "semget + semop with SEM_UNDO + IPC_RMID: the set through call_rcu(sem_rcu_free), "
               "its undo through kfree_rcu (ipc/sem.c), which do_rcu_barrier does not drain",
    .needs_dir = false,
    .make_op = make_op,
    .unavailable = unavailable,
};

}  // namespace mt::workloads
