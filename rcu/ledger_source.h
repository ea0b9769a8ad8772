// The seam between the RCU ledger and the kernel: everything that loads BPF, reads its maps or
// writes do_rcu_barrier is behind LedgerSource. BpfLedgerSource (rcu/bpf_ledger_source.h) is
// the real one; unit tests hand the Ledger a fake that returns made-up raw readings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "rcu/ledger_stats.h"

namespace mt::rcu {

// What the source found when it opened: which kernel paths it covers and what it could not.
struct LedgerFacts {
  std::string flavour;             // rcu_state.name: "rcu_preempt", "rcu_sched"
  std::vector<int> cpus;           // CPUs whose rcu_data was found and checked (online at open)
  bool freed = false;              // method 1 attached
  bool pending = false;            // method 2 loaded and its addresses checked
  // bpf_get_kmem_cache (6.13+) sizes objects: walks and method 1 run. Without it the ledger
  // counts callbacks (pending, invoked, krc) and says so in `notes`; no bytes.
  bool sized = false;
  bool batch_bracket = false;      // kfree_rcu_work found in kallsyms, its bracket attached
  bool krc = false;                // krc addresses checked: batches are counted and walked
  bool lazy_len = false;           // rcu_data.lazy_len exists
  bool nocb_bypass = false;        // rcu_data.nocb_bypass exists
  bool sheaves = false;            // struct slab_sheaf and rcu_free_sheaf exist
  bool barrier = false;            // do_rcu_barrier is there and writable
  std::vector<std::string> notes;  // each thing not covered, and why
};

// The result of one write to do_rcu_barrier: how long it blocked and its errno (0 when it
// succeeded; EAGAIN when the kernel throttled it). Other failures are an Error.
struct BarrierWrite {
  std::chrono::nanoseconds took{0};
  int error = 0;
};

class LedgerSource {
 public:
  virtual ~LedgerSource() = default;
  virtual const LedgerFacts& facts() const = 0;
  // Method 1's maps as they are now. Error when method 1 is not attached.
  virtual Result<RawFreed> read_freed() = 0;
  // Method 2's counters, per CPU, and rcu_state.barrier_sequence.
  virtual Result<std::vector<CpuPendingCounts>> read_counts(std::uint64_t& barrier_sequence) = 0;
  // One walk of every CPU's callback list (and krc batches when covered).
  virtual Result<RawWalk> walk() = 0;
  // Detaches (false) or re-attaches (true) method 1's programs; its counts are kept.
  virtual Status set_freed_attached(bool attached) = 0;
  // One write of 1 to do_rcu_barrier; blocks while the barrier runs.
  virtual Result<BarrierWrite> barrier() = 0;
  // CLOCK_MONOTONIC.
  virtual std::chrono::nanoseconds now() const = 0;
};

}  // namespace mt::rcu
