// The RCU ledger on the real kernel (root): a UDP socket flood in a memory-limited cgroup
// (prefix memtorture-ledger-<pid>, removed by exact path in TearDown even when a test fails)
// must show up where it belongs: freed bytes in the socket caches, a backlog found by a barrier
// during the flood and not when idle, and the continuous reading agreeing with the barrier's.
// Relations, not speeds: the machine is shared and noisy.
#include <bpf/bpf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "cgroup/layout.h"
#include "rcu/ledger.h"
#include "tests/support/udp_flood.h"

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;
namespace stdfs = std::filesystem;
using testing::UdpFlood;

constexpr std::uint64_t kMiB = 1 << 20;

std::uint64_t cache_bytes(const std::vector<CacheFreed>& caches, std::string_view name) {
  for (const CacheFreed& c : caches)
    if (c.name == name) return c.bytes;
  return 0;
}

// Names of the BPF programs loaded in the system (the kernel keeps 15 characters).
std::vector<std::string> loaded_programs() {
  std::vector<std::string> out;
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) out.emplace_back(info.name);
    ::close(fd);
  }
  return out;
}

std::size_t ours(const std::vector<std::string>& progs) {
  return std::count_if(progs.begin(), progs.end(), [](const std::string& n) {
    return n == "on_kmem_cache_f" || n == "on_rcu_utilizat" || n == "walk_callbacks" ||
           n == "read_counts" || n == "walk_krc" || n == "validate" || n == "record_rq";
  });
}

class LedgerITest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: loads BPF tracing programs";
    if (auto why = ledger_unavailable_reason()) GTEST_SKIP() << "RCU ledger unavailable: " << *why;
    unsized_ = ledger_unsized_reason().value_or("");
    auto layout = cgroup::detect_layout();
    if (!layout) GTEST_SKIP() << "no memory cgroup controller: " << layout.error().message;
    layout_ = *layout;
    prefix_ = "memtorture-ledger-" + std::to_string(::getpid());
    auto l = Ledger::open();
    ASSERT_TRUE(l.ok()) << l.error().message;
    ledger_ = std::move(*l);
  }
  void TearDown() override {
    flood_.reset();
    ledger_.reset();
    // Whatever a failed test left: children killed by pid, directories removed by exact path.
    for (const stdfs::path& root : {layout_.memory_root, layout_.unified_root}) {
      if (root.empty() || prefix_.empty()) continue;
      const stdfs::path dir = root / prefix_;
      std::error_code ec;
      if (!stdfs::is_directory(dir, ec)) continue;
      for (const auto& child : stdfs::directory_iterator(dir, ec)) {
        if (!child.is_directory()) continue;
        std::ifstream procs(child.path() / "cgroup.procs");
        for (pid_t p; procs >> p;) ::kill(p, SIGKILL);
        for (int i = 0; i < 100 && ::rmdir(child.path().c_str()) != 0; ++i)
          std::this_thread::sleep_for(20ms);
      }
      if (::rmdir(dir.c_str()) != 0) ADD_FAILURE() << "TearDown could not remove " << dir;
    }
  }
  void start_flood() {
    testing::UdpFloodOptions o;
    o.prefix = prefix_;
    auto f = UdpFlood::start(o);
    ASSERT_TRUE(f.ok()) << f.error().message;
    flood_ = std::move(*f);
    std::this_thread::sleep_for(500ms);  // past the start: a steady backlog
  }
  FreedTotals freed() {
    auto f = ledger_->freed();
    EXPECT_TRUE(f.ok()) << f.error().message;
    return f.ok() ? *f : FreedTotals{};
  }

  cgroup::Layout layout_;
  std::string prefix_;
  std::string unsized_;  // why this kernel's ledger only counts ("" when it sizes too)
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<UdpFlood> flood_;
};

// The tests of sizes and frees: skipped where the ledger only counts (6.12 and older).
#define NEEDS_SIZES() \
  if (!unsized_.empty()) GTEST_SKIP() << "this kernel's RCU ledger only counts: " << unsized_

TEST_F(LedgerITest, EveryOnlineCpuIsCheckedAndTheFlavourIsRead) {
  const LedgerFacts& f = ledger_->facts();
  EXPECT_EQ(f.sized, unsized_.empty());
  EXPECT_EQ(f.freed, unsized_.empty()) << "method 1 needs sizes";
  EXPECT_TRUE(f.pending);
  EXPECT_THAT(f.flavour, ::testing::StartsWith("rcu_"));
  EXPECT_EQ(f.cpus.size(), static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  auto c = ledger_->pending_counts();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->cpus.size(), f.cpus.size());
  EXPECT_GT(c->total.n_cbs_invoked, 0u) << "a running kernel has invoked callbacks";
}

