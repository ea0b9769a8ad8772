#include "rcu/probe.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/unit/rcu/fake_ledger_source.h"

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace mt::rcu::testing;  // FakeSource, freed_with, cpu_counts, walk_with
namespace stdfs = std::filesystem;

class ProbeTest : public ::testing::Test {
 protected:
  ProbeTest() {
    std::string tmpl = (stdfs::temp_directory_path() / "mt-probe-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    sys_ = tmpl;
    stdfs::create_directories(sys_ / "kernel");
    stdfs::create_directories(sys_ / "module/rcutree/parameters");
    std::ofstream(sys_ / "kernel/rcu_expedited") << "1\n";
    std::ofstream(sys_ / "kernel/rcu_normal") << "0\n";
    std::ofstream(sys_ / "module/rcutree/parameters/do_rcu_barrier") << "0\n";
  }
  ~ProbeTest() override { stdfs::remove_all(sys_); }
  ProbeEnv env() {
    ProbeEnv e;
    e.sys = sys_;
    e.cpus = 2;
    e.measure_gp = [this]() -> Result<std::chrono::nanoseconds> {
      return std::chrono::nanoseconds(std::chrono::microseconds(++calls_));
    };
    return e;
  }
  stdfs::path sys_;
  int calls_ = 0;
};

TEST_F(ProbeTest, TimesTheGracePeriodsAskedForAndTheBarrierUnderTheRoot) {
  auto r = probe({5, true}, env());
  EXPECT_EQ(r.knobs, "rcu_expedited=1 rcu_normal=0");
  EXPECT_THAT(r.gp_us, ::testing::ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(*r.gp.percentile(50), 3);
  ASSERT_TRUE(r.barrier_us) << r.barrier_error;
  std::ifstream in(sys_ / "module/rcutree/parameters/do_rcu_barrier");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "1") << "the barrier is a write of 1";
}

TEST_F(ProbeTest, SaysWhyWhenItCannot) {
  auto e = env();
  e.cpus = 1;
  stdfs::remove(sys_ / "module/rcutree/parameters/do_rcu_barrier");
  auto r = probe({3, true}, e);
  EXPECT_TRUE(r.gp_us.empty());
  EXPECT_THAT(r.gp_error, ::testing::HasSubstr("one CPU"));
  EXPECT_FALSE(r.barrier_us);
  EXPECT_THAT(r.barrier_error, ::testing::HasSubstr("do_rcu_barrier"));

  e = env();
  e.measure_gp = []() -> Result<std::chrono::nanoseconds> { return make_error("EINVAL"); };
  auto failed = probe({3, false}, e);
  EXPECT_EQ(failed.gp_error, "EINVAL");
  EXPECT_FALSE(failed.barrier_us);
  EXPECT_EQ(failed.barrier_error, "");
}

// ---- the ledger's sequence, on a fake source ----------------------------------------------

// A probe whose ledger is a Ledger over a FakeSource: every call to the source, the opening,
// the wait and the closing go to one log, in order.
class ProbeLedgerTest : public ProbeTest {
 protected:
  ProbeLedgerTest() {
    auto s = std::make_unique<FakeSource>();
    src_ = s.get();
    src_->facts_.freed = src_->facts_.pending = src_->facts_.barrier = src_->facts_.sized = true;
    src_->facts_.flavour = "rcu_preempt";
    src_->facts_.notes = {"not covered: SRCU and Tasks RCU callback queues"};
    src_->on_call_ = [this](const std::string& c) { log_.push_back(c); };
    source_ = std::move(s);
  }
  ProbeEnv ledger_env() {
    ProbeEnv e = env();
    e.open_ledger = [this]() -> Result<std::unique_ptr<Ledger>> {
      log_.push_back("open");
      if (!source_) return make_error("opened twice");
      return std::make_unique<Ledger>(std::move(source_));
    };
    e.wait = [this](std::chrono::nanoseconds d) {
      log_.push_back(
          fmt::format("wait {}s", std::chrono::duration_cast<std::chrono::seconds>(d).count()));
      return wait_completes_;
    };
    return e;
  }
  // Readings for a whole sequence: 2000 UDP sockets freed over 2 s, 42 callbacks pending, a
  // walk of 40, a barrier that ran (barrier_sequence 8 -> 12) and saw 3000 sockets freed.
  void queue_a_flood() {
    src_->freed_ = {freed_with(100, 1s), freed_with(2100, 3s)};
    src_->counts_ = {cpu_counts(42, 4)};
    src_->sequences_ = {4};
    src_->walks_ = {walk_with(40)};
    src_->counts_.push_back(cpu_counts(3000, 8));
    src_->counts_.push_back(cpu_counts(0, 12));
    src_->sequences_.push_back(8);
    src_->sequences_.push_back(12);
    src_->freed_.push_back(freed_with(2100, 3s));
    src_->freed_.push_back(freed_with(5100, 4s));
  }

