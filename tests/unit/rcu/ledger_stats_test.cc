// The ledger's arithmetic on made-up readings: per-CPU merges, rates, top caches, segment
// sums, grouping of a walk by function and by cache, sheaf counting, the barrier's verdict.
#include "rcu/ledger_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::uint64_t kUdp = 0xffff888100001000;
constexpr std::uint64_t kInode = 0xffff888100002000;
constexpr std::uint64_t kDentry = 0xffff888100003000;

RawCacheFreed cache(std::uint64_t addr, std::string name, std::uint32_t size,
                    std::vector<std::uint64_t> objects_per_cpu) {
  RawCacheFreed c{addr, std::move(name), size, {}};
  for (std::uint64_t n : objects_per_cpu) c.per_cpu.push_back({n, n * size, 0, 0, 0});
  return c;
}

RawFreed raw_freed(std::chrono::nanoseconds at, std::uint64_t scale) {
  RawFreed r;
  r.at = at;
  r.caches.push_back(cache(kUdp, "UDP", 1344, {100 * scale, 50 * scale}));
  r.caches.push_back(cache(kInode, "sock_inode_cache", 832, {100 * scale, 50 * scale}));
  r.caches.push_back(cache(kDentry, "dentry", 192, {scale, 0}));
  FreedCounters c0, c1;
  c0.core_runs = 10 * scale;
  c0.kfree_calls = 7 * scale;
  c0.pages = 3 * scale;
  c1.core_runs = 5 * scale;
  c1.pages = scale;
  r.per_cpu = {c0, c1};
  r.misses = {{"on_kmem_cache_free", 2 * scale}, {"on_kfree", 0}};
  return r;
}

TEST(MergeFreed, SumsCpusAndSortsCachesByBytes) {
  const FreedTotals t = merge_freed(raw_freed(1s, 1));
  ASSERT_EQ(t.caches.size(), 3u);
  EXPECT_EQ(t.caches[0].name, "UDP");
  EXPECT_EQ(t.caches[0].objects, 150u);
  EXPECT_EQ(t.caches[0].bytes, 150u * 1344);
  EXPECT_EQ(t.caches[1].name, "sock_inode_cache");
  EXPECT_EQ(t.caches[2].name, "dentry");
  EXPECT_EQ(t.objects, 301u);
  EXPECT_EQ(t.bytes, 150u * 1344 + 150u * 832 + 192);
  EXPECT_EQ(t.counters.core_runs, 15u);
  EXPECT_EQ(t.counters.pages, 4u);
  EXPECT_EQ(t.recursion_misses, 2u);
}

TEST(MergeFreed, ACacheWithNothingYetIsLeftOutAndAnUnnamedOneGetsItsAddress) {
  RawFreed r;
  r.caches.push_back(cache(kUdp, "UDP", 1344, {0, 0}));
  r.caches.push_back(cache(kInode, "", 832, {1}));
  const FreedTotals t = merge_freed(r);
  ASSERT_EQ(t.caches.size(), 1u);
  EXPECT_EQ(t.caches[0].name, "cache@0xffff888100002000");
}

TEST(FreedRates, BetweenTwoReadingsWithTheTopCaches) {
  const FreedTotals a = merge_freed(raw_freed(1s, 1));
  const FreedTotals b = merge_freed(raw_freed(3s, 5));  // 4x more of everything, 2 s later
  const FreedRates r = freed_rates(a, b, 2);
  EXPECT_DOUBLE_EQ(r.seconds, 2.0);
  EXPECT_DOUBLE_EQ(r.objects_per_s, 4 * 301 / 2.0);
  EXPECT_DOUBLE_EQ(r.bytes_per_s, 4.0 * (150 * 1344 + 150 * 832 + 192) / 2.0);
  EXPECT_DOUBLE_EQ(r.pages_per_s, 4 * 4 / 2.0);
  EXPECT_DOUBLE_EQ(r.kfree_per_s, 4 * 7 / 2.0);
  EXPECT_EQ(r.recursion_misses, 8u);
  ASSERT_EQ(r.top.size(), 2u);
  EXPECT_EQ(r.top[0].name, "UDP");
  EXPECT_DOUBLE_EQ(r.top[0].bytes_per_s, 4.0 * 150 * 1344 / 2.0);
  EXPECT_EQ(r.top[1].name, "sock_inode_cache");
}

TEST(FreedRates, NoIntervalGivesZeroRatesNotInfinity) {
  const FreedTotals a = merge_freed(raw_freed(1s, 1));
  const FreedRates r = freed_rates(a, a, 3);
  EXPECT_EQ(r.seconds, 0);
  EXPECT_EQ(r.bytes_per_s, 0);
  EXPECT_TRUE(r.top.empty());
}