// In both modes: the flood's sockets are RCU callbacks, invoked far faster than idle.
TEST_F(LedgerITest, AUdpFloodsCallbacksAreCountedAsInvoked) {
  auto idle0 = ledger_->pending_counts();
  std::this_thread::sleep_for(1s);
  auto idle1 = ledger_->pending_counts();
  ASSERT_TRUE(idle0.ok() && idle1.ok());
  start_flood();
  auto flood0 = ledger_->pending_counts();
  std::this_thread::sleep_for(1s);
  auto flood1 = ledger_->pending_counts();
  flood_->pause();
  ASSERT_TRUE(flood0.ok() && flood1.ok());
  const auto idle = invoked_per_s(*idle0, *idle1);
  const auto flood = invoked_per_s(*flood0, *flood1);
  ASSERT_TRUE(idle && flood);
  EXPECT_GT(*flood, 2 * *idle + 1000) << "idle " << *idle << "/s, flood " << *flood << "/s";
  if (!unsized_.empty()) {
    EXPECT_FALSE(ledger_->pending_bytes().ok()) << "no walks without sizes";
  }
}

TEST_F(LedgerITest, AUdpFloodsFreedBytesAreMostlyInTheSocketCaches) {
  NEEDS_SIZES();
  start_flood();
  const FreedTotals before = freed();
  std::this_thread::sleep_for(3s);
  const FreedTotals after = freed();
  flood_->pause();
  const FreedTotals d = freed_between(before, after);
  ASSERT_GE(d.caches.size(), 2u);
  const std::uint64_t udp = cache_bytes(d.caches, "UDP");
  const std::uint64_t inode = cache_bytes(d.caches, "sock_inode_cache");
  EXPECT_GT(udp, 10 * kMiB) << "a 3 s flood frees far more than this through RCU";
  EXPECT_GT(inode, 10 * kMiB);
  EXPECT_GT(udp + inode, d.bytes / 2) << "most of what RCU freed: " << d.caches[0].name << " "
                                      << d.caches[0].bytes << " of " << d.bytes;
  EXPECT_THAT((std::vector<std::string>{d.caches[0].name, d.caches[1].name}),
              ::testing::UnorderedElementsAre("UDP", "sock_inode_cache"));
  EXPECT_GT(d.counters.core_runs, 0u);
  // Misses are reported, whatever their number; they must stay a small part of what is seen.
  EXPECT_LT(d.recursion_misses, d.objects / 10);
}

TEST_F(LedgerITest, TheWalkFindsTheFloodsCallbacksInTheirCaches) {
  NEEDS_SIZES();
  start_flood();
  auto b = ledger_->pending_bytes();
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_FALSE(b->by_function.empty());
  std::vector<std::string> fns, caches;
  for (std::size_t i = 0; i < b->by_function.size() && i < 3; ++i)
    fns.push_back(b->by_function[i].name);
  for (std::size_t i = 0; i < b->by_cache.size() && i < 3; ++i)
    caches.push_back(b->by_cache[i].name);
  EXPECT_THAT(fns, ::testing::IsSupersetOf({"__sk_destruct", "i_callback"}));
  EXPECT_THAT(caches, ::testing::IsSupersetOf({"UDP", "sock_inode_cache"}));
  EXPECT_GT(b->callbacks, 100u);
  EXPECT_LE(b->callbacks, b->expected + 1000) << "bounded by the segment lengths";
}

TEST_F(LedgerITest, WalksRacingWithGracePeriodsAreRedoneAndOnCpuWalksNeedNot) {
  NEEDS_SIZES();
  start_flood();
  std::uint64_t retries = 0;
  for (int i = 0; i < 20; ++i) {
    auto b = ledger_->pending_bytes();
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE(b->complete) << "walk " << i << " ended early after " << b->retries << " retries";
    retries += b->retries;
    std::this_thread::sleep_for(20ms);
  }
  RecordProperty("remote_walk_retries_of_20", std::to_string(retries));
  LedgerOptions o;
  o.freed = false;
  o.walk_on_cpu = true;
  auto on_cpu = Ledger::open(o);
  ASSERT_TRUE(on_cpu.ok()) << on_cpu.error().message;
  for (int i = 0; i < 20; ++i) {
    auto b = (*on_cpu)->pending_bytes();
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE(b->complete) << "on-CPU walk " << i;
    EXPECT_EQ(b->retries, 0u) << "the list cannot change under an on-CPU walk";
    std::this_thread::sleep_for(20ms);
  }
}

