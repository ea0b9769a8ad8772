// The plain campaign structs. A front end (the YAML parser in parse.h) produces them; the daemon
// compiles them into a running campaign. Nothing here knows about YAML, gRPC or the kernel.
// Every struct compares with ==, field by field, positions included (a test that means "same
// campaign, wherever it was written" clears the positions first).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "campaign/regression.h"

namespace mt::workloads {
struct FloodKind;  // workloads/floods/flood_kind.h
}

namespace mt::campaign {

using std::chrono::milliseconds;

// Where a value stood in the campaign file (1-based; 0 when unknown).
struct SourcePos {
  int line = 0;
  int column = 0;

  bool operator==(const SourcePos&) const = default;
};

// rcutorture's forward-progress discipline for a flood (rcu_torture_fwd_prog_cr): flood for up
// to `flood`, then pause, run an rcu_barrier(), rest, and again; each burst is recorded.
struct BurstSpec {
  milliseconds flood{0};                   // a burst's longest flood time
  milliseconds rest{1000};                 // paused after the barrier, before the next burst
  std::optional<int> count;                // bursts; nullopt: until the campaign ends
  bool barrier = true;                     // an rcu_barrier() after each burst
  std::optional<std::uint64_t> stop_below_headroom;  // ends a burst early below this headroom
  SourcePos pos;                           // of the `bursts:` value

  bool operator==(const BurstSpec&) const = default;
};

struct FloodSpec {
  static constexpr std::string_view kTypeName = "flood";
  const workloads::FloodKind* kind = nullptr;  // one of workloads/floods/kinds.h (the parser sets it)
  int threads = 1;
  std::optional<std::uint64_t> rate;  // ops per second per thread; nullopt = unlimited
  std::optional<BurstSpec> bursts;    // nullopt: the flood runs without a break

  bool operator==(const FloodSpec&) const = default;
};

struct AnonSpec {
  static constexpr std::string_view kTypeName = "anon";
  std::uint64_t size = 0;  // bytes to allocate and touch
  milliseconds ramp{0};    // reach `size` linearly over this long, then hold
  // A sawtooth: every `churn_every` of the ramp, give back `churn_free` of what the ramp added
  // since the last give-back, then grow on at the ramp's rate from there: the trend is the ramp's
  // rate times (1 - churn_free), each tooth churn_free x rate x churn_every high (0: no churn).
  milliseconds churn_every{0};
  double churn_free = 0;
  // Once held: every pass, the first `madvise_fraction` of the pages is advised instead of
  // rewritten: `cold` (MADV_COLD: moved to the inactive list, reclaimed first) or `pageout`
  // (MADV_PAGEOUT: reclaimed now, to swap where there is any).
  enum class Madvise { none, cold, pageout };
  Madvise madvise = Madvise::none;
  double madvise_fraction = 0.5;

  bool operator==(const AnonSpec&) const = default;
};

// Page cache for reclaim to take: one file of `size` in the workload's own directory, written
// once and then read over and over (clean pages, kept active), or, with `dirty`, rewritten over
// and over with no sync (dirty pages, written back by the kernel's flushers).
struct PageCacheSpec {
  static constexpr std::string_view kTypeName = "page_cache";
  std::uint64_t size = 0;
  bool dirty = false;

  bool operator==(const PageCacheSpec&) const = default;
};

// stress-ng inside the cgroup: the options of `stressors:` (workloads/stress_ng/options.h checks
// them), written to a job file in the workload's own directory, in the order given.
struct StressNgOption {
  std::string name;   // "vm", "vm-bytes"
  std::string value;  // as the job file takes it: "2", "67108864", "" for a flag
  SourcePos pos;      // of the key

  bool operator==(const StressNgOption&) const = default;
};

struct StressNgSpec {
  static constexpr std::string_view kTypeName = "stress_ng";
  std::vector<StressNgOption> options;

  // The stressors among the options, in order ("vm", "dentry").
  std::vector<std::string> stressors() const;
  bool operator==(const StressNgSpec&) const = default;
};

// The kernel's own rcutorture module, loaded for its callback-flood forward-progress test
// (rcu_torture_fwd_prog_cr) and unloaded when the campaign stops; its log lines are the result.
struct RcutortureSpec {
  static constexpr std::string_view kTypeName = "rcutorture";
  std::string torture_type = "rcu";   // rcutorture's torture_type=
  int fwd_progress = 1;               // forward-progress kthreads
  int fwd_progress_div = 4;           // a flood lasts at most 1/div of the stall timeout
  milliseconds fwd_progress_holdoff{5000};  // rest between two floods (whole seconds)

