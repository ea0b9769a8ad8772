// The one source of timers: everything time-based in a campaign (sampling, its duration, the
// stop grace period, delayed starts; later hold times, cooldowns, estimators) asks a Scheduler,
// which the injected clock drives. AsioScheduler runs tasks on an io_context; ManualScheduler
// runs them when a test moves its FakeClock, so a whole timeline runs with no sleeps.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "common/clock.h"

namespace mt {

class Scheduler {
 public:
  using Task = std::function<void()>;
  using Id = std::uint64_t;  // never 0

  virtual ~Scheduler() = default;
  virtual const Clock& clock() const = 0;
  // Runs `task` at `when` on the clock (at once, but not within this call, if that has passed).
  virtual Id at(Clock::time_point when, Task task) = 0;
  Id after(std::chrono::nanoseconds delay, Task task) {
    return at(clock().now() + delay, std::move(task));
  }
  // A task that ran or was cancelled already: nothing happens.
  virtual void cancel(Id id) = 0;
};

// Tasks run on the io_context's thread. Waits are relative to clock(): a task due at `when`
// waits `when - clock().now()` of the io_context's steady time.
class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(boost::asio::io_context& io, const Clock& clock) : io_(io), clock_(clock) {}
  ~AsioScheduler() override;
  AsioScheduler(const AsioScheduler&) = delete;
  AsioScheduler& operator=(const AsioScheduler&) = delete;

  const Clock& clock() const override { return clock_; }
  Id at(Clock::time_point when, Task task) override;
  void cancel(Id id) override;

 private:
  boost::asio::io_context& io_;
  const Clock& clock_;
  Id next_ = 1;
  std::map<Id, std::shared_ptr<boost::asio::steady_timer>> timers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// For tests: nothing runs until run_until()/advance() moves the clock; then every task due by
// then runs in time order (equal times in the order scheduled), the clock set to each task's
// time as it runs, tasks they schedule included.
class ManualScheduler final : public Scheduler {
 public:
  explicit ManualScheduler(FakeClock& clock) : clock_(clock) {}

  const Clock& clock() const override { return clock_; }
  Id at(Clock::time_point when, Task task) override;
  void cancel(Id id) override;

  void run_until(Clock::time_point t);
  void advance(std::chrono::nanoseconds d) { run_until(clock_.now() + d); }
  // Runs tasks until none is left, or `limit` of them ran (a timeline that never ends).
  std::size_t run_all(std::size_t limit = 1'000'000);
  std::size_t pending() const { return queue_.size(); }

 private:
  void run_next();  // the earliest task, the clock moved to its time
  FakeClock& clock_;
  Id next_ = 1;
  // (when, id): ids grow, so equal times keep the order they were scheduled in.
  std::map<std::pair<Clock::time_point, Id>, Task> queue_;
  std::map<Id, Clock::time_point> when_of_;
};

}  // namespace mt
