#include "workloads/control.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace mt::workloads {
namespace {
// A line longer than this is no command: dropped (keeps a runaway writer from growing memory).
constexpr std::size_t kMaxLine = 256;
}  // namespace

ControlReader::ControlReader(int fd) {
  if (fd < 0) return;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return;  // not open
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  fd_ = fd;
}

std::vector<std::string> ControlReader::read_lines() {
  std::vector<std::string> lines;
  if (fd_ < 0) return lines;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) fd_ = -1;  // closed: no more
    break;
  }
  for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
    if (nl <= kMaxLine) lines.push_back(pending_.substr(0, nl));
    pending_.erase(0, nl + 1);
  }
  if (pending_.size() > kMaxLine) pending_.clear();
  return lines;
}

}  // namespace mt::workloads