  bool operator==(const RcutortureSpec&) const = default;
};

struct WorkloadSpec {
  std::string name;
  milliseconds start_after{0};  // delay from the campaign start
  SourcePos pos;                // of the list item, for messages
  // What its type takes (one struct per type, each read and written by its descriptor in
  // campaign/workload_types/, listed in workload_types.cc).
  using Params = std::variant<FloodSpec, AnonSpec, PageCacheSpec, StressNgSpec, RcutortureSpec>;
  Params params;

  // The `type:` value: "flood", "anon".
  std::string_view type_name() const;
  const FloodSpec* flood() const { return std::get_if<FloodSpec>(&params); }
  FloodSpec* flood() { return std::get_if<FloodSpec>(&params); }
  const AnonSpec* anon() const { return std::get_if<AnonSpec>(&params); }
  AnonSpec* anon() { return std::get_if<AnonSpec>(&params); }
  const PageCacheSpec* page_cache() const { return std::get_if<PageCacheSpec>(&params); }
  const StressNgSpec* stress_ng() const { return std::get_if<StressNgSpec>(&params); }
  const RcutortureSpec* rcutorture() const { return std::get_if<RcutortureSpec>(&params); }
  // Whether its worker needs a directory to work in (page_cache, stress_ng, a flood kind that
  // needs_dir).
  bool needs_dir() const;

  bool operator==(const WorkloadSpec&) const = default;
};

struct CgroupSpec {
  std::uint64_t memory_limit = 0;            // bytes; required
  std::optional<std::uint64_t> memory_high;  // bytes; cgroup v2 only

  bool operator==(const CgroupSpec&) const = default;
};

// Pass/fail lines. Each is optional; an absent one is not evaluated.
// A bound on a named figure (a core one such as "usage_bytes", or a campaign part's metric such
// as "rcu.gp_latency_us"): every sample must keep it.
struct MetricBound {
  std::string metric;
  double limit = 0;

  bool operator==(const MetricBound&) const = default;
};

struct Criteria {
  std::optional<std::uint64_t> max_oom_kills;
  std::optional<double> max_psi_some_avg10;   // percent, 0..100
  std::optional<double> max_psi_full_avg10;   // percent, 0..100
  std::optional<std::uint64_t> min_headroom;  // bytes (limit - usage), lowest sample
  // Seconds: the lowest time-to-OOM estimate (oom.eta_s) must stay at or above it; samples
  // without an estimate (memory not growing) pass.
  std::optional<double> min_oom_eta_s;
  std::vector<MetricBound> max;  // `criteria.max: {figure: limit}`, in file order
  std::vector<MetricBound> min;  // `criteria.min: {figure: limit}`

  bool operator==(const Criteria&) const = default;
};

enum class PsiKind { some, full };

// A kernel PSI trigger armed on the campaign cgroup's memory.pressure where the kernel allows it.
struct PsiTriggerSpec {
  bool enabled = true;
  PsiKind kind = PsiKind::some;
  milliseconds stall{100};
  milliseconds window{2000};
  // Not written in the file: compile() picks the host's default, a sub-second window where the
  // daemon has CAP_SYS_RESOURCE (kSubSecondPsiWindow), else 2 s (all the kernel allows then).
  bool window_default = true;

  bool operator==(const PsiTriggerSpec&) const = default;
};

// An RCU knob set for the campaign's whole run (`kernel:`), one of rcu/knobs.h's list; booleans
// are 0/1.
struct KnobSetting {
  std::string name;
  long long value = 0;

  bool operator==(const KnobSetting&) const = default;
};

// The RCU ledger during the run (rcu/ledger.h, daemon/parts/ledger_part.h): `ledger:` in a
// campaign, `ledger: off` for none. It runs where the host allows BPF; elsewhere the campaign
// runs without it and its report says why.
struct LedgerSpec {
  bool enabled = true;
  bool freed = true;                 // method 1: a hook on every slab free in the system (a cost)
  milliseconds walk_interval{1000};  // bytes pending, by a walk of the callback lists; 0: off
  milliseconds backlog_interval{0};  // a barrier backlog measured this often; 0: off
  bool pause_floods = true;          // flood workers SIGSTOPped while a backlog barrier runs

  bool operator==(const LedgerSpec&) const = default;
};

// When a reaction fires or clears (`when:` and `clear.when:`): a bound on a sampled figure
// ("rcu.pending_bytes > 8Mi"), the kernel's PSI trigger ("psi_trigger": an event since the last
// look), or any/all of a list of conditions.
struct Condition {
  enum class Kind { threshold, psi_trigger, any, all };
  enum class Op { gt, ge, lt, le };
  Kind kind = Kind::threshold;
  std::string figure;  // threshold: a figure's name (daemon/metric_catalog.h)
  Op op = Op::gt;
  double value = 0;
  std::vector<Condition> children;  // any, all
  SourcePos pos;

