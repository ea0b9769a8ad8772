#include "workloads/pacer.h"

#include <algorithm>
#include <cmath>

namespace mt::workloads {
namespace {

// Rates above this get a one-nanosecond interval (no thread gets anywhere near it).
constexpr double kMaxRate = 1e9;

}  // namespace

Pacer::Pacer(double rate, std::uint64_t burst, const Clock& clock) : clock_(clock) {
  if (!(rate > 0)) return;  // unlimited (also for NaN)
  double ns = 1e9 / std::min(rate, kMaxRate);
  interval_ = std::chrono::nanoseconds(std::max<std::int64_t>(1, std::llround(ns)));
  burst_ = std::max<std::uint64_t>(1, burst);
  tolerance_ = interval_ * static_cast<std::int64_t>(burst_ - 1);
}

std::uint64_t Pacer::default_burst(double rate) {
  if (!(rate > 0)) return 1;
  double ops = rate * std::chrono::duration<double>(kPacerBurstWindow).count();
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(ops));
}

std::chrono::nanoseconds Pacer::reserve() {
  if (unlimited()) return std::chrono::nanoseconds::zero();
  Clock::time_point now = clock_.now();
  // After an idle (or slow) spell the schedule restarts at `now`: no debt beyond one burst.
  if (!started_ || due_ < now) {
    due_ = now;
    started_ = true;
  }
  Clock::time_point earliest = due_ - tolerance_;
  due_ += interval_;
  return earliest > now ? earliest - now : std::chrono::nanoseconds::zero();
}

}  // namespace mt::workloads
