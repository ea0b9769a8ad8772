#include "workloads/page_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/fs.h"

namespace mt::workloads {

PageCacheWorkload::PageCacheWorkload(PageCacheOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

PageCacheWorkload::~PageCacheWorkload() { (void)cleanup(); }

Status PageCacheWorkload::prepare() {
  if (options_.dir.empty()) return make_error("the page_cache workload needs a directory (--dir)");
  if (options_.size == 0) return make_error("page_cache: size must be greater than 0");
  file_ = options_.dir / "memtorture-page-cache.dat";
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0)
    return make_error(fmt::format("cannot create {}: {}", file_.string(), fs::errno_text(errno)));
  buffer_.assign(kPageCacheChunk, 'm');
  return {};
}

Result<bool> PageCacheWorkload::pass(bool write, StopFlag& stop) {
  for (std::uint64_t at = 0; at < options_.size; at += kPageCacheChunk) {
    if (!wait_while_paused(paused_, stop, kPageCachePausePoll)) return false;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kPageCacheChunk, options_.size - at));
    buffer_[0] = static_cast<char>(buffer_[0] + 1);  // a rewrite is a real write
    const ssize_t done = write ? ::pwrite(fd_, buffer_.data(), n, static_cast<off_t>(at))
                               : ::pread(fd_, buffer_.data(), n, static_cast<off_t>(at));
    if (done < 0) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return make_error(fmt::format("{} {}: {}", write ? "write to" : "read of", file_.string(),
                                    fs::errno_text(errno)));
    }
    ops_.fetch_add(1, std::memory_order_relaxed);
    if (write) bytes_.store(std::max<std::uint64_t>(bytes_.load(), at + static_cast<std::uint64_t>(done)));
  }
  return true;
}

Status PageCacheWorkload::run(int /*index*/, StopFlag& stop) {
  if (fd_ < 0) return make_error("page_cache: run() before prepare()");
  auto first = pass(true, stop);
  if (!first) return first.error();
  if (!*first) return {};
  if (!options_.dirty && ::fdatasync(fd_) != 0)
    return make_error(fmt::format("fdatasync of {}: {}", file_.string(), fs::errno_text(errno)));
  while (!stop.stop_requested()) {
    auto again = pass(options_.dirty, stop);
    if (!again) return again.error();
    if (!*again || stop.sleep_for(kPageCachePassPause)) return {};
  }
  return {};
}

Counters PageCacheWorkload::counters() const {
  return Counters{.ops = ops_.load(std::memory_order_relaxed),
                  .errors = errors_.load(std::memory_order_relaxed),
                  .bytes = bytes_.load(std::memory_order_relaxed),
                  .paused = paused_.load(std::memory_order_relaxed)};
}

Status PageCacheWorkload::set_paused(bool paused) {
  paused_.store(paused, std::memory_order_relaxed);
  return {};
}

Status PageCacheWorkload::cleanup() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!file_.empty()) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
    file_.clear();
  }
  return {};
}

}  // namespace mt::workloads
