// cred: the calling thread's effective gid flipped between two values with the raw setresgid
// system call (glibc's wrapper would change every thread of the worker). Each change is a
// commit_creds, and the old cred goes through __put_cred -> call_rcu(put_cred_rcu)
// (kernel/cred.c). The flood runs in the worker of its own workload, as root (CAP_SETGID); a
// thread's first change is checked when the op is made, so a host that refuses it says why.
#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

constexpr gid_t kOtherGid = 65534;  // nogroup

int set_egid(gid_t gid) {
  return ::syscall(SYS_setresgid, static_cast<gid_t>(-1), gid, static_cast<gid_t>(-1)) == 0
             ? 0
             : errno;
}

class CredOp final : public FloodOp {
 public:
  explicit CredOp(gid_t home) : home_(home) {}
  ~CredOp() override { set_egid(home_); }
  int operator()() override {
    flipped_ = !flipped_;
    return set_egid(flipped_ ? kOtherGid : home_);
  }

 private:
  gid_t home_;
  bool flipped_ = false;
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext&) {
  const gid_t home = ::getegid();
  if (int err = set_egid(kOtherGid); err != 0)
    return make_error(fmt::format("cred flood: setresgid to gid {} refused: {} (needs CAP_SETGID)",
                                  kOtherGid, std::strerror(err)));
  if (int err = set_egid(home); err != 0)
    return make_error(fmt::format("cred flood: setresgid back to gid {} refused: {}", home,
                                  std::strerror(err)));
  return std::unique_ptr<FloodOp>(std::make_unique<CredOp>(home));
}

std::string unavailable() {
  constexpr int kCapSetgid = 6;  // CAP_SETGID
  return has_effective_capability(kCapSetgid)
             ? std::string()
             : "changing credentials needs CAP_SETGID, which memtortured does not have";
}

}  // namespace

extern constinit const FloodKind kCredFlood{
    .name = "cred",
    .summary = "setresgid flipping the thread's effective gid: every commit_creds frees the old "
               "cred through call_rcu(put_cred_rcu) (kernel/cred.c)",
    .needs_dir = false,
    .make_op = make_op,
    .unavailable = unavailable,
};

}  // namespace mt::workloads
