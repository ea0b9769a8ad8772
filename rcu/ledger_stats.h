// The RCU ledger's figures and the pure arithmetic on them. Two kinds of types live here:
// raw readings, shaped like the BPF maps that hold them (per CPU, per (callback, cache) slot),
// which a LedgerSource returns; and the figures the ledger hands out (per cache, per function,
// summed over CPUs), made from raw readings by the functions below. Nothing here touches the
// kernel, so all of it is unit-tested on made-up readings.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::rcu {

// ---------------------------------------------------------------------------------------------
// Method 1: freed through RCU, cumulative since the programs were attached.

// One cache on one CPU (a per-CPU map value). kfree_objects: of `objects`, those freed with
// kfree() (sized by their kmalloc cache). batch_*: of those, freed by kfree_rcu_work (kfree_rcu()
// batches) rather than by an RCU callback.
struct FreedCell {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t kfree_objects = 0;
  std::uint64_t batch_objects = 0;
  std::uint64_t batch_bytes = 0;
};

struct RawCacheFreed {
  std::uint64_t cache = 0;  // struct kmem_cache address: the key
  std::string name;
  std::uint32_t object_size = 0;  // s->size: the object with its metadata and padding
  std::vector<FreedCell> per_cpu;
};

// The counters that are not per cache, on one CPU.
struct FreedCounters {
  std::uint64_t core_runs = 0;      // "Start RCU core" brackets entered
  std::uint64_t batch_runs = 0;     // kfree_rcu_work runs
  std::uint64_t kfree_calls = 0;    // kfree() in a bracket
  std::uint64_t kfree_unsized = 0;  // of which not a slab object (large kmalloc)
  std::uint64_t pages = 0;          // pages freed in a bracket (includes emptied slab pages)
  std::uint64_t batch_pages = 0;    // of which in the kfree_rcu_work bracket
  std::uint64_t dropped = 0;        // frees not added: the cache table was full
  // kfree_rcu_work's pages of pointers (freed by kfree_bulk(), which has no tracepoint), walked
  // as the work starts: pointers found, those not in a slab (vmalloc channel), walks cut short.
  std::uint64_t batch_records = 0;
  std::uint64_t batch_unsized = 0;
  std::uint64_t batch_truncated = 0;
};

// A BPF program's recursion_misses (bpf_prog_info): times it did not run because it was
// already running on that CPU (a free in an interrupt inside our own hook). Each is a free the
// ledger did not see. run_count/run_time_ns: only counted while BPF run-time statistics are
// on (BPF_ENABLE_STATS, kernel.bpf_stats_enabled), else 0.
struct ProgramStats {
  std::string program;
  std::uint64_t recursion_misses = 0;
  std::uint64_t run_count = 0;
  std::uint64_t run_time_ns = 0;
};

struct RawFreed {
  std::chrono::nanoseconds at{0};  // CLOCK_MONOTONIC when read
  std::vector<RawCacheFreed> caches;
  std::vector<FreedCounters> per_cpu;
  std::vector<ProgramStats> misses;
};

// A cache's totals: the per-CPU cells summed, with what the cache is.
struct CacheFreed : FreedCell {
  std::uint64_t cache = 0;
  std::string name;
  std::uint32_t object_size = 0;
};

struct FreedTotals {
  std::chrono::nanoseconds at{0};
  std::vector<CacheFreed> caches;      // bytes descending, then name
  std::uint64_t objects = 0;           // over caches
  std::uint64_t bytes = 0;             // over caches
  FreedCounters counters;              // over CPUs
  std::uint64_t recursion_misses = 0;  // over programs
  std::vector<ProgramStats> misses;
};

// Sums the per-CPU values and sorts the caches.
FreedTotals merge_freed(const RawFreed& raw);
// Per-CPU cells summed.
FreedCell sum_cells(const std::vector<FreedCell>& cells);
FreedCounters sum_counters(const std::vector<FreedCounters>& per_cpu);

// What was freed between two readings of the same ledger (after − before, per cache; a cache
// new in `after` counts whole). A counter that went backwards (it cannot, short of a reload)
// gives 0, not a wrapped number.
FreedTotals freed_between(const FreedTotals& before, const FreedTotals& after);

struct CacheRate {
  std::string name;
  double objects_per_s = 0;
  double bytes_per_s = 0;
};

struct FreedRates {
  double seconds = 0;
  double bytes_per_s = 0;
  double objects_per_s = 0;
  double pages_per_s = 0;
  double kfree_per_s = 0;
  double batch_bytes_per_s = 0;
  std::uint64_t recursion_misses = 0;  // new ones in the interval
  std::vector<CacheRate> top;          // the top_n caches by bytes/s
};

// Rates over the interval between two readings; zero rates when the interval is not positive.
FreedRates freed_rates(const FreedTotals& before, const FreedTotals& after, std::size_t top_n);

// ---------------------------------------------------------------------------------------------
// Method 2: waiting in RCU now, counts.

