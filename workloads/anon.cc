#include "workloads/anon.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <utility>

#include "common/fs.h"
#include "common/units.h"

namespace mt::workloads {

std::uint64_t ramp_target(std::uint64_t size, std::chrono::nanoseconds ramp,
                          std::chrono::nanoseconds elapsed) {
  if (ramp <= std::chrono::nanoseconds::zero() || elapsed >= ramp) return size;
  if (elapsed <= std::chrono::nanoseconds::zero()) return 0;
  // size * elapsed / ramp without overflow: long double has a 64-bit mantissa.
  long double fraction = static_cast<long double>(elapsed.count()) / ramp.count();
  auto bytes = static_cast<std::uint64_t>(static_cast<long double>(size) * fraction);
  return std::min(bytes, size);
}

std::uint64_t churn_target(std::uint64_t size, std::chrono::nanoseconds ramp,
                           std::chrono::nanoseconds elapsed, std::uint64_t released) {
  if (ramp <= std::chrono::nanoseconds::zero()) return size;
  if (elapsed <= std::chrono::nanoseconds::zero()) return 0;
  const long double line =
      static_cast<long double>(size) * static_cast<long double>(elapsed.count()) / ramp.count();
  const long double target = line - static_cast<long double>(released);
  if (target <= 0) return 0;
  if (target >= static_cast<long double>(size)) return size;
  return static_cast<std::uint64_t>(target);
}

// ---- AnonRegion

Result<AnonRegion> AnonRegion::map(std::uint64_t size) {
  if (size == 0) return make_error("cannot map 0 bytes");
  if (size > std::numeric_limits<std::size_t>::max()) {
    return make_error(fmt::format("cannot map {} bytes: too large", size));
  }
  void* base = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    return make_error(fmt::format("mmap of {} bytes ({}) failed: {}", size, human_bytes(size),
                                  fs::errno_text(errno)));
  }
  long page = ::sysconf(_SC_PAGESIZE);
  return AnonRegion(static_cast<char*>(base), size,
                    page > 0 ? static_cast<std::size_t>(page) : std::size_t{4096});
}

AnonRegion::AnonRegion(AnonRegion&& other) noexcept {
  *this = std::move(other);
}

AnonRegion& AnonRegion::operator=(AnonRegion&& other) noexcept {
  if (this != &other) {
    if (base_ != nullptr) ::munmap(base_, static_cast<std::size_t>(size_));
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    page_size_ = other.page_size_;
    stamp_ = other.stamp_;
  }
  return *this;
}

AnonRegion::~AnonRegion() {
  if (base_ != nullptr) ::munmap(base_, static_cast<std::size_t>(size_));
}

std::uint64_t AnonRegion::bytes_in(std::size_t pages) const {
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(pages) * page_size_, size_);
}

std::size_t AnonRegion::touch(std::size_t first, std::size_t last) {
  last = std::min(last, page_count());
  if (first >= last) return 0;
  unsigned char value = ++stamp_;
  if (value == 0) value = ++stamp_;  // never write zero: stays a real write on a zero page
  volatile char* p = base_;
  for (std::size_t page = first; page < last; ++page) {
    p[page * page_size_] = static_cast<char>(value);
  }
  return last - first;
}

Status AnonRegion::advise(std::size_t first, std::size_t last, int advice) {
  last = std::min(last, page_count());
  if (first >= last) return {};
  if (::madvise(base_ + first * page_size_, (last - first) * page_size_, advice) != 0)
    return make_error(fmt::format("madvise({}) of {} pages failed: {}", advice, last - first,
                                  fs::errno_text(errno)));
  return {};
}

Status AnonRegion::release(std::size_t first, std::size_t last) {
  last = std::min(last, page_count());
  if (first >= last) return {};
  if (::madvise(base_ + first * page_size_, (last - first) * page_size_, MADV_DONTNEED) != 0)
    return make_error(fmt::format("madvise(MADV_DONTNEED) of {} pages failed: {}", last - first,
                                  fs::errno_text(errno)));
  return {};
}

// ---- AnonWorkload

