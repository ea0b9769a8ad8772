// The Ledger over a fake LedgerSource: what it asks the source for, in which order around a
// barrier, how it names callbacks (once per address), and how a source's failures come out.
#include "rcu/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "tests/unit/rcu/fake_ledger_source.h"

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace mt::rcu::testing;  // FakeSource, kUdp, kSkDestruct, freed_with, ...

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() {
    auto s = std::make_unique<FakeSource>();
    src_ = s.get();
    src_->facts_.freed = src_->facts_.pending = true;
    ledger_ = std::make_unique<Ledger>(std::move(s), [this](const std::vector<std::uint64_t>& a) {
      resolved_.insert(resolved_.end(), a.begin(), a.end());
      std::map<std::uint64_t, std::string> m;
      for (std::uint64_t x : a)
        if (x == kSkDestruct) m[x] = "__sk_destruct";
      return m;
    });
  }
  FakeSource* src_;
  std::vector<std::uint64_t> resolved_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, FreedIsTheMergedReading) {
  src_->freed_.push_back(freed_with(10, 2s));
  auto f = ledger_->freed();
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->bytes, 10u * 1344);
  EXPECT_EQ(f->at, 2s);
}

TEST_F(LedgerTest, CountsCarryTheSequenceAndTheTime) {
  src_->counts_.push_back(cpu_counts(42, 4));
  src_->sequences_.push_back(8);
  auto c = ledger_->pending_counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->total.len, 42);
  EXPECT_EQ(c->barrier_sequence, 8u);
  EXPECT_EQ(c->at, 1s);
}

TEST_F(LedgerTest, CallbackNamesAreResolvedOncePerAddress) {
  src_->walks_.push_back(walk_with(3));
  src_->walks_.push_back(walk_with(5));
  auto a = ledger_->pending_bytes();
  auto b = ledger_->pending_bytes();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->by_function.at(0).name, "__sk_destruct");
  EXPECT_EQ(b->bytes, 5u * 1344);
  EXPECT_THAT(resolved_, ElementsAre(kSkDestruct)) << "the second walk asked for nothing";
}

TEST_F(LedgerTest, BarrierReadsAroundTheWriteAndWalksFirstWhenAsked) {
  src_->counts_ = {cpu_counts(3000, 8), cpu_counts(0, 12)};
  src_->sequences_ = {8, 12};
  src_->freed_.push_back(freed_with(100, 1s));
  src_->freed_.push_back(freed_with(3100, 2s));
  src_->walks_.push_back(walk_with(2900));
  BarrierOptions o;
  o.walk_first = true;
  auto b = ledger_->barrier_backlog(o);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_THAT(src_->calls_, ElementsAre("counts", "freed", "walk", "barrier", "freed", "counts"));
  EXPECT_EQ(b->outcome, BarrierOutcome::ran);
  EXPECT_EQ(b->bytes, 3000u * 1344);
  EXPECT_EQ(b->duration, 25ms);
  ASSERT_TRUE(b->pending.has_value());
  EXPECT_EQ(b->pending->bytes, 2900u * 1344);
}

TEST_F(LedgerTest, AThrottledBarrierSaysSo) {
  src_->counts_ = {cpu_counts(5, 8), cpu_counts(5, 8)};
  src_->sequences_ = {8, 8};
  src_->freed_ = {freed_with(1, 1s), freed_with(1, 2s)};
  src_->barrier_ = BarrierWrite{0ms, EAGAIN};
  auto b = ledger_->barrier_backlog();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->outcome, BarrierOutcome::throttled);
}

TEST_F(LedgerTest, ABarrierNeedsBothMethods) {
  src_->facts_.freed = false;
  auto b = ledger_->barrier_backlog();
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr("both methods"));
  EXPECT_TRUE(src_->calls_.empty()) << "nothing was written";
}

TEST_F(LedgerTest, ASourceThatCannotReadIsAnErrorNotZeros) {
  src_->freed_.push_back(make_error("RCU ledger: method 1 (freed) is not attached"));
  src_->counts_.push_back(make_error("RCU ledger: running read_counts failed: EPERM"));
  auto f = ledger_->freed();
  auto c = ledger_->pending_counts();
  auto w = ledger_->pending_bytes();
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.error().message, HasSubstr("not attached"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("EPERM"));
  EXPECT_FALSE(w.ok());
}

TEST_F(LedgerTest, AFailedBarrierWriteStopsBeforeTheSecondReading) {
  src_->counts_ = {cpu_counts(5, 8)};
  src_->freed_ = {freed_with(1, 1s)};
  src_->barrier_ = make_error("write do_rcu_barrier: EPERM");
  auto b = ledger_->barrier_backlog();
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(src_->calls_, ElementsAre("counts", "freed", "barrier"));
}

TEST(LedgerOpen, NothingToOpenIsRefused) {
  LedgerOptions o;
  o.freed = o.pending = false;
  auto l = Ledger::open(o);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(l.error().message, HasSubstr("nothing to open"));
}

TEST(LedgerOpen, AHostWithoutBtfGetsAClearReason) {
  LedgerOptions o;
  o.btf = "/nonexistent/btf/vmlinux";
  auto l = Ledger::open(o);
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(l.error().message, HasSubstr("no kernel BTF at /nonexistent/btf/vmlinux"));
}

}  // namespace
}  // namespace mt::rcu
