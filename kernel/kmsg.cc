#include "kernel/kmsg.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace mt::kernel {
namespace {

// The value of `key=` in a comma-separated list of key=value pairs.
std::optional<std::string_view> field(std::string_view list, std::string_view key) {
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = list.find(',', at);
    const std::string_view item =
        list.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=')
      return item.substr(key.size() + 1);
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<KmsgRecord> parse_kmsg_record(std::string_view record) {
  const std::size_t semi = record.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  const std::string_view head = record.substr(0, semi);
  const std::size_t c1 = head.find(',');
  const std::size_t c2 = c1 == std::string_view::npos ? c1 : head.find(',', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  const std::size_t c3 = head.find(',', c2 + 1);
  const std::string_view usec = head.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1);
  KmsgRecord r;
  const auto [end, ec] = std::from_chars(usec.data(), usec.data() + usec.size(), r.usec);
  if (ec != std::errc() || end != usec.data() + usec.size()) return std::nullopt;
  r.text = record.substr(semi + 1);
  const std::size_t nl = r.text.find('\n');  // continuation lines (" KEY=value") follow
  if (nl != std::string_view::npos) r.text = r.text.substr(0, nl);
  return r;
}

std::optional<OomKillLine> parse_oom_kill_record(std::string_view record) {
  auto r = parse_kmsg_record(record);
  constexpr std::string_view kTag = "oom-kill:";
  if (!r || r->text.substr(0, kTag.size()) != kTag) return std::nullopt;
  const std::string_view list = r->text.substr(kTag.size());
  const auto memcg = field(list, "oom_memcg");
  const auto pid = field(list, "pid");
  if (!memcg || !pid) return std::nullopt;
  OomKillLine line;
  line.usec = r->usec;
  line.oom_memcg = std::string(*memcg);
  line.task_memcg = std::string(field(list, "task_memcg").value_or(""));
  line.task = std::string(field(list, "task").value_or(""));
  const auto [end, ec] = std::from_chars(pid->data(), pid->data() + pid->size(), line.pid);
  if (ec != std::errc() || end != pid->data() + pid->size()) return std::nullopt;
  return line;
}

Result<int> open_kmsg_at_end(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  if (::lseek(fd, 0, SEEK_END) < 0) {
    const int err = errno;
    ::close(fd);
    return Error{fmt::format("cannot seek to the end of {}: {}", path, std::strerror(err))};
  }
  return fd;
}

std::optional<std::string> read_kmsg_record(int fd) {
  std::array<char, 8192> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) return std::string(buf.data(), static_cast<std::size_t>(n));
    if (n < 0 && errno == EPIPE) continue;  // overwritten before we read it: go on after it
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

}  // namespace mt::kernel
