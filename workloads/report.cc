#include "workloads/report.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace mt::workloads {

bool ReportWriter::is_open(int fd) {
  return fd >= 0 && ::fcntl(fd, F_GETFD) != -1;
}

ReportWriter::Outcome ReportWriter::write_line(std::string_view line,
                                               std::chrono::milliseconds wait) {
  // A pipe with no reader polls as POLLERR (and writable): the write below then says EPIPE.
  pollfd pfd{.fd = fd_, .events = POLLOUT, .revents = 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(wait.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) {
    error_ = errno;
    return Outcome::failed;
  }
  if (ready == 0) return Outcome::busy;
  if (pfd.revents & POLLNVAL) {
    error_ = EBADF;
    return Outcome::failed;
  }

  ssize_t n;
  do {
    n = ::write(fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error_ = errno;
    if (errno == EPIPE) return Outcome::closed;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Outcome::busy;
    return Outcome::failed;
  }
  if (static_cast<std::size_t>(n) != line.size()) {
    // Only possible for a line longer than PIPE_BUF or on a full disk; the protocol keeps lines
    // short, so treat it as a broken report channel.
    error_ = EIO;
    return Outcome::failed;
  }
  return Outcome::written;
}

}  // namespace mt::workloads
