// The RCU ledger: how much memory flows through RCU and how much waits in it right now, in
// bytes, per slab cache, on the running kernel, read with BPF.
//
//   freed()           method 1: what RCU callbacks (and kfree_rcu() batches) have freed since
//                     open, per cache; rates between two readings with freed_rates().
//   pending_counts()  method 2: callbacks queued per CPU by segment, krc batches; ~10 µs, for
//                     every sample.
//   pending_bytes()   method 2: a walk of every callback list, each callback sized by its slab
//                     cache, grouped by callback function and by cache; 1-25 ms, for 1-10 Hz.
//   barrier_backlog() a cross-check: an rcu_barrier() (do_rcu_barrier), and what method 1 saw
//                     RCU callbacks free while it ran; says whether the barrier really ran.
//
// Every call blocks the calling thread for as long as it takes (a barrier can take hundreds of
// ms under a flood): a daemon calls it from a thread of its own. Calls are serialized inside.
// The destructor detaches and frees every BPF program and map; nothing is pinned.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/result.h"
#include "rcu/ledger_probe.h"
#include "rcu/ledger_source.h"
#include "rcu/ledger_stats.h"
#include "rcu/percpu_offsets.h"

namespace mt::rcu {

struct LedgerOptions {
  bool freed = true;     // method 1: hooks on every kmem free in the system (its cost)
  bool pending = true;   // method 2: nothing attached after open
  bool walk_krc = true;  // pending_bytes() also walks the kfree_rcu() batches
  std::filesystem::path sys = "/sys";
  std::filesystem::path proc = "/proc";
  std::filesystem::path btf;  // empty: <sys>/kernel/btf/vmlinux
  // How long to wait for the scheduler tracepoint to show every online CPU's runqueue.
  std::chrono::milliseconds rq_discovery{1000};
  std::uint64_t walk_cap_per_cpu = 1u << 20;  // callbacks walked per CPU at most
  // Walk each CPU's list in an IPI on that CPU (exact, but interrupts stay off there for the
  // walk: ~2 ms for 10k callbacks) instead of from the calling CPU (retried when it raced).
  bool walk_on_cpu = false;
  // Per-CPU variable offsets to use instead of the BTF's: for tests that must see a wrong
  // address refused.
  std::optional<PercpuOffsets> percpu_offsets;
};

struct BarrierOptions {
  bool walk_first = false;  // also walk the callback lists just before (BarrierBacklog::pending)
};

// Names for callback function addresses (one call for all the new ones).
using SymbolResolver =
    std::function<std::map<std::uint64_t, std::string>(const std::vector<std::uint64_t>&)>;

class Ledger {
 public:
  // Loads the BPF programs, attaches method 1, finds and checks method 2's addresses. The
  // error says why not: no BTF, not permitted (EPERM), a missing tracepoint or kfunc, a failed
  // address check (then no numbers at all rather than wrong ones).
  static Result<std::unique_ptr<Ledger>> open(const LedgerOptions& options = {});
  // Over any source (a fake in tests). `resolve` names callback functions; empty: "0x…".
  explicit Ledger(std::unique_ptr<LedgerSource> source, SymbolResolver resolve = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const LedgerFacts& facts() const;

  Result<FreedTotals> freed();
  // Method 1 off (detached: no cost, freed() stands still) and on again, without reloading.
  Status set_freed_attached(bool attached);
  Result<PendingCounts> pending_counts();
  Result<PendingBytes> pending_bytes();
  // Needs both methods. Blocks while the barrier runs.
  Result<BarrierBacklog> barrier_backlog(const BarrierOptions& options = {});

 private:
  Result<PendingBytes> pending_bytes_locked();
  std::mutex mu_;
  std::unique_ptr<LedgerSource> source_;
  SymbolResolver resolve_;
  std::map<std::uint64_t, std::string> names_;  // resolved so far
};

}  // namespace mt::rcu
