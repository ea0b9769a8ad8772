// The ledger part on a fake clock over a fake ledger source that plays a steady UDP flood:
// figures reach the samples (each reading once), the walk and the backlog come at their
// intervals, the floods are paused around the barrier and continued after it, the report holds
// the totals, the largest walk and the backlog against the walk and the cgroup; a ledger that
// cannot open leaves a campaign that runs on and a report that says why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "common/scheduler.h"
#include "daemon/parts/ledger_part.h"
#include "rcu/ledger_source.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::uint64_t kUdp = 0xffff888100001000;
constexpr std::uint64_t kSkDestruct = 0xffffffff81e83670;
constexpr std::uint32_t kUdpSize = 1344;

// A flood that frees 1000 UDP sockets per ms of its clock and keeps 3000 callbacks queued; a
// barrier frees what is queued. Its clock is the test's FakeClock.
class FloodSource final : public rcu::LedgerSource {
 public:
  // `sized`: the kernel has bpf_get_kmem_cache; without it the real source opens no method 1
  // and walks nothing.
  explicit FloodSource(const FakeClock& clock, bool sized = true) : clock_(clock) {
    facts_.flavour = "rcu_preempt";
    facts_.cpus = {0};
    facts_.pending = facts_.barrier = true;
    facts_.freed = facts_.sized = sized;
  }
  const rcu::LedgerFacts& facts() const override { return facts_; }
  Result<rcu::RawFreed> read_freed() override {
    rcu::RawFreed r;
    r.at = now();
    const std::uint64_t n = objects_at(r.at) + barrier_freed_;
    r.caches.push_back({kUdp, "UDP", kUdpSize, {{n, n * kUdpSize, 0, 0, 0}}});
    r.per_cpu = {rcu::FreedCounters{}};
    return r;
  }
  Result<std::vector<rcu::CpuPendingCounts>> read_counts(std::uint64_t& seq) override {
    seq = barriers_;
    rcu::CpuPendingCounts c;
    c.cpu = 0;
    c.len = kQueued;
    c.seglen = {0, kQueued, 0, 0};
    c.barrier_seq_snap = barriers_;
    c.n_cbs_invoked = objects_at(now()) + barrier_freed_;  // each socket is one callback
    return std::vector{c};
  }
  Result<rcu::RawWalk> walk() override {
    ++walks_;
    rcu::RawWalk w;
    w.at = now();
    w.slots = {{kSkDestruct, kUdp, "UDP", kUdpSize, kQueued, kQueued, kQueued * kUdpSize}};
    w.cpus = {rcu::CpuWalk{0, {0, kQueued, 0, 0}, kQueued, kQueued, kQueued, kQueued * kUdpSize,
                           0, 0, rcu::WalkStop::end}};
    return w;
  }
  Status set_freed_attached(bool) override { return {}; }
  Result<rcu::BarrierWrite> barrier() override {
    barrier_freed_ += kQueued;
    ++barriers_;
    return rcu::BarrierWrite{20ms, 0};
  }
  std::chrono::nanoseconds now() const override { return clock_.now().time_since_epoch(); }

  static constexpr std::int64_t kQueued = 3000;
  int walks_ = 0;

 private:
  std::uint64_t objects_at(std::chrono::nanoseconds t) const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count()) * 1000;
  }
  const FakeClock& clock_;
  rcu::LedgerFacts facts_;
  std::uint64_t barrier_freed_ = 0;
  std::uint64_t barriers_ = 0;
};

class LedgerPartTest : public ::testing::Test {
 protected:
  LedgerPartOptions options(campaign::LedgerSpec spec) {
    LedgerPartOptions o;
    o.spec = spec;
    // The paused workers are seen stopped at the third look.
    o.all_stopped = [this](const std::vector<pid_t>& pids) {
      stop_checks_.push_back(pids);
      return stop_checks_.size() >= 3;
    };
    o.open = [this](const rcu::LedgerOptions&) -> Result<std::unique_ptr<rcu::Ledger>> {
      auto src = std::make_unique<FloodSource>(clock_, sized_);
      source_ = src.get();
      return std::make_unique<rcu::Ledger>(std::move(src));
    };
    return o;
  }
  static campaign::LedgerSpec walk_every_second_backlog_every_two() {
    campaign::LedgerSpec spec;
    spec.walk_interval = 1s;
    spec.backlog_interval = 2s;
    return spec;
  }
  PartContext context() {
    PartContext cx{io_, timers_, [this] { return (clock_.now() - t0_) / 1.0s; },
                   [this](Event::Body b) { events_.push_back(std::move(b)); }, std::nullopt};
    cx.freeze_floods = [this](bool frozen) {
      freezes_.push_back(frozen);
      return std::vector<pid_t>{101, 102};
    };
    return cx;
  }
  // Runs what the part's thread posts back (one result).
  void settle() {
    if (!testing::run_one_posted(io_)) ADD_FAILURE() << "nothing from the ledger's thread in 2 s";
  }
  Sample sample_now(LedgerPart& part, PartContext& cx) {
    Sample s;
    s.t_s = cx.now_s();
    EXPECT_TRUE(part.measure(s, cx));
    return s;
  }