TEST(FreedBetween, ANewCacheCountsWholeAndABackwardsCounterGivesZero) {
  FreedTotals before = merge_freed(raw_freed(1s, 2));
  RawFreed later = raw_freed(2s, 1);  // UDP and inode went backwards (a reload)
  later.caches.push_back(cache(0xffff888100004000, "task_struct", 4096, {3}));
  const FreedTotals d = freed_between(before, merge_freed(later));
  ASSERT_EQ(d.caches.size(), 1u);
  EXPECT_EQ(d.caches[0].name, "task_struct");
  EXPECT_EQ(d.bytes, 3u * 4096);
  EXPECT_EQ(d.counters.pages, 0u);
}

CpuPendingCounts counts(int cpu, std::array<std::int64_t, 4> seg, std::uint64_t invoked,
                        std::uint64_t snap) {
  CpuPendingCounts c;
  c.cpu = cpu;
  c.seglen = seg;
  c.len = seg[0] + seg[1] + seg[2] + seg[3];
  c.n_cbs_invoked = invoked;
  c.barrier_seq_snap = snap;
  return c;
}

TEST(SumCounts, SegmentsAndCountersAddUpAndOptionalFieldsStayOptional) {
  CpuPendingCounts c0 = counts(0, {1, 2, 3, 4}, 100, 8);
  c0.lazy_len = 5;
  c0.krc_head_count = 7;
  c0.krc_bulk_count = {10, 1};
  CpuPendingCounts c1 = counts(1, {0, 20, 0, 30}, 50, 4);
  const PendingCounts p = sum_counts({c1, c0}, 12, 5s);
  ASSERT_EQ(p.cpus.size(), 2u);
  EXPECT_EQ(p.cpus[0].cpu, 0) << "sorted by CPU";
  EXPECT_EQ(p.total.len, 60);
  EXPECT_THAT(p.total.seglen, ElementsAre(1, 22, 3, 34));
  EXPECT_EQ(p.total.waiting_for_gp(), 59);
  EXPECT_EQ(p.total.n_cbs_invoked, 150u);
  EXPECT_EQ(p.total.barrier_seq_snap, 4u) << "the CPU furthest behind";
  EXPECT_EQ(p.total.lazy_len, 5);
  EXPECT_FALSE(p.total.bypass_len.has_value());
  EXPECT_EQ(p.total.krc_objects(), 18);
  EXPECT_EQ(p.barrier_sequence, 12u);
}

TEST(SumCounts, CallbacksBeingInvokedAreLenMinusTheSegments) {
  CpuPendingCounts c = counts(0, {0, 5, 0, 5}, 0, 0);
  c.len = 300;  // rcu_do_batch() took 290 off DONE and has not lowered len yet
  EXPECT_EQ(c.invoking(), 290);
}

RawWalkSlot slot(std::uint64_t func, std::uint64_t cache, std::string name, std::uint32_t size,
                 std::uint64_t callbacks, std::uint64_t objects) {
  return {func, cache, std::move(name), size, callbacks, objects, objects * size};
}

constexpr std::uint64_t kSkDestruct = 0xffffffff81e83670;
constexpr std::uint64_t kICallback = 0xffffffff817029b0;
constexpr std::uint64_t kSheaf = 0xffffffff8164ed80;
constexpr std::uint64_t kMaple = 0xffff888100005000;

std::string names(std::uint64_t a) {
  switch (a) {
    case kSkDestruct:
      return "__sk_destruct";
    case kICallback:
      return "i_callback";
    case kSheaf:
      return "rcu_free_sheaf";
  }
  return {};
}