AnonWorkload::AnonWorkload(AnonOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

Status AnonWorkload::prepare() {
  auto region = AnonRegion::map(options_.size);
  if (!region) return region.error();
  region_.emplace(std::move(*region));
  return {};
}

bool AnonWorkload::touch_up_to(std::size_t target, StopFlag& stop) {
  while (touched_ < target) {
    if (!wait_while_paused(paused_, stop, kAnonPausePoll)) return false;
    std::size_t end = std::min(target, touched_ + kAnonChunkPages);
    std::size_t n = region_->touch(touched_, end);
    touched_ = end;
    ops_.fetch_add(n, std::memory_order_relaxed);
    bytes_.store(region_->bytes_in(touched_), std::memory_order_relaxed);
  }
  return true;
}

Status AnonWorkload::set_paused(bool paused) {
  paused_.store(paused, std::memory_order_relaxed);
  return {};
}

bool AnonWorkload::rewrite_all(StopFlag& stop, std::size_t first_page) {
  for (std::size_t first = first_page; first < region_->page_count(); first += kAnonChunkPages) {
    if (!wait_while_paused(paused_, stop, kAnonPausePoll)) return false;
    ops_.fetch_add(region_->touch(first, first + kAnonChunkPages), std::memory_order_relaxed);
  }
  return true;
}

Status AnonWorkload::churn() {
  const std::size_t grown = touched_ > touched_after_churn_ ? touched_ - touched_after_churn_ : 0;
  const auto give_back = static_cast<std::size_t>(static_cast<double>(grown) * options_.churn_free);
  if (give_back == 0) return {};
  if (Status s = region_->release(touched_ - give_back, touched_); !s) return s;
  released_ += region_->bytes_in(touched_) - region_->bytes_in(touched_ - give_back);
  touched_ -= give_back;
  touched_after_churn_ = touched_;
  bytes_.store(region_->bytes_in(touched_), std::memory_order_relaxed);
  return {};
}

Status AnonWorkload::run(int /*index*/, StopFlag& stop) {
  if (!region_) return make_error("anon: run() before prepare()");
  const std::size_t pages = region_->page_count();
  const Clock::time_point start = clock_.now();
  const bool churning = options_.churn_every.count() > 0 && options_.churn_free > 0;
  Clock::time_point next_churn = start + options_.churn_every;

  // Ramp: bring the touched size up to the line, then wait a tick. With churn, part of it is
  // given back every churn_every until the size is reached.
  while (touched_ < pages) {
    if (churning && clock_.now() >= next_churn) {
      if (Status s = churn(); !s) return s;
      next_churn += options_.churn_every;
    }
    std::uint64_t bytes =
        churning ? churn_target(options_.size, options_.ramp, clock_.now() - start, released_)
                 : ramp_target(options_.size, options_.ramp, clock_.now() - start);
    std::size_t target =
        static_cast<std::size_t>((bytes + region_->page_size() - 1) / region_->page_size());
    if (!touch_up_to(target, stop)) return {};
    if (touched_ < pages && stop.sleep_for(kAnonRampTick)) return {};
  }

  // Hold: keep every page in use; with a madvise mode, the first part is advised cold instead.
  const std::size_t advised =
      options_.madvise_advice != 0
          ? static_cast<std::size_t>(static_cast<double>(pages) * options_.madvise_fraction)
          : 0;
  while (!stop.stop_requested()) {
    if (advised > 0) {
      if (!wait_while_paused(paused_, stop, kAnonPausePoll)) return {};
      if (Status s = region_->advise(0, advised, options_.madvise_advice); s)
        ops_.fetch_add(advised, std::memory_order_relaxed);
      else
        errors_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!rewrite_all(stop, advised)) return {};
    if (stop.sleep_for(kAnonHoldPause)) return {};
  }
  return {};
}

Counters AnonWorkload::counters() const {
  return Counters{.ops = ops_.load(std::memory_order_relaxed),
                  .errors = errors_.load(std::memory_order_relaxed),
                  .bytes = bytes_.load(std::memory_order_relaxed),
                  .paused = paused_.load(std::memory_order_relaxed)};
}

Status AnonWorkload::cleanup() {
  region_.reset();
  return {};
}

}  // namespace mt::workloads