  boost::asio::io_context io_;
  FakeClock clock_;
  ManualScheduler timers_{clock_};
  Clock::time_point t0_ = clock_.now();
  std::vector<Event::Body> events_;
  std::vector<bool> freezes_;
  std::vector<std::vector<pid_t>> stop_checks_;
  FloodSource* source_ = nullptr;
  bool sized_ = true;
};

TEST_F(LedgerPartTest, FiguresWalksAndABacklogWithTheFloodsPausedAroundIt) {
  LedgerPart part(options(walk_every_second_backlog_every_two()));
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  settle();  // opened
  settle();  // the first walk, asked for as soon as it opened

  // The first sample asks for a reading; the next one carries it.
  Sample first = sample_now(part, cx);
  EXPECT_EQ(first.metrics.count("rcu.freed_bytes_per_s"), 0u);
  EXPECT_DOUBLE_EQ(first.metrics.at("rcu.pending_bytes"), 3000.0 * kUdpSize);
  settle();
  timers_.advance(100ms);
  Sample second = sample_now(part, cx);
  EXPECT_DOUBLE_EQ(second.metrics.at("rcu.pending_callbacks"), 3000);
  EXPECT_EQ(second.metrics.count("rcu.freed_bytes_per_s"), 0u) << "no interval, no rate";
  // 1000 sockets a ms between the reading at open and this one, at the same instant: no rate
  // yet (zero seconds); the next reading 100 ms later has one.
  settle();
  timers_.advance(100ms);
  Sample third = sample_now(part, cx);
  ASSERT_TRUE(third.metrics.count("rcu.freed_bytes_per_s"));
  EXPECT_DOUBLE_EQ(third.metrics.at("rcu.freed_bytes_per_s"), 1e6 * kUdpSize);
  EXPECT_DOUBLE_EQ(third.metrics.at("rcu.freed_objects_per_s"), 1e6);
  EXPECT_DOUBLE_EQ(third.metrics.at("rcu.invoked_per_s"), 1e6);
  EXPECT_EQ(third.metrics.count("rcu.pending_bytes"), 0u) << "each walk in one sample only";
  settle();

  // t = 1 s: a walk; t = 2 s: a walk and the backlog, with the floods paused until it is done.
  timers_.advance(800ms);
  settle();
  EXPECT_TRUE(freezes_.empty());
  timers_.advance(1000ms);
  EXPECT_THAT(freezes_, ElementsAre(true));
  for (int i = 0; i < 2; ++i) settle();  // the walk and the backlog, in the order posted
  EXPECT_THAT(freezes_, ElementsAre(true, false));
  Sample after = sample_now(part, cx);
  EXPECT_DOUBLE_EQ(after.metrics.at("rcu.backlog_bytes"), 3000.0 * kUdpSize);
  settle();

  ASSERT_TRUE(part.teardown(cx));
  EXPECT_EQ(timers_.pending(), 0u);
  ReportData r;
  part.contribute(r);
  const auto& j = r.parts["ledger"];
  EXPECT_EQ(j["running"], true);
  EXPECT_EQ(j["error"], "");
  EXPECT_EQ(j["flavour"], "rcu_preempt");
  EXPECT_EQ(j["freed"]["caches"][0]["name"], "UDP");
  // From open to teardown, 2 s of the flood, plus one barrier's 3000 sockets.
  EXPECT_EQ(j["freed"]["objects"], 2'000'000u + 3000u);
  EXPECT_EQ(j["walks"]["count"], 3);
  EXPECT_EQ(j["walks"]["largest"]["by_function"][0]["function"], "0xffffffff81e83670");
  ASSERT_EQ(j["backlogs"].size(), 1u);
  const auto& b = j["backlogs"][0];
  EXPECT_EQ(b["outcome"], "ran");
  EXPECT_EQ(b["floods_paused"], 2);
  EXPECT_EQ(b["floods_stopped"], true);
  ASSERT_EQ(stop_checks_.size(), 3u) << "the barrier waits until the paused workers have stopped";
  EXPECT_THAT(stop_checks_[0], ElementsAre(101, 102));
  // One point of the freed series per reading with a rate, the flood's cache on top.
  ASSERT_FALSE(j["freed_series"].empty());
  EXPECT_EQ(j["freed_series"][0]["top"][0][0], "UDP");
  EXPECT_DOUBLE_EQ(j["freed_series"][0]["bytes_per_s"].get<double>(), 1e6 * kUdpSize);
  EXPECT_EQ(b["bytes"], 3000u * kUdpSize);
  EXPECT_DOUBLE_EQ(b["walk_vs_barrier_percent"].get<double>(), 0);
}