TEST_F(LedgerITest, ABarrierFindsAMegabyteDuringTheFloodAndMuchLessIdle) {
  NEEDS_SIZES();
  start_flood();
  // The backlog swings with the grace periods (3-15k callbacks here) and the flood slows when
  // the machine is busy: the largest of three barriers counts.
  Result<BarrierBacklog> during = make_error("no barrier");
  for (int i = 0; i < 3; ++i) {
    auto b = ledger_->barrier_backlog();
    ASSERT_TRUE(b.ok()) << b.error().message;
    if (!during.ok() || b->bytes > during->bytes) during = std::move(b);
    std::this_thread::sleep_for(300ms);
  }
  flood_.reset();  // stopped, its cgroup removed
  std::this_thread::sleep_for(300ms);
  (void)ledger_->barrier_backlog();  // drains what the flood's exit left queued
  std::this_thread::sleep_for(200ms);
  auto idle = ledger_->barrier_backlog();
  ASSERT_TRUE(idle.ok()) << idle.error().message;
  EXPECT_EQ(during->outcome, BarrierOutcome::ran) << during->detail;
  EXPECT_GE(during->bytes, kMiB) << "pending before: " << during->pending_before << " callbacks";
  EXPECT_NE(idle->outcome, BarrierOutcome::throttled) << idle->detail;
  EXPECT_LT(idle->bytes * 8, during->bytes) << "idle " << idle->bytes << " B";
}

TEST_F(LedgerITest, WithTheFloodPausedTheWalkAgreesWithTheBarrierWithin5Percent) {
  NEEDS_SIZES();
  start_flood();
  std::vector<double> apart;
  for (int i = 0; i < 3; ++i) {
    flood_->pause();
    BarrierOptions o;
    o.walk_first = true;
    auto b = ledger_->barrier_backlog(o);
    flood_->resume();
    ASSERT_TRUE(b.ok()) << b.error().message;
    ASSERT_TRUE(b->pending.has_value());
    ASSERT_EQ(b->outcome, BarrierOutcome::ran) << b->detail;
    ASSERT_GT(b->bytes, kMiB / 4) << "the flood left a backlog to compare";
    apart.push_back(disagreement_percent(static_cast<double>(b->pending->bytes_with_done()),
                                         static_cast<double>(b->bytes)));
    std::this_thread::sleep_for(500ms);
  }
  std::sort(apart.begin(), apart.end());
  EXPECT_LE(apart[1], 5.0) << "median of 3; all: " << apart[0] << "% " << apart[1] << "% "
                           << apart[2] << "%";
}

TEST_F(LedgerITest, AWrongPerCpuOffsetIsRefusedNotRead) {
  auto real = read_percpu_offsets("/sys/kernel/btf/vmlinux");
  ASSERT_TRUE(real.ok()) << real.error().message;
  const std::vector<std::function<PercpuOffsets(PercpuOffsets)>> wrongs = {[](PercpuOffsets o) {
                                                                             o.rcu_data += 8;
                                                                             return o;
                                                                           },
                                                                           [](PercpuOffsets o) {
                                                                             o.rcu_data -= 4096;
                                                                             return o;
                                                                           },
                                                                           [](PercpuOffsets o) {
                                                                             o.runqueues += 64;
                                                                             return o;
                                                                           }};
  for (const auto& wrong : wrongs) {
    LedgerOptions opt;
    opt.freed = false;
    opt.percpu_offsets = wrong(*real);
    auto l = Ledger::open(opt);
    ASSERT_FALSE(l.ok()) << "opened with rcu_data " << opt.percpu_offsets->rcu_data << " runqueues "
                         << opt.percpu_offsets->runqueues;
    EXPECT_THAT(l.error().message, ::testing::HasSubstr("failed their checks"));
  }
  LedgerOptions opt;
  opt.freed = false;
  opt.percpu_offsets = *real;
  EXPECT_TRUE(Ledger::open(opt).ok()) << "the real offsets pass";
}

TEST_F(LedgerITest, ClosingTheLedgerLeavesNoProgramLoaded) {
  EXPECT_GT(ours(loaded_programs()), 0u);
  ledger_.reset();
  // The kernel frees a closed program after a grace period (call_rcu): give it a moment.
  std::size_t left = 0;
  for (int i = 0; i < 100 && (left = ours(loaded_programs())) > 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(left, 0u) << ::testing::PrintToString(loaded_programs());
}

}  // namespace
}  // namespace mt::rcu
