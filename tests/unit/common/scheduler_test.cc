// ManualScheduler (time order, cancel, tasks that schedule tasks, the clock moved to each task)
// and AsioScheduler on a real io_context (relations only: order and cancel, never a speed).
#include "common/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

namespace mt {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

TEST(ManualScheduler, RunsDueTasksInTimeOrderWithTheClockAtEachTasksTime) {
  FakeClock clock;
  ManualScheduler s(clock);
  const auto t0 = clock.now();
  std::vector<std::string> ran;
  auto note = [&](std::string what) {
    return [&, what] { ran.push_back(what + "@" + std::to_string((clock.now() - t0) / 1ms)); };
  };
  s.after(300ms, note("c"));
  s.after(100ms, note("a"));
  s.after(100ms, note("b"));  // equal times: the order scheduled
  s.run_until(t0 + 200ms);
  EXPECT_THAT(ran, ElementsAre("a@100", "b@100"));
  EXPECT_EQ(clock.now(), t0 + 200ms);
  EXPECT_EQ(s.pending(), 1u);
  s.advance(1s);
  EXPECT_THAT(ran, ElementsAre("a@100", "b@100", "c@300"));
  EXPECT_EQ(clock.now(), t0 + 1200ms);
}

TEST(ManualScheduler, CancelledTasksNeverRunAndCancellingTwiceIsHarmless) {
  FakeClock clock;
  ManualScheduler s(clock);
  int runs = 0;
  const auto id = s.after(10ms, [&] { ++runs; });
  s.cancel(id);
  s.cancel(id);
  s.advance(1s);
  EXPECT_EQ(runs, 0);
}

TEST(ManualScheduler, ATimelineThatReschedulesItselfRunsWithNoSleeps) {
  // What the campaign runner does: a sample every 100 ms, drift-free, until a 2 s duration.
  FakeClock clock;
  ManualScheduler s(clock);
  const auto start = clock.now();
  int samples = 0;
  Scheduler::Id next = 0;
  std::function<void(int)> sample = [&](int n) {
    ++samples;
    next = s.at(start + (n + 1) * 100ms, [&, n] { sample(n + 1); });
  };
  sample(0);
  s.at(start + 2s, [&] { s.cancel(next); });
  s.run_all();
  EXPECT_EQ(samples, 20);  // at 0, 100, ..., 1900 ms; the one due at 2 s was cancelled
  EXPECT_EQ(s.pending(), 0u);
}

TEST(ManualScheduler, ATimeInThePastRunsAtTheNextStepNotWithinTheCall) {
  FakeClock clock;
  ManualScheduler s(clock);
  bool ran = false;
  s.at(clock.now() - 1s, [&] { ran = true; });
  EXPECT_FALSE(ran);
  s.run_until(clock.now());
  EXPECT_TRUE(ran);
}

TEST(AsioScheduler, RunsTasksInDueOrderAndNotCancelledOnes) {
  boost::asio::io_context io;
  SteadyClock clock;
  AsioScheduler s(io, clock);
  std::vector<int> ran;
  s.after(30ms, [&] { ran.push_back(3); });
  s.after(10ms, [&] { ran.push_back(1); });
  const auto id = s.after(20ms, [&] { ran.push_back(2); });
  s.cancel(id);
  io.run();
  EXPECT_THAT(ran, ElementsAre(1, 3));
}

TEST(AsioScheduler, TasksPendingWhenItGoesAwayNeverRun) {
  boost::asio::io_context io;
  SteadyClock clock;
  bool ran = false;
  {
    AsioScheduler s(io, clock);
    s.after(1ms, [&] { ran = true; });
  }
  io.run();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace mt