TEST(GroupWalk, ByFunctionAndByCacheSummedOverSlots) {
  RawWalk w;
  w.slots = {slot(kSkDestruct, kUdp, "UDP", 1344, 3000, 3000),
             slot(kICallback, kInode, "sock_inode_cache", 832, 3000, 3000),
             // i_callback of another file system's inode, in another cache
             slot(kICallback, kDentry, "ext4_inode_cache", 1200, 10, 10),
             slot(0xffffffff81999999, 0, "", 0, 4, 4)};  // not a slab object, unknown name
  CpuWalk c0{0, {0, 4000, 0, 2014}, 6014, 6014, 6014, 0, 4, 0, WalkStop::end};
  c0.bytes = 3000 * 1344 + 3000 * 832 + 10 * 1200;
  w.cpus = {c0};
  const PendingBytes p = group_walk(w, names);
  ASSERT_EQ(p.by_function.size(), 3u);
  EXPECT_EQ(p.by_function[0].name, "__sk_destruct");
  EXPECT_EQ(p.by_function[0].bytes, 3000u * 1344);
  EXPECT_EQ(p.by_function[1].name, "i_callback");
  EXPECT_EQ(p.by_function[1].callbacks, 3010u);
  EXPECT_EQ(p.by_function[1].bytes, 3000u * 832 + 10 * 1200);
  EXPECT_EQ(p.by_function[2].name, "0xffffffff81999999");
  ASSERT_EQ(p.by_cache.size(), 4u);
  EXPECT_EQ(p.by_cache[0].name, "UDP");
  EXPECT_EQ(p.by_cache[1].name, "sock_inode_cache");
  EXPECT_EQ(p.by_cache[2].name, "ext4_inode_cache");
  EXPECT_EQ(p.by_cache[3].name, "(not slab)");
  EXPECT_EQ(p.by_cache[3].callbacks, 4u);
  EXPECT_EQ(p.bytes, c0.bytes);
  EXPECT_EQ(p.unsized_callbacks, 4u);
  EXPECT_TRUE(p.complete);
}

TEST(GroupWalk, ASheafCallbackCountsItsObjectsTimesTheirSize) {
  RawWalk w;
  // 569 rcu_free_sheaf callbacks holding 18,208 maple_node objects of 256 bytes.
  w.slots = {slot(kSheaf, kMaple, "maple_node", 256, 569, 18208)};
  CpuWalk c{1, {0, 569, 0, 0}, 569, 569, 18208, 18208ull * 256, 0, 569, WalkStop::end};
  w.cpus = {c};
  const PendingBytes p = group_walk(w, names);
  ASSERT_EQ(p.by_function.size(), 1u);
  EXPECT_EQ(p.by_function[0].callbacks, 569u);
  EXPECT_EQ(p.by_function[0].objects, 18208u);
  EXPECT_EQ(p.by_function[0].bytes, 18208u * 256);
  EXPECT_EQ(p.by_cache[0].objects, 18208u);
  EXPECT_EQ(p.sheaves, 569u);
  EXPECT_EQ(p.objects, 18208u);
}

TEST(GroupWalk, DoneIsEstimatedPerCpuAndAnEarlyStopMakesItIncomplete) {
  RawWalk w;
  CpuWalk c0{0, {100, 50, 0, 50}, 100, 100, 100, 100 * 2000, 0, 0, WalkStop::end};
  CpuWalk c1{1, {10, 10, 0, 0}, 10, 4, 4, 4 * 500, 0, 0, WalkStop::bad_func};
  w.cpus = {c0, c1};
  const PendingBytes p = group_walk(w, names);
  EXPECT_EQ(p.done_callbacks, 110);
  EXPECT_EQ(p.done_bytes_estimate, 100u * 2000 + 10 * 500);
  EXPECT_EQ(p.bytes_with_done(), p.bytes + p.done_bytes_estimate);
  EXPECT_EQ(p.callbacks, 104u);
  EXPECT_EQ(p.expected, 110u);
  EXPECT_FALSE(p.complete);
}

TEST(GroupWalk, CallbacksBeingInvokedAreEstimatedLikeDone) {
  // rcu_do_batch() has taken 300 callbacks off CPU 0's list: len 500, segments 0+150+0+50.
  RawWalk w;
  CpuWalk c0{0, {0, 150, 0, 50}, 200, 200, 200, 200 * 1000, 0, 0, WalkStop::end, 500};
  // CPU 1's len is below its segments' sum (read a moment apart): nothing is invoking there.
  CpuWalk c1{1, {5, 10, 0, 0}, 10, 10, 10, 10 * 64, 0, 0, WalkStop::end, 12};
  w.cpus = {c0, c1};
  const PendingBytes p = group_walk(w, names);
  EXPECT_EQ(p.invoking_callbacks, 300);
  EXPECT_EQ(p.done_callbacks, 5);
  EXPECT_EQ(p.done_bytes_estimate, 300u * 1000 + 5 * 64);
  EXPECT_TRUE(p.complete);
}