// RCU_DONE_TAIL .. RCU_NEXT_TAIL of struct rcu_segcblist.
enum Segment : int { kDone = 0, kWait = 1, kNextReady = 2, kNext = 3 };
inline constexpr int kSegments = 4;

// Callbacks rcu_do_batch() has taken off a CPU's list and is invoking: cblist.len is only
// lowered once the batch is done, the DONE segment's length as soon as it is taken. 0 when the
// two were read a moment apart and the segments are ahead.
inline std::int64_t invoking_callbacks(std::int64_t len,
                                       const std::array<std::int64_t, kSegments>& seglen) {
  std::int64_t listed = 0;
  for (std::int64_t n : seglen) listed += std::max<std::int64_t>(n, 0);
  return std::max<std::int64_t>(len - listed, 0);
}

struct CpuPendingCounts {
  int cpu = -1;                                  // -1: a sum over CPUs
  std::int64_t len = 0;                          // cblist.len: callbacks queued
  std::array<std::int64_t, kSegments> seglen{};  // by segment
  std::optional<std::int64_t> lazy_len;          // rcu_data.lazy_len (CONFIG_RCU_LAZY)
  std::optional<std::int64_t> bypass_len;        // rcu_data.nocb_bypass.len (CONFIG_RCU_NOCB_CPU)
  bool nocb_kthread = false;                     // an rcuo kthread exists for the CPU (offloaded)
  std::uint64_t n_cbs_invoked = 0;               // callbacks this CPU has invoked, ever
  std::uint64_t barrier_seq_snap = 0;            // last rcu_barrier() this CPU took part in
  std::optional<std::int64_t> krc_head_count;    // kfree_rcu() objects chained in krc.head
  std::array<std::int64_t, 2> krc_bulk_count{};  // in krc.bulk_head[] pages, by channel

  // Queued and not yet ready: waiting for a grace period.
  std::int64_t waiting_for_gp() const { return seglen[kWait] + seglen[kNextReady] + seglen[kNext]; }
  // Taken off the list by rcu_do_batch() and being invoked now.
  std::int64_t invoking() const { return invoking_callbacks(len, seglen); }
  // Batched kfree_rcu() objects not yet handed to a grace period.
  std::int64_t krc_objects() const {
    return krc_head_count.value_or(0) + krc_bulk_count[0] + krc_bulk_count[1];
  }
};

struct PendingCounts {
  std::chrono::nanoseconds at{0};
  std::vector<CpuPendingCounts> cpus;
  CpuPendingCounts total;  // sums; barrier_seq_snap is the smallest (the CPU furthest behind)
  std::uint64_t barrier_sequence = 0;  // rcu_state.barrier_sequence
};

// Sums per-CPU counts into `total` (optional fields stay empty unless one CPU has them).
PendingCounts sum_counts(std::vector<CpuPendingCounts> cpus, std::uint64_t barrier_sequence,
                         std::chrono::nanoseconds at);

// Callbacks invoked per second between two readings (their n_cbs_invoked sums); nullopt when
// no time passed or the sum went back (a CPU's counter missing from one of them).
std::optional<double> invoked_per_s(const PendingCounts& before, const PendingCounts& after);

// ---------------------------------------------------------------------------------------------
// Method 2: waiting in RCU now, bytes (a walk of the callback lists and the krc batches).

// Why a walk of one CPU's list ended (bpf/ledger_abi.h enum ledger_walk_stop).
enum class WalkStop { not_run = 0, end = 1, list_ended = 2, bad_func = 3, fault = 4, cap = 5 };
std::string_view to_string(WalkStop s);

// One (callback function, cache) pair found by a walk, summed over CPUs. func 0: an object in
// a kfree_rcu() batch (krc); cache 0: the rcu_head is not in a slab object.
struct RawWalkSlot {
  std::uint64_t func = 0;
  std::uint64_t cache = 0;
  std::string cache_name;
  std::uint32_t object_size = 0;
  std::uint64_t callbacks = 0;
  std::uint64_t objects = 0;  // a sheaf callback holds many
  std::uint64_t bytes = 0;
};

struct CpuWalk {
  int cpu = -1;
  std::array<std::int64_t, kSegments> seglen{};  // when the walk started
  std::uint64_t expected = 0;  // wait + next_ready + next: what the walk set out to visit
  std::uint64_t walked = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unsized = 0;  // callbacks not in a slab object (counted, 0 bytes)
  std::uint64_t sheaves = 0;  // rcu_free_sheaf callbacks
  WalkStop stop = WalkStop::not_run;
  std::int64_t len = 0;  // cblist.len when the walk started (see invoking_callbacks())
};

// Where a batched kfree_rcu() object waits (bpf/ledger_abi.h enum ledger_krc_where).
enum KrcWhere : int { kKrcHead = 0, kKrcBulk = 1, kKrcHeadFree = 2, kKrcBulkFree = 3 };
inline constexpr int kKrcPlaces = 4;
std::string_view to_string(KrcWhere w);

