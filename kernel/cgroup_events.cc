#include "kernel/cgroup_events.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mt::kernel {
namespace {

Error errno_error(std::string_view what, const std::filesystem::path& file, int err) {
  return Error{fmt::format("{} {}: {}", what, file.string(), std::strerror(err))};
}

}  // namespace

std::string v1_event_line(int event_fd, int control_fd, std::string_view args) {
  if (args.empty()) return fmt::format("{} {}", event_fd, control_fd);
  return fmt::format("{} {} {}", event_fd, control_fd, args);
}

Result<int> register_v1_event(const std::filesystem::path& dir, std::string_view control_file,
                              std::string_view args) {
  const auto control = dir / control_file;
  const int cfd = ::open(control.c_str(), O_RDONLY | O_CLOEXEC);
  if (cfd < 0) return errno_error("cannot open", control, errno);
  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    const int err = errno;
    ::close(cfd);
    return errno_error("eventfd for", control, err);
  }
  const auto events = dir / "cgroup.event_control";
  const std::string line = v1_event_line(efd, cfd, args);
  const int wfd = ::open(events.c_str(), O_WRONLY | O_CLOEXEC);
  int err = wfd < 0 ? errno : 0;
  if (wfd >= 0 && ::write(wfd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    err = errno;
  if (wfd >= 0) ::close(wfd);
  ::close(cfd);  // the kernel takes what it needs from it at registration
  if (err != 0) {
    ::close(efd);
    return errno_error(fmt::format("cannot register '{}' in", line), events, err);
  }
  return efd;
}

std::uint64_t drain_eventfd(int fd) {
  std::uint64_t n = 0;
  if (::read(fd, &n, sizeof n) != static_cast<ssize_t>(sizeof n)) return 0;
  return n;
}

Result<int> watch_modify(const std::filesystem::path& file) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return errno_error("inotify for", file, errno);
  if (::inotify_add_watch(fd, file.c_str(), IN_MODIFY) < 0) {
    const int err = errno;
    ::close(fd);
    return errno_error("cannot watch", file, err);
  }
  return fd;
}

bool drain_inotify(int fd) {
  alignas(inotify_event) std::array<char, 4096> buf;
  bool any = false;
  while (::read(fd, buf.data(), buf.size()) > 0) any = true;
  return any;
}

}  // namespace mt::kernel
