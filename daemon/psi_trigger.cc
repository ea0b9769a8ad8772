#include "daemon/psi_trigger.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/psi.h"

namespace mt::daemon {

std::string PsiTrigger::format(campaign::PsiKind kind, std::chrono::microseconds stall,
                               std::chrono::microseconds window) {
  return fmt::format("{} {} {}", campaign::to_string(kind), stall.count(), window.count());
}

Result<std::unique_ptr<PsiTrigger>> PsiTrigger::arm(boost::asio::io_context& io,
                                                    const std::filesystem::path& file,
                                                    const std::string& trigger, OnEvent on_event) {
  auto fd = kernel::open_psi_trigger(file, trigger);  // the kernel file I/O: kernel/ only
  if (!fd) return fd.error();
  std::unique_ptr<PsiTrigger> t(new PsiTrigger(io, *fd, std::move(on_event)));
  t->wait();
  return t;
}

PsiTrigger::PsiTrigger(boost::asio::io_context& io, int fd, OnEvent on_event)
    : fd_(io, fd), on_event_(std::move(on_event)) {}

PsiTrigger::~PsiTrigger() {
  close();
}

void PsiTrigger::close() {
  *alive_ = false;
  if (fd_.is_open()) {
    boost::system::error_code ec;
    fd_.cancel(ec);
    fd_.close(ec);
  }
}

void PsiTrigger::wait() {
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_error,
                 [this, alive = alive_](const boost::system::error_code& ec) {
                   if (ec || !*alive) return;
                   // The wake-up is the event: epoll's own poll of the file already consumed
                   // it, so polling again would not see POLLPRI. It does still see POLLERR,
                   // which a removed cgroup reports forever: stop then, don't spin.
                   pollfd p{fd_.native_handle(), POLLPRI, 0};
                   if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLNVAL))) {
                     spdlog::debug("PSI trigger fd reported POLLERR; closing it");
                     close();
                     return;
                   }
                   on_event_();
                   if (*alive) wait();
                 });
}

}  // namespace mt::daemon
