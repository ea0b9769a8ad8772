#include "rcu/gp_latency.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;

TEST(LatencyStats, NearestRankPercentiles) {
  LatencyStats st;
  EXPECT_FALSE(st.percentile(50));
  for (int v : {50, 10, 40, 20, 30, 60, 70, 80, 90, 1000}) st.add(v);
  EXPECT_EQ(st.count(), 10u);
  EXPECT_EQ(*st.percentile(50), 50);
  EXPECT_EQ(*st.percentile(90), 90);
  EXPECT_EQ(*st.percentile(99), 1000);
  EXPECT_EQ(*st.max(), 1000);
  EXPECT_EQ(*st.percentile(0), 10) << "the smallest";
  LatencyStats one;
  one.add(7);
  EXPECT_EQ(*one.percentile(50), 7);
  EXPECT_EQ(*one.percentile(99), 7);
}

TEST(MembarrierWaits, OnlyWithMoreThanOneCpu) {
  EXPECT_FALSE(membarrier_waits_for_gp(1));
  EXPECT_TRUE(membarrier_waits_for_gp(2));
}

TEST(GpProber, OneMeasurementAtATimeAndARequestMeanwhileIsDropped) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> runs{0};
  std::promise<void> first_done;
  GpProber prober(
      [&]() -> Result<std::chrono::nanoseconds> {
        ++runs;
        released.wait();  // a grace period that takes its time
        return std::chrono::nanoseconds(5us);
      },
      [&](Result<std::chrono::nanoseconds> r) {
        if (runs == 1) first_done.set_value();
      });
  ASSERT_TRUE(prober.request());
  while (runs == 0) std::this_thread::yield();
  EXPECT_FALSE(prober.request()) << "the first is still waiting";
  release.set_value();
  first_done.get_future().wait();
  // Once done, the next request is taken (the prober may still be leaving its done callback).
  bool taken = false;
  for (int i = 0; i < 1000 && !taken; ++i) {
    taken = prober.request();
    if (!taken) std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(taken);
}

}  // namespace
}  // namespace mt::rcu
