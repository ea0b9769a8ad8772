// An injectable monotonic clock, so that anything time-based (criteria, estimators, pacing)
// is tested deterministically.
#pragma once

#include <chrono>

namespace mt {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

class FakeClock final : public Clock {
 public:
  time_point now() const override { return now_; }
  void advance(std::chrono::nanoseconds d) { now_ += d; }

 private:
  time_point now_{std::chrono::seconds(1000)};
};

}  // namespace mt