  std::vector<std::string> log_;  // before source_: a source never opened logs at its end
  FakeSource* src_ = nullptr;     // owned by source_, then by the probe's Ledger
  std::unique_ptr<FakeSource> source_;
  bool wait_completes_ = true;
};

TEST_F(ProbeLedgerTest, OpensReadsOverTheWindowThenCountsWalksBarriersAndCloses) {
  queue_a_flood();
  ProbeRequest req;
  req.ledger_seconds = 2;
  auto r = probe(req, ledger_env());
  EXPECT_EQ(r.ledger_error, "");
  EXPECT_THAT(log_, ElementsAre("open", "freed", "wait 2s", "freed",              // the window
                                "counts", "walk",                                 // pending now
                                "counts", "freed", "barrier", "freed", "counts",  // backlog
                                "closed"))
      << "closed before the probe answers";
  ASSERT_TRUE(r.ledger);
  EXPECT_EQ(r.ledger->facts.flavour, "rcu_preempt");
  EXPECT_THAT(r.ledger->facts.notes, ElementsAre(HasSubstr("SRCU")));
  ASSERT_TRUE(r.ledger->freed);
  EXPECT_DOUBLE_EQ(r.ledger->freed->seconds, 2.0)
      << "the readings' own times, not the asked window";
  EXPECT_DOUBLE_EQ(r.ledger->freed->objects_per_s, 1000.0);
  EXPECT_DOUBLE_EQ(r.ledger->freed->bytes_per_s, 1000.0 * 1344);
  ASSERT_EQ(r.ledger->freed->top.size(), 1u);
  EXPECT_EQ(r.ledger->freed->top[0].name, "UDP");
  ASSERT_TRUE(r.ledger->counts);
  EXPECT_EQ(r.ledger->counts->total.len, 42);
  ASSERT_TRUE(r.ledger->bytes);
  EXPECT_EQ(r.ledger->bytes->bytes, 40u * 1344);
  EXPECT_TRUE(r.ledger->bytes->cpus.empty()) << "per-CPU walks are not reported";
  ASSERT_TRUE(r.ledger->barrier);
  EXPECT_EQ(r.ledger->barrier->outcome, BarrierOutcome::ran);
  EXPECT_EQ(r.ledger->barrier->bytes, 3000u * 1344);
  EXPECT_FALSE(r.ledger->barrier->pending) << "the walk before it is pending_bytes'";
}

// 6.12: no bpf_get_kmem_cache. The ledger counts; no freed rates, walk or barrier, and no error.
TEST_F(ProbeLedgerTest, AnUnsizedLedgerIsReadForItsCountsOnly) {
  src_->facts_.sized = src_->facts_.freed = false;
  src_->counts_ = {cpu_counts(42, 4)};
  src_->sequences_ = {4};
  ProbeRequest req;
  req.ledger_seconds = 2;
  auto r = probe(req, ledger_env());
  EXPECT_EQ(r.ledger_error, "");
  EXPECT_THAT(log_, ElementsAre("open", "wait 2s", "counts", "closed"));
  ASSERT_TRUE(r.ledger);
  ASSERT_TRUE(r.ledger->counts);
  EXPECT_EQ(r.ledger->counts->total.len, 42);
  EXPECT_FALSE(r.ledger->freed);
  EXPECT_FALSE(r.ledger->bytes);
  EXPECT_FALSE(r.ledger->barrier);
}

TEST_F(ProbeLedgerTest, NoLedgerUnlessAskedFor) {
  auto r = probe({2, true}, ledger_env());
  EXPECT_TRUE(log_.empty());
  EXPECT_FALSE(r.ledger);
  EXPECT_EQ(r.ledger_error, "");
}

TEST_F(ProbeLedgerTest, AnOpenFailureIsTheLedgerErrorAndTheRestStillAnswers) {
  ProbeEnv e = ledger_env();
  e.open_ledger = [this]() -> Result<std::unique_ptr<Ledger>> {
    log_.push_back("open");
    return make_error("RCU ledger: loading rcu_freed.bpf.o failed: EPERM");
  };
  ProbeRequest req{3, true, 5};
  auto r = probe(req, e);
  EXPECT_THAT(log_, ElementsAre("open")) << "no wait when nothing is open";
  EXPECT_FALSE(r.ledger);
  EXPECT_EQ(r.ledger_error,
            "cannot open the RCU ledger: RCU ledger: loading rcu_freed.bpf.o failed: EPERM");
  EXPECT_THAT(r.gp_us, ElementsAre(1, 2, 3));
  EXPECT_TRUE(r.barrier_us) << r.barrier_error;
}

TEST_F(ProbeLedgerTest, AFailedStepIsNamedAndTheNextStepsStillRun) {
  queue_a_flood();
  src_->walks_ = {make_error("RCU ledger: running walk_callbacks failed: EFAULT")};
  ProbeRequest req;
  req.ledger_seconds = 1;
  auto r = probe(req, ledger_env());
  EXPECT_EQ(r.ledger_error, "pending_bytes: RCU ledger: running walk_callbacks failed: EFAULT");
  ASSERT_TRUE(r.ledger);
  EXPECT_TRUE(r.ledger->freed);
  EXPECT_TRUE(r.ledger->counts);
  EXPECT_FALSE(r.ledger->bytes);
  EXPECT_TRUE(r.ledger->barrier) << "the barrier after the failed walk still ran";
  EXPECT_EQ(log_.back(), "closed");
}

TEST_F(ProbeLedgerTest, WithoutAFirstFreedReadingThereAreNoRatesButTheRestIsRead) {
  queue_a_flood();
  src_->freed_.front() = make_error("RCU ledger: method 1 (freed) is not attached");
  ProbeRequest req;
  req.ledger_seconds = 1;
  auto r = probe(req, ledger_env());
  EXPECT_THAT(r.ledger_error, HasSubstr("freed: RCU ledger: method 1 (freed) is not attached"));
  ASSERT_TRUE(r.ledger);
  EXPECT_FALSE(r.ledger->freed);
  EXPECT_TRUE(r.ledger->counts);
  EXPECT_TRUE(r.ledger->bytes);
}

TEST_F(ProbeLedgerTest, AWindowCutShortReadsNothingMoreAndStillCloses) {
  queue_a_flood();
  wait_completes_ = false;
  ProbeRequest req;
  req.ledger_seconds = 30;
  auto r = probe(req, ledger_env());
  EXPECT_THAT(log_, ElementsAre("open", "freed", "wait 30s", "closed"));
  EXPECT_THAT(r.ledger_error, HasSubstr("30 s window was cut short"));
  ASSERT_TRUE(r.ledger);
  EXPECT_FALSE(r.ledger->freed);
  EXPECT_FALSE(r.ledger->barrier);
}

TEST_F(ProbeLedgerTest, ListsAreCutToTheLargest) {
  queue_a_flood();
  RawWalk w;
  for (std::uint64_t i = 1; i <= 15; ++i)
    w.slots.push_back({kSkDestruct + i, kUdp + i, fmt::format("cache-{}", i), 64, i, i, i * 64});
  w.cpus = {CpuWalk{0, {0, 120, 0, 0}, 120, 120, 120, 120 * 64, 0, 0, WalkStop::end}};
  src_->walks_ = {w};
  ProbeRequest req;
  req.ledger_seconds = 1;
  auto r = probe(req, ledger_env());
  ASSERT_TRUE(r.ledger && r.ledger->bytes) << r.ledger_error;
  EXPECT_EQ(r.ledger->bytes->by_cache.size(), kProbeLedgerTop);
  EXPECT_EQ(r.ledger->bytes->by_function.size(), kProbeLedgerTop);
  EXPECT_EQ(r.ledger->bytes->by_cache.front().name, "cache-15") << "the largest first";
  EXPECT_EQ(r.ledger->bytes->bytes, 120u * 64) << "totals are over every cache, not the top";
}

}  // namespace
}  // namespace mt::rcu
