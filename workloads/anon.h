// The anon workload: one anonymous private mapping whose pages are written one byte at a time,
// so that the memory charged to the cgroup grows linearly to `size` over `ramp`, then stays there
// while every page keeps being written (a pass, then kAnonHoldPause, again).
//   ops:   pages written (first touches and rewrites) and pages advised (madvise modes)
//   errors: madvise calls the kernel refused (EINVAL: a kernel without MADV_COLD/MADV_PAGEOUT)
//   bytes: bytes touched so far (at most `size`)
// Going over the cgroup's limit gets the worker OOM-killed by the kernel: that is expected.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct AnonOptions {
  std::uint64_t size = 0;
  std::chrono::milliseconds ramp{0};  // 0: touch everything at once
  // A sawtooth during the ramp: every `churn_every`, `churn_free` of the pages touched since the
  // last give-back are given back (the newest, MADV_DONTNEED), and growth goes on at the ramp's
  // rate from there.
  std::chrono::milliseconds churn_every{0};
  double churn_free = 0;
  // Once held, every pass advises the first `madvise_fraction` of the pages with `madvise_advice`
  // (MADV_COLD, MADV_PAGEOUT; 0: none) instead of rewriting them, so reclaim finds them cold.
  int madvise_advice = 0;
  double madvise_fraction = 0.5;
};

// Pause between two passes over the whole mapping once it is fully touched.
inline constexpr std::chrono::milliseconds kAnonHoldPause{100};
// Step of the ramp: how often the touched size is brought up to the line.
inline constexpr std::chrono::milliseconds kAnonRampTick{5};
// How often a paused anon workload looks whether it may go on.
inline constexpr std::chrono::milliseconds kAnonPausePoll{5};
// Pages written between two looks at the stop flag and two counter updates.
inline constexpr std::size_t kAnonChunkPages = 1024;

// Bytes that should be touched `elapsed` into a linear ramp of length `ramp` up to `size`.
std::uint64_t ramp_target(std::uint64_t size, std::chrono::nanoseconds ramp,
                          std::chrono::nanoseconds elapsed);
// The same line with `released` bytes given back so far: growth at size/ramp per second from
// the lower point, so the line reaches `size` later; in [0, size].
std::uint64_t churn_target(std::uint64_t size, std::chrono::nanoseconds ramp,
                           std::chrono::nanoseconds elapsed, std::uint64_t released);

// An anonymous private read-write mapping, unmapped on destruction.
class AnonRegion {
 public:
  static Result<AnonRegion> map(std::uint64_t size);
  AnonRegion(AnonRegion&& other) noexcept;
  AnonRegion& operator=(AnonRegion&& other) noexcept;
  AnonRegion(const AnonRegion&) = delete;
  AnonRegion& operator=(const AnonRegion&) = delete;
  ~AnonRegion();

  std::uint64_t size() const { return size_; }
  std::size_t page_size() const { return page_size_; }
  std::size_t page_count() const { return (size_ + page_size_ - 1) / page_size_; }
  const void* data() const { return base_; }
  // Bytes covered by the first `pages` pages (the last page may be partial).
  std::uint64_t bytes_in(std::size_t pages) const;

  // Writes one byte in each page of [first, last) and returns the number of pages written.
  std::size_t touch(std::size_t first, std::size_t last);
  // Gives pages [first, last) back to the kernel (MADV_DONTNEED: uncharged at once, zero-filled
  // when touched again).
  Status release(std::size_t first, std::size_t last);
  // madvise(`advice`) of pages [first, last).
  Status advise(std::size_t first, std::size_t last, int advice);

 private:
  AnonRegion(char* base, std::uint64_t size, std::size_t page_size)
      : base_(base), size_(size), page_size_(page_size) {}

  char* base_ = nullptr;
  std::uint64_t size_ = 0;
  std::size_t page_size_ = 4096;
  unsigned char stamp_ = 0;  // value written; changes every call so every write is a real write
};

class AnonWorkload final : public Workload {
 public:
  AnonWorkload(AnonOptions options, const Clock& clock);

  std::string name() const override { return "anon"; }
  int thread_count() const override { return 1; }
  Status prepare() override;
  Status run(int index, StopFlag& stop) override;
  Counters counters() const override;
  // Paused, it touches no page (what it holds stays held); the ramp goes on where it was.
  Status set_paused(bool paused) override;
  Status cleanup() override;

 private:
  // Touches pages [touched_, target) in chunks; false if a stop came first.
  bool touch_up_to(std::size_t target, StopFlag& stop);
  // One pass over every page; false if a stop came first.
  bool rewrite_all(StopFlag& stop, std::size_t first_page = 0);
  // Gives back churn_free of the pages touched since the last give-back (the newest).
  Status churn();

  AnonOptions options_;
  const Clock& clock_;
  std::optional<AnonRegion> region_;
  std::size_t touched_ = 0;  // pages [0, touched_) are written (and not given back)
  std::uint64_t released_ = 0;  // bytes given back by churn so far
  std::size_t touched_after_churn_ = 0;  // touched_ just after the last give-back
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<std::uint64_t> errors_{0};  // madvise calls refused
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<bool> paused_{false};
};

}  // namespace mt::workloads
