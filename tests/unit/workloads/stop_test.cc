#include "workloads/stop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

// A sleep nobody ends lasts at least as long as asked (a lower bound: a loaded machine can
// only make it longer) and reports "not stopped".
TEST(StopFlag, SleepsWhenNotStopped) {
  StopFlag stop;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(stop.sleep_for(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_FALSE(stop.stop_requested());
}

// A stop from another thread ends a sleep early. The order is what is checked: the sleep
// returned "stopped", after the stop was requested and before its own hour was up; how soon
// after the request depends on the scheduler and is not asserted.
TEST(StopFlag, StopEndsASleepEarly) {
  StopFlag stop;
  std::atomic<bool> requested{false};
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    requested = true;
    stop.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stop.sleep_for(1h));
  EXPECT_TRUE(requested.load()) << "the sleep ended before anyone asked it to";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1h);
  EXPECT_TRUE(stop.stop_requested());
}

// Once stopped, a sleep does not sleep: it returns "stopped" before its time is up.
TEST(StopFlag, SleepAfterAStopReturnsAtOnce) {
  StopFlag stop;
  stop.request_stop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stop.sleep_for(1h));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1h);
}

}  // namespace
}  // namespace mt::workloads
