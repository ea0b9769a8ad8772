// The grace-period probe part on a fake clock with a fake measurement: results filed by the
// knob values in force, the latest one in the next sample, a probe that is still waiting not
// queued behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "common/fs.h"
#include "common/scheduler.h"
#include "daemon/parts/gp_probe_part.h"
#include "daemon/parts/rcu_stall_part.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

class GpProbePartTest : public ::testing::Test {
 protected:
  GpProbePartTest() {
    stdfs::create_directories(dir_ / "sys/kernel");
    set_expedited(0);
    testing::write_text(dir_ / "sys/kernel/rcu_normal", "0\n");
  }
  void set_expedited(int v) {
    testing::write_text(dir_ / "sys/kernel/rcu_expedited", std::to_string(v) + "\n");
  }
  GpProbeOptions options() {
    GpProbeOptions o;
    o.sys = dir_ / "sys";
    o.cpus = 2;
    // Expedited grace periods take 3 µs, normal ones 20 ms (as measured on this machine).
    o.measure = [sys = o.sys]() -> Result<std::chrono::nanoseconds> {
      auto v = fs::read_line(sys / "kernel/rcu_expedited");
      return v && *v == "1" ? std::chrono::nanoseconds(3us) : std::chrono::nanoseconds(20ms);
    };
    return o;
  }
  PartContext context() {
    return PartContext{io_, timers_, [this] { return (clock_.now() - t0_) / 1.0s; },
                       [this](Event::Body b) { events_.push_back(std::move(b)); }, std::nullopt};
  }
  // Runs the result the prober's thread posts (it may not have posted yet; nothing else is
  // waiting on io_, so run() would return at once).
  void settle() {
    if (!testing::run_one_posted(io_)) ADD_FAILURE() << "no result from the prober in 2 s";
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  FakeClock clock_;
  ManualScheduler timers_{clock_};
  Clock::time_point t0_ = clock_.now();
  std::vector<Event::Body> events_;
};

TEST_F(GpProbePartTest, ResultsAreFiledByTheKnobsInForceAndTheLatestIsInTheSample) {
  GpProbePart part(options());
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  settle();  // the probe at setup
  Sample s;
  ASSERT_TRUE(part.measure(s, cx));
  ASSERT_TRUE(s.metrics.contains("rcu.gp_latency_us"));
  EXPECT_DOUBLE_EQ(s.metrics["rcu.gp_latency_us"], 20000);
  Sample none;
  ASSERT_TRUE(part.measure(none, cx));
  EXPECT_FALSE(none.metrics.contains("rcu.gp_latency_us")) << "each result in one sample only";

  timers_.advance(1s);
  settle();
  set_expedited(1);
  for (int i = 0; i < 3; ++i) {
    timers_.advance(1s);
    settle();
  }
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  const auto& g = r.parts["gp_probe"];
  ASSERT_EQ(g["phases"].size(), 2u) << g.dump();
  EXPECT_EQ(g["phases"][0]["knobs"], "rcu_expedited=0 rcu_normal=0");
  EXPECT_EQ(g["phases"][0]["count"], 2);
  EXPECT_DOUBLE_EQ(g["phases"][0]["p50_us"].get<double>(), 20000);
  EXPECT_EQ(g["phases"][1]["knobs"], "rcu_expedited=1 rcu_normal=0");
  EXPECT_EQ(g["phases"][1]["count"], 3);
  EXPECT_DOUBLE_EQ(g["phases"][1]["p99_us"].get<double>(), 3);
  EXPECT_EQ(g["error"], "");
}

TEST_F(GpProbePartTest, OffAndOneCpuMeanNoProbeAndSaySo) {
  auto o = options();
  o.cpus = 1;
  GpProbePart one(o);
  auto cx = context();
  ASSERT_TRUE(one.setup(cx));
  timers_.advance(3s);
  ASSERT_TRUE(one.teardown(cx));
  ReportData r;
  one.contribute(r);
  EXPECT_THAT(r.parts["gp_probe"]["error"].get<std::string>(), ::testing::HasSubstr("one CPU"));
  EXPECT_TRUE(r.parts["gp_probe"]["phases"].empty());
  EXPECT_EQ(timers_.pending(), 0u);

  o = options();
  o.interval = 0ms;
  GpProbePart off(o);
  ASSERT_TRUE(off.setup(cx));
  ASSERT_TRUE(off.teardown(cx));
  off.contribute(r);
  EXPECT_THAT(r.parts["gp_probe"]["error"].get<std::string>(), ::testing::HasSubstr("off"));
}

TEST_F(GpProbePartTest, AFailingMembarrierStopsTheProbeAndTheReportSaysWhy) {
  auto o = options();
  o.measure = []() -> Result<std::chrono::nanoseconds> {
    return make_error("membarrier(MEMBARRIER_CMD_GLOBAL): EINVAL (Invalid argument)");
  };
  GpProbePart part(o);
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  settle();
  EXPECT_EQ(timers_.pending(), 0u) << "no more ticks";
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  EXPECT_THAT(r.parts["gp_probe"]["error"].get<std::string>(), ::testing::HasSubstr("EINVAL"));
}

}  // namespace
}  // namespace mt::daemon

namespace mt::daemon {
namespace {

// RCU stall warnings: counted from the campaign's start, each new one told at once.
TEST(RcuStallPartTest, CountsWarningsSinceTheStartAndTellsEachNewOne) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "sys/kernel");
  testing::write_text(dir / "sys/kernel/rcu_stall_count", "7\n");
  boost::asio::io_context io;
  FakeClock clock;
  ManualScheduler timers{clock};
  std::vector<Event::Body> events;
  PartContext cx{io, timers, [] { return 0.0; },
                 [&events](Event::Body b) { events.push_back(std::move(b)); }, std::nullopt};
  RcuStallPart part(dir / "sys");
  ASSERT_TRUE(part.setup(cx));
  Sample s;
  ASSERT_TRUE(part.measure(s, cx));
  EXPECT_DOUBLE_EQ(s.metrics.at("rcu.stalls"), 0);
  EXPECT_TRUE(events.empty());
  testing::write_text(dir / "sys/kernel/rcu_stall_count", "9\n");
  ASSERT_TRUE(part.measure(s, cx));
  EXPECT_DOUBLE_EQ(s.metrics.at("rcu.stalls"), 2);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(std::get<LogLine>(events[0]).text, ::testing::HasSubstr("RCU CPU stall warning: 2"));
  ReportData r;
  part.contribute(r);
  EXPECT_EQ(r.parts["rcu_stalls"]["stalls"], 2);
  EXPECT_EQ(r.parts["rcu_stalls"]["before"], 7);

  RcuStallPart none(dir / "no-sys");
  ASSERT_TRUE(none.setup(cx));
  Sample t;
  ASSERT_TRUE(none.measure(t, cx));
  EXPECT_FALSE(t.metrics.contains("rcu.stalls"));
  none.contribute(r);
  EXPECT_THAT(r.parts["rcu_stalls"]["error"].get<std::string>(), ::testing::HasSubstr("ENOENT"));
}

}  // namespace
}  // namespace mt::daemon