  bool operator==(const Condition&) const = default;
};

// One step of a reaction, run in the order written.
struct ReactionAction {
  enum class Kind { log, expedite, gp_kick, barrier, throttle, reclaim };
  Kind kind = Kind::log;
  // expedite: rcu_expedited 1 for this long, then put back; 0: until the reaction clears.
  milliseconds hold{0};
  std::vector<std::string> workloads;  // throttle: flood workloads, until the reaction clears
  std::optional<std::uint64_t> rate;   // throttle: ops/s per thread; nullopt: paused
  std::uint64_t amount = 0;            // reclaim: bytes asked of memory.reclaim
  std::string message;                 // log
  SourcePos pos;

  bool operator==(const ReactionAction&) const = default;
};

// `reactions:` in a campaign (daemon/parts/reactions_part.h). A reaction fires when `when` has
// held for `hold`, at most `max_firings` times and not within `cooldown` of its last firing; it
// clears when `clear` (default: `when` no longer holds) has held for `clear_hold`, and fires
// again only after it cleared.
struct ReactionSpec {
  std::string name;
  Condition when;
  milliseconds hold{0};
  std::optional<Condition> clear;
  milliseconds clear_hold{0};
  std::vector<ReactionAction> actions;
  milliseconds cooldown{0};
  std::optional<std::uint32_t> max_firings;
  SourcePos pos;

  bool operator==(const ReactionSpec&) const = default;
};

// One way to run the campaign (`variants:`, campaign/variants.h): the campaign with these
// overrides, `repeat` times. Unset overrides keep the campaign's values.
struct VariantSpec {
  std::string name;
  std::uint32_t repeat = 1;
  bool expect_fail = false;  // `expect: fail`: its verdict does not decide the campaign's
  std::optional<std::vector<ReactionSpec>> reactions;  // replace the campaign's; empty: none
  std::vector<KnobSetting> kernel;                     // over the campaign's, knob by knob
  struct Flood {
    std::string workload;
    std::optional<int> threads;
    std::optional<std::optional<std::uint64_t>> rate;  // set: the rate (nullopt inside: unlimited)
    SourcePos pos;
    bool operator==(const Flood&) const = default;
  };
  std::vector<Flood> floods;
  std::optional<std::uint64_t> memory_limit;
  SourcePos pos;

  bool operator==(const VariantSpec&) const = default;
};

// What a campaign can name in `requires:`: host features without which it has nothing to
// measure. Where the host lacks one the campaign is not run (memtorturectl exits 4, a suite
// lists it as skipped) rather than failed on figures no sample could carry.
//   cgroup_v2     the memory controller on cgroup v2 (memory.high, memory.peak, memory.reclaim)
//   ledger        the RCU ledger runs (BPF): rcu.pending_callbacks, rcu.invoked_per_s
//   ledger_bytes  and sizes what waits (bpf_get_kmem_cache, 6.13+): rcu.pending_bytes, ...
//   rcutorture    the rcutorture module can be loaded
inline constexpr std::string_view kHostNeeds[] = {"cgroup_v2", "ledger", "ledger_bytes",
                                                  "rcutorture"};
struct HostNeed {
  std::string name;  // one of kHostNeeds
  SourcePos pos;
  bool operator==(const HostNeed&) const = default;
};

struct CampaignSpec {
  std::string name;
  std::string description;
  milliseconds duration{0};
  milliseconds sample_interval{100};
  CgroupSpec cgroup;
  std::vector<WorkloadSpec> workloads;
  Criteria criteria;
  // An OOM kill in the campaign cgroup is what the campaign is for: one must happen, and a
  // workload it kills does not fail the campaign (see configs/README.md, "The verdict").
  bool expect_oom = false;
  PsiTriggerSpec psi_trigger;
  std::vector<KnobSetting> kernel;  // in file order; put back when the campaign ends
  // How often a grace period is timed during the run (daemon/parts/gp_probe_part.h); 0: off.
  milliseconds gp_probe_interval{1000};
  LedgerSpec ledger;
  std::vector<ReactionSpec> reactions;
  std::vector<VariantSpec> variants;  // none: the campaign runs once, as written
  // Thresholds for memtorturectl compare of two runs of this campaign (campaign/regression.h).
  RegressionThresholds regression;
  std::vector<HostNeed> needs;  // `requires:`, in file order

  bool operator==(const CampaignSpec&) const = default;
};

std::string_view to_string(PsiKind k);
std::string_view to_string(Condition::Op op);  // ">", ">=", "<", "<="
std::string_view to_string(ReactionAction::Kind k);
// "rcu.pending_bytes > 8Mi", "any(psi_trigger, usage_fraction >= 0.9)": for messages and logs.
std::string describe(const Condition& c);

}  // namespace mt::campaign
