#include "common/fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace mt::fs {

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", name ? name : std::to_string(err), std::strerror(err));
}

Result<std::string> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(fmt::format("cannot open {}: {}", path.string(), errno_text(errno)));
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status for_each_line(const std::filesystem::path& path,
                     const std::function<void(std::string_view)>& on_line) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(fmt::format("cannot open {}: {}", path.string(), errno_text(errno)));
  constexpr std::size_t kBlock = 64 << 10;
  std::string buf;  // a partial line carried over, then the next block
  buf.reserve(kBlock * 2);
  for (;;) {
    const std::size_t kept = buf.size();
    buf.resize(kept + kBlock);
    ssize_t n = ::read(fd, buf.data() + kept, kBlock);
    if (n < 0) {
      buf.resize(kept);
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(err)));
    }
    buf.resize(kept + static_cast<std::size_t>(n));
    if (n == 0) break;
    std::string_view rest = buf;
    for (auto nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
      on_line(rest.substr(0, nl));
      rest.remove_prefix(nl + 1);
    }
    buf.erase(0, buf.size() - rest.size());
  }
  ::close(fd);
  if (!buf.empty()) on_line(buf);  // a last line without a newline
  return {};
}

Result<std::string> read_line(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::string_view s = *text;
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return std::string(s);
}

Result<std::uint64_t> read_u64(const std::filesystem::path& path) {
  auto line = read_line(path);
  if (!line) return line.error();
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(line->data(), line->data() + line->size(), v);
  if (ec != std::errc() || ptr != line->data() + line->size())
    return make_error(fmt::format("{}: expected a number, got '{}'", path.string(), *line));
  return v;
}

Status write_file(const std::filesystem::path& path, std::string_view content, bool create) {
  int flags = O_WRONLY | O_CLOEXEC | (create ? (O_CREAT | O_TRUNC) : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0)
    return make_error(
        fmt::format("cannot open {} for writing: {}", path.string(), errno_text(errno)));
  ssize_t n;
  do {
    n = ::write(fd, content.data(), content.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (n < 0)
    return make_error(
        fmt::format("cannot write '{}' to {}: {}", content, path.string(), errno_text(err)));
  if (static_cast<std::size_t>(n) != content.size())
    return make_error(fmt::format("short write to {}", path.string()));
  return {};
}

Status append_synced(const std::filesystem::path& path, std::string_view content) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(fmt::format("cannot open {}: {}", path.string(), errno_text(errno)));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return make_error(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return make_error(fmt::format("cannot sync {}: {}", path.string(), errno_text(err)));
  return {};
}

Status sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(fmt::format("cannot open {}: {}", dir.string(), errno_text(errno)));
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return make_error(fmt::format("cannot sync {}: {}", dir.string(), errno_text(err)));
  return {};
}

}  // namespace mt::fs
