#include "daemon/parts/oom_part.h"

#include <sys/wait.h>

#include <csignal>

namespace mt::daemon {

void OomPart::count(std::uint64_t total, const std::string& workload, PartContext& cx) {
  const double t = cx.now_s();
  for (auto i = seen_; i < total; ++i) times_.push_back(t);
  seen_ = total;
  cx.emit(OomKill{total, workload});
}

void OomPart::on_sample(const Sample& s, PartContext& cx) {
  if (s.oom_kills > seen_) count(s.oom_kills, "", cx);
}

void OomPart::on_workload_exit(const WorkloadExit& e, PartContext& cx) {
  if (!WIFSIGNALED(e.wait_status) || WTERMSIG(e.wait_status) != SIGKILL || e.killed_by_us ||
      !cx.cgroup)
    return;
  auto memory = cx.cgroup->read_memory();
  if (!memory || memory->oom_kills <= attributed_) return;
  ++attributed_;
  killed_.insert(e.name);
  if (attributed_ > seen_) count(attributed_, e.name, cx);  // no sample has shown it yet
}

}  // namespace mt::daemon