// A 6.12 kernel: no bpf_get_kmem_cache, so the ledger counts and never walks or measures a
// backlog; the counts and the invoked rate still reach the samples and the report.
TEST_F(LedgerPartTest, AnUnsizedLedgerCountsAndNeverWalks) {
  sized_ = false;
  LedgerPart part(options(walk_every_second_backlog_every_two()));
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  settle();  // opened; no walk asked for
  sample_now(part, cx);
  settle();
  timers_.advance(100ms);
  sample_now(part, cx);
  settle();
  timers_.advance(100ms);
  Sample s = sample_now(part, cx);
  EXPECT_DOUBLE_EQ(s.metrics.at("rcu.pending_callbacks"), 3000);
  EXPECT_DOUBLE_EQ(s.metrics.at("rcu.invoked_per_s"), 1e6);
  EXPECT_EQ(s.metrics.count("rcu.pending_bytes"), 0u);
  EXPECT_EQ(s.metrics.count("rcu.freed_bytes_per_s"), 0u);
  settle();
  timers_.advance(2000ms);
  EXPECT_EQ(timers_.pending(), 0u) << "no walk or backlog timer";
  EXPECT_EQ(source_->walks_, 0);
  EXPECT_TRUE(freezes_.empty());
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  const auto& j = r.parts["ledger"];
  EXPECT_EQ(j["coverage"]["sized"], false);
  EXPECT_EQ(j["walks"]["count"], 0);
  EXPECT_EQ(j["invoked_per_s"]["readings"], 2u);
  EXPECT_DOUBLE_EQ(j["invoked_per_s"]["median"].get<double>(), 1e6);
  bool said = false;
  for (const auto& e : events_)
    if (const auto* l = std::get_if<LogLine>(&e))
      said |= l->text.find("no backlog") != std::string::npos;
  EXPECT_TRUE(said) << "the log says why there are no backlog measurements";
}

TEST_F(LedgerPartTest, ALedgerThatCannotOpenLeavesTheCampaignRunningAndSaysWhy) {
  LedgerPartOptions o;
  o.open = [](const rcu::LedgerOptions&) -> Result<std::unique_ptr<rcu::Ledger>> {
    return make_error("RCU ledger: loading BPF: EPERM (Operation not permitted)");
  };
  LedgerPart part(o);
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  settle();
  Sample s = sample_now(part, cx);
  EXPECT_TRUE(s.metrics.empty());
  timers_.advance(5s);
  EXPECT_TRUE(freezes_.empty());
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  EXPECT_EQ(r.parts["ledger"]["running"], false);
  EXPECT_THAT(r.parts["ledger"]["error"].get<std::string>(), HasSubstr("EPERM"));
  ASSERT_FALSE(events_.empty());
  EXPECT_THAT(std::get<LogLine>(events_.back()).text, HasSubstr("RCU ledger off"));
}

TEST_F(LedgerPartTest, OffMeansNothingOpened) {
  campaign::LedgerSpec spec;
  spec.enabled = false;
  LedgerPart part(options(spec));
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  Sample s = sample_now(part, cx);
  EXPECT_TRUE(s.metrics.empty());
  ASSERT_TRUE(part.teardown(cx));
  EXPECT_EQ(source_, nullptr);
  ReportData r;
  part.contribute(r);
  EXPECT_THAT(r.parts["ledger"]["error"].get<std::string>(), HasSubstr("off"));
}

TEST_F(LedgerPartTest, AHostThatCannotRunTheLedgerNeverTriesToOpenIt) {
  LedgerPartOptions o = options(campaign::LedgerSpec{});
  o.unavailable = "no bpf_get_kmem_cache kfunc (kernels before 6.13): cannot size objects";
  bool opened = false;
  o.open = [&opened](const rcu::LedgerOptions&) -> Result<std::unique_ptr<rcu::Ledger>> {
    opened = true;
    return make_error("must not be asked");
  };
  LedgerPart part(o);
  auto cx = context();
  ASSERT_TRUE(part.setup(cx));
  Sample s = sample_now(part, cx);
  EXPECT_TRUE(s.metrics.empty());
  ASSERT_TRUE(part.teardown(cx));
  EXPECT_FALSE(opened);
  ReportData r;
  part.contribute(r);
  EXPECT_THAT(r.parts["ledger"]["error"].get<std::string>(), HasSubstr("off: no bpf_get_kmem_cache"));
  ASSERT_FALSE(events_.empty());
  EXPECT_THAT(std::get<LogLine>(events_.back()).text, HasSubstr("RCU ledger off: no bpf_get_kmem_cache"));
}

}  // namespace
}  // namespace mt::daemon