TEST(GroupWalk, KrcObjectsAreKeptApartFromCallbacks) {
  RawWalk w;
  w.slots = {slot(kSkDestruct, kUdp, "UDP", 1344, 1, 1),
             slot(0, 0xffff888100006000, "kmalloc-cg-96", 96, 0, 5000)};
  w.cpus = {CpuWalk{0, {0, 1, 0, 0}, 1, 1, 1, 1344, 0, 0, WalkStop::end}};
  w.krc_walked = true;
  std::array<KrcPlace, kKrcPlaces> places{};
  places[kKrcBulk] = {3000, 3000 * 96, 0, 6, false};
  places[kKrcBulkFree] = {2000, 2000 * 96, 0, 4, false};
  w.krc = {places};
  const PendingBytes p = group_walk(w, names);
  ASSERT_EQ(p.by_cache.size(), 1u) << "krc objects are not callbacks";
  ASSERT_EQ(p.krc.by_cache.size(), 1u);
  EXPECT_EQ(p.krc.by_cache[0].name, "kmalloc-cg-96");
  EXPECT_EQ(p.krc.objects, 5000u);
  EXPECT_EQ(p.krc.bytes, 5000u * 96);
  EXPECT_EQ(p.krc.places[kKrcBulk].pages, 6u);
}

TEST(GroupWalk, AFullTableShowsAsItsOwnRow) {
  RawWalk w;
  w.overflow_callbacks = 7;
  w.overflow_bytes = 700;
  const PendingBytes p = group_walk(w, names);
  ASSERT_EQ(p.by_function.size(), 1u);
  EXPECT_EQ(p.by_function[0].name, "(table full)");
}

PendingCounts at_barrier(std::uint64_t seq, std::uint64_t snap, std::uint64_t invoked,
                         std::int64_t len) {
  return sum_counts({counts(0, {0, len, 0, 0}, invoked, snap), counts(1, {0, 0, 0, 0}, 0, snap)},
                    seq, 0s);
}

TEST(BarrierVerdict, ItRanWhenTheSequenceMovedAndFreedWhatMethod1Saw) {
  const FreedTotals before = merge_freed(raw_freed(1s, 1));
  const FreedTotals after = merge_freed(raw_freed(2s, 3));
  const BarrierBacklog b = barrier_verdict(at_barrier(8, 8, 100, 500), at_barrier(12, 12, 601, 0),
                                           before, after, 20ms, 0);
  EXPECT_EQ(b.outcome, BarrierOutcome::ran);
  EXPECT_EQ(b.bytes, 2 * before.bytes);
  EXPECT_EQ(b.objects, 2 * before.objects);
  EXPECT_EQ(b.callbacks_invoked, 501u);
  EXPECT_EQ(b.pending_before, 500);
  EXPECT_EQ(b.duration, 20ms);
  ASSERT_FALSE(b.by_cache.empty());
  EXPECT_EQ(b.by_cache[0].name, "UDP");
}

TEST(BarrierVerdict, RanAndFoundNothingIsNotSkipped) {
  const FreedTotals t = merge_freed(raw_freed(1s, 1));
  const BarrierBacklog b =
      barrier_verdict(at_barrier(8, 8, 0, 0), at_barrier(12, 12, 0, 0), t, t, 0ms, 0);
  EXPECT_EQ(b.outcome, BarrierOutcome::ran);
  EXPECT_EQ(b.bytes, 0u);
  EXPECT_THAT(b.detail, HasSubstr("found nothing"));
}

TEST(BarrierVerdict, NoSequenceMovedMeansSkippedAndEagainMeansThrottled) {
  const FreedTotals t = merge_freed(raw_freed(1s, 1));
  const BarrierBacklog skipped =
      barrier_verdict(at_barrier(8, 8, 0, 3), at_barrier(8, 8, 0, 3), t, t, 0ms, 0);
  EXPECT_EQ(skipped.outcome, BarrierOutcome::skipped);
  const BarrierBacklog throttled =
      barrier_verdict(at_barrier(8, 8, 0, 3), at_barrier(8, 8, 0, 3), t, t, 0ms, EAGAIN);
  EXPECT_EQ(throttled.outcome, BarrierOutcome::throttled);
}

TEST(BarrierVerdict, OneCpuSnapshotMovingIsEnough) {
  const FreedTotals t = merge_freed(raw_freed(1s, 1));
  PendingCounts after = at_barrier(8, 8, 0, 0);
  after.cpus[1].barrier_seq_snap = 12;
  EXPECT_EQ(barrier_verdict(at_barrier(8, 8, 0, 0), after, t, t, 0ms, 0).outcome,
            BarrierOutcome::ran);
}

TEST(Disagreement, PercentOfTheLarger) {
  EXPECT_DOUBLE_EQ(disagreement_percent(95, 100), 5.0);
  EXPECT_DOUBLE_EQ(disagreement_percent(100, 95), 5.0);
  EXPECT_DOUBLE_EQ(disagreement_percent(0, 0), 0.0);
  EXPECT_DOUBLE_EQ(disagreement_percent(0, 10), 100.0);
}

}  // namespace
}  // namespace mt::rcu
