#include "workloads/stop.h"

#include <gtest/gtest.h>

#include <thread>

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

TEST(StopFlag, SleepsWhenNotStopped) {
  StopFlag stop;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(stop.sleep_for(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_FALSE(stop.stop_requested());
}

TEST(StopFlag, StopEndsASleepEarly) {
  StopFlag stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(stop.sleep_for(60s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_TRUE(stop.stop_requested());
  EXPECT_TRUE(stop.sleep_for(1h));  // already stopped: returns at once
}

}  // namespace
}  // namespace mt::workloads
