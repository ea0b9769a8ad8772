// Keeps one thread at a target rate of operations per second on average, with a bounded burst.
//
// A virtual schedule (generic cell rate algorithm): operation n is due one interval after
// operation n-1, and may run up to (burst - 1) intervals early. A thread that fell behind (a sleep
// that overslept, a slow operation) catches up at full speed, but never by more than `burst`
// back-to-back operations; a thread that was slower than the rate for a long time does not build
// up a debt beyond that. The clock is injected so the schedule is tested with a FakeClock.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace mt::workloads {

// Burst that absorbs the oversleep of a sleep call (tens of microseconds, more on a busy
// machine) at high rates: this much time's worth of operations, at least one.
inline constexpr std::chrono::milliseconds kPacerBurstWindow{20};

class Pacer {
 public:
  // rate: operations per second; 0 (or less) means unlimited. burst: at least 1.
  Pacer(double rate, std::uint64_t burst, const Clock& clock);
  // With the default burst for `rate`.
  Pacer(double rate, const Clock& clock) : Pacer(rate, default_burst(rate), clock) {}

  static std::uint64_t default_burst(double rate);

  bool unlimited() const { return interval_ == std::chrono::nanoseconds::zero(); }
  std::chrono::nanoseconds interval() const { return interval_; }
  std::uint64_t burst() const { return burst_; }

  // Reserves a slot for the next operation and returns how long to wait before doing it
  // (zero: go now). Call once per operation; the caller sleeps, then does the operation.
  std::chrono::nanoseconds reserve();

 private:
  const Clock& clock_;
  std::chrono::nanoseconds interval_{0};
  std::uint64_t burst_ = 1;
  std::chrono::nanoseconds tolerance_{0};  // (burst - 1) intervals
  Clock::time_point due_{};                // when the next operation is due on the schedule
  bool started_ = false;
};

}  // namespace mt::workloads