struct KrcPlace {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unsized = 0;
  std::uint64_t pages = 0;
  bool truncated = false;
};

struct RawWalk {
  std::chrono::nanoseconds at{0};
  std::chrono::nanoseconds took{0};
  std::vector<RawWalkSlot> slots;
  std::uint64_t overflow_callbacks = 0;  // pairs that found no free slot
  std::uint64_t overflow_bytes = 0;
  std::vector<CpuWalk> cpus;
  bool krc_walked = false;
  std::vector<std::array<KrcPlace, kKrcPlaces>> krc;  // per CPU, parallel to cpus
  std::uint64_t retries = 0;  // CPU walks done again after racing with a grace period's end
};

struct FunctionBytes {
  std::uint64_t func = 0;
  std::string name;  // from /proc/kallsyms; "0x…" when unknown
  std::uint64_t callbacks = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

struct CacheBytes {
  std::uint64_t cache = 0;
  std::string name;  // "(not slab)" for cache 0
  std::uint32_t object_size = 0;
  std::uint64_t callbacks = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

struct KrcBytes {
  bool walked = false;
  std::array<KrcPlace, kKrcPlaces> places{};  // summed over CPUs
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::vector<CacheBytes> by_cache;
};

struct PendingBytes {
  std::chrono::nanoseconds at{0};
  std::chrono::nanoseconds took{0};
  std::uint64_t callbacks = 0;  // walked (wait + next_ready + next segments)
  std::uint64_t expected = 0;   // what the segment lengths announced
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::uint64_t unsized_callbacks = 0;
  std::uint64_t sheaves = 0;
  // Not walked: the DONE segment (ready to be invoked) and the callbacks rcu_do_batch() has
  // taken off the list and is invoking (CpuWalk::len). Their bytes are estimated from the
  // bytes per callback the walk found on the same CPU.
  std::int64_t done_callbacks = 0;
  std::int64_t invoking_callbacks = 0;
  std::uint64_t done_bytes_estimate = 0;  // of done_callbacks + invoking_callbacks
  bool complete = true;       // every CPU's walk reached the end the segment lengths announced
  std::uint64_t retries = 0;  // walks redone after racing with the end of a grace period
  std::vector<FunctionBytes> by_function;  // bytes descending
  std::vector<CacheBytes> by_cache;        // bytes descending
  std::vector<CpuWalk> cpus;
  KrcBytes krc;

  // Callback bytes including the estimate for DONE and invoking (what an rcu_barrier() would
  // free).
  std::uint64_t bytes_with_done() const { return bytes + done_bytes_estimate; }
};

// Names a callback function's address (KernelSymbols in the ledger, a map in tests).
using SymbolNamer = std::function<std::string(std::uint64_t)>;

// Groups a walk by function and by cache, sums the CPUs, estimates DONE.
PendingBytes group_walk(const RawWalk& raw, const SymbolNamer& name_of);

// ---------------------------------------------------------------------------------------------
// Backlog by barrier: what RCU callbacks freed while an rcu_barrier() ran.

enum class BarrierOutcome {
  ran,        // barrier_sequence (or a CPU's barrier_seq_snap) advanced: it really ran
  skipped,    // the write succeeded but no barrier ran (the kernel's throttle, or a no-op)
  throttled,  // the write failed with EAGAIN (rcu_barrier_throttled())
};
std::string_view to_string(BarrierOutcome o);

struct BarrierBacklog {
  BarrierOutcome outcome = BarrierOutcome::skipped;
  std::string detail;
  std::chrono::nanoseconds duration{0};
  std::uint64_t bytes = 0;  // freed by RCU callbacks while it ran (method 1)
  std::uint64_t objects = 0;
  std::uint64_t pages = 0;
  std::uint64_t kfree_calls = 0;
  // n_cbs_invoked advanced by (method 2). rcu_do_batch() adds to it when a batch ends, and a
  // long batch can end after the barrier returned: a hint, not a count of what ran.
  std::uint64_t callbacks_invoked = 0;
  std::int64_t pending_before = 0;  // callbacks queued just before (cblist.len summed)
  std::int64_t pending_after = 0;
  std::uint64_t recursion_misses = 0;  // new misses while it ran: frees not seen
  std::vector<CacheFreed> by_cache;    // bytes descending
  // When asked for (BarrierOptions::walk_first): the callback lists walked just before the
  // barrier, after the first reading of freed totals, so that everything the walk saw and that
  // was freed before the barrier began still counts in `bytes`.
  std::optional<PendingBytes> pending;
};

// The verdict from readings taken just before and just after the barrier. `write_errno` is 0
// when the write to do_rcu_barrier succeeded.
BarrierBacklog barrier_verdict(const PendingCounts& before, const PendingCounts& after,
                               const FreedTotals& freed_before, const FreedTotals& freed_after,
                               std::chrono::nanoseconds duration, int write_errno);

// |a − b| / max(a, b), in percent; 0 when both are 0.
double disagreement_percent(double a, double b);

}  // namespace mt::rcu
