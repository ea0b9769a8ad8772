// WorkloadRatePart: each workload's ops/s per sample, from its worker's counters.
#include "daemon/parts/workload_rate_part.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/scheduler.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(WorkloadRatePart, NamesAreFiguresAndTwoThatReadTheSameDiffer) {
  EXPECT_EQ(WorkloadRatePart::metric_name("udp-Flood.2"), "workload.udp_flood_2.ops_per_s");
  WorkloadRatePart part({"a-b", "a_b", "hog"});
  EXPECT_THAT(part.metrics(),
              ElementsAre(Field(&MetricDef::name, "workload.a_b.ops_per_s"),
                          Field(&MetricDef::name, "workload.a_b_2.ops_per_s"),
                          Field(&MetricDef::name, "workload.hog.ops_per_s")));
  for (const MetricDef& m : part.metrics()) {
    EXPECT_EQ(m.unit, "1/s");
    EXPECT_TRUE(m.absent_is_fine);
  }
}

TEST(WorkloadRatePart, TheRateIsTheCounterDeltaOverTheSampleInterval) {
  boost::asio::io_context io;
  FakeClock clock;
  ManualScheduler timers(clock);
  std::map<std::string, std::optional<std::uint64_t>> ops = {{"flood", 1000}, {"hog", std::nullopt}};
  PartContext cx{io, timers, [] { return 0.0; }, [](Event::Body) {}, std::nullopt};
  cx.workload_ops = [&](const std::string& w) { return ops.at(w); };
  WorkloadRatePart part({"flood", "hog"});

  Sample s0 = testing::sample(0.0, 0, 0);
  ASSERT_TRUE(part.measure(s0, cx));
  EXPECT_TRUE(s0.metrics.empty());  // a first reading has no interval yet

  ops["flood"] = 6000;
  ops["hog"] = 10;  // started since
  Sample s1 = testing::sample(0.1, 0, 0);
  ASSERT_TRUE(part.measure(s1, cx));
  EXPECT_DOUBLE_EQ(s1.metrics.at("workload.flood.ops_per_s"), 50'000);
  EXPECT_FALSE(s1.metrics.contains("workload.hog.ops_per_s"));

  ops["flood"] = std::nullopt;  // ended
  ops["hog"] = 210;
  Sample s2 = testing::sample(0.3, 0, 0);
  ASSERT_TRUE(part.measure(s2, cx));
  EXPECT_FALSE(s2.metrics.contains("workload.flood.ops_per_s"));
  EXPECT_DOUBLE_EQ(s2.metrics.at("workload.hog.ops_per_s"), 1000);
}

}  // namespace
}  // namespace mt::daemon
