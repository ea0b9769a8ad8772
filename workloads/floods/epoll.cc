// epoll: EPOLL_CTL_ADD then EPOLL_CTL_DEL of a pipe's read end on the thread's own epoll
// instance. Each removed epitem is freed through ep_remove -> kfree_rcu (fs/eventpoll.c; seen
// here in the kfree_rcu() batches as eventpoll_epi).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {
namespace {

class EpollOp final : public FloodOp {
 public:
  EpollOp(int epfd, int r, int w) : epfd_(epfd), r_(r), w_(w) {}
  ~EpollOp() override {
    ::close(epfd_);
    ::close(r_);
    ::close(w_);
  }
  int operator()() override {
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, r_, &ev) != 0) return errno;
    if (::epoll_ctl(epfd_, EPOLL_CTL_DEL, r_, nullptr) != 0) return errno;
    return 0;
  }

 private:
  int epfd_, r_, w_;
};

Result<std::unique_ptr<FloodOp>> make_op(const FloodOpContext&) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return make_error(fmt::format("epoll_create1: {}", std::strerror(errno)));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(epfd);
    return make_error(fmt::format("pipe2: {}", std::strerror(err)));
  }
  return std::unique_ptr<FloodOp>(std::make_unique<EpollOp>(epfd, fds[0], fds[1]));
}

std::string unavailable() {
  std::error_code ec;
  return std::filesystem::exists("/proc/sys/fs/epoll", ec)
             ? std::string()
             : "this kernel has no epoll (no /proc/sys/fs/epoll: CONFIG_EPOLL is off)";
}

}  // namespace

extern constinit const FloodKind kEpollFlood{
    .name = "epoll",
    .summary = "epoll_ctl ADD then DEL of a pipe on the thread's epoll: each epitem goes through "
               "kfree_rcu (fs/eventpoll.c, ep_remove)",
    .needs_dir = false,
    .make_op = make_op,
    .unavailable = unavailable,
};

}  // namespace mt::workloads
