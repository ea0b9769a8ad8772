// The RCU ledger during a campaign (rcu/ledger.h): how much memory flows through RCU and how much
// waits in it, system-wide, in every sample. Every ledger call blocks (opening loads BPF and
// finds each CPU's rcu_data, a walk takes ms, a barrier tens of ms), so they all run on a
// JobThread of the part's own and their results are posted back to the io thread; a sample
// carries the latest result that arrived since the previous one.
//   each sample      freed() and pending_counts(): rcu.freed_bytes_per_s, rcu.freed_objects_per_s,
//                    rcu.pending_callbacks, rcu.krc_objects
//   walk_interval    pending_bytes(): rcu.pending_bytes (callbacks' objects, DONE estimated, and
//                    kfree_rcu() batches)
//   backlog_interval barrier_backlog() with a walk just before, flood workers SIGSTOPped around
//                    it (pause_floods), and the campaign cgroup's kernel memory before and after:
//                    rcu.backlog_bytes, and in the report the barrier against the walk and the
//                    cgroup's drop.
// The figures are system-wide (RCU callbacks carry no cgroup); the backlog's cgroup drop is what
// ties them to the campaign. Where the ledger cannot open, the campaign runs without it and the
// report says why (parts.ledger.error).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "campaign/spec.h"
#include "common/job_thread.h"
#include "daemon/campaign_part.h"
#include "rcu/ledger.h"

namespace mt::daemon {

struct LedgerPartOptions {
  campaign::LedgerSpec spec;
  rcu::LedgerOptions ledger;  // what to open (paths under /sys and /proc; method 1 or not)
  // Opens the ledger (on the part's thread); default rcu::Ledger::open. Tests: over a fake source.
  std::function<Result<std::unique_ptr<rcu::Ledger>>(const rcu::LedgerOptions&)> open;
  // Non-empty: the host cannot run the ledger (why); the part is off without trying.
  std::string unavailable;
  // Whether every thread of these processes has stopped (kernel::all_stopped on /proc): a
  // paused flood's thread inside a system call runs on until it returns. Tests: a fake.
  std::function<bool(const std::vector<pid_t>&)> all_stopped;
  std::chrono::milliseconds stop_wait{200};  // at most this long, then measured anyway (said)
};

class LedgerPart final : public CampaignPart {
 public:
  explicit LedgerPart(LedgerPartOptions options);
  ~LedgerPart() override;
  std::string_view name() const override { return "ledger"; }
  std::vector<MetricDef> metrics() const override { return declared(); }
  static std::vector<MetricDef> declared();
  Status setup(PartContext& cx) override;
  Status measure(Sample& s, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

  // For the reactions (daemon/parts/reactions_part.h); `done` runs on the io thread, after the
  // jobs already queued on the ledger's thread.
  struct Waiting {
    std::int64_t callbacks = 0;  // queued on every CPU
    std::uint64_t bytes = 0;     // a walk: callbacks' objects, DONE estimated, kfree_rcu() batches
  };
  bool running() const { return open_; }
  // Memory waiting in RCU now. nullopt when the ledger does not run or a read failed.
  void read_waiting(PartContext& cx, std::function<void(std::optional<Waiting>)> done);
  // An rcu_barrier() and what RCU callbacks freed while it ran (the floods are not paused).
  void barrier(PartContext& cx, std::function<void(Result<rcu::BarrierBacklog>)> done);

  // One backlog measurement, as filed in the report.
  struct Backlog {
    double t_s = 0;
    rcu::BarrierBacklog barrier;
    int floods_paused = 0;  // flood workers SIGSTOPped around it
    double stop_wait_ms = 0;       // until every thread of them had stopped
    bool floods_stopped = true;    // they had, within LedgerPartOptions::stop_wait
    std::optional<std::uint64_t> cgroup_kernel_before, cgroup_kernel_after;
  };

 private:
  // What the part's thread reads at each sample.
  struct Reading {
    double t_s = 0;
    std::optional<rcu::FreedRates> rates;
    std::optional<rcu::PendingCounts> counts;
    std::optional<double> invoked_per_s;  // since the reading before
    std::string error;
  };
  void start_timers(PartContext& cx);
  void request_sample_reading(PartContext& cx);
  void request_walk(PartContext& cx);
  void request_backlog(PartContext& cx);
  void on_opened(Result<rcu::LedgerFacts> facts, PartContext& cx);
  void on_reading(Reading r);
  void on_walk(Result<rcu::PendingBytes> walk, PartContext& cx);
  void on_backlog(Result<Backlog> b, PartContext& cx);
  void thaw(PartContext& cx);
  // Runs `on_io` on the io thread later, unless the part is gone by then.
  template <class F>
  void back_to_io(PartContext& cx, F on_io);

  LedgerPartOptions opt_;
  std::unique_ptr<JobThread> thread_;
  // Touched only on the part's thread (and after it has been joined).
  std::unique_ptr<rcu::Ledger> ledger_;
  std::optional<rcu::FreedTotals> freed_first_, freed_last_;
  std::optional<rcu::PendingCounts> counts_last_;

  // On the io thread.
  Scheduler* timers_ = nullptr;
  Scheduler::Id walk_task_ = 0, backlog_task_ = 0;
  bool open_ = false;
  std::optional<rcu::LedgerFacts> facts_;
  std::string error_;  // why the ledger does not run, or stopped
  bool reading_in_flight_ = false, walk_in_flight_ = false, backlog_in_flight_ = false;
  bool frozen_ = false;  // this part has SIGSTOPped flood workers and not yet continued them
  std::optional<Reading> fresh_reading_;
  std::optional<double> fresh_walk_bytes_, fresh_backlog_bytes_;
  // For the report.
  std::vector<double> pending_callbacks_, walk_bytes_, invoked_per_s_;
  // Freed through RCU at each reading: the rate and the top caches' (report parts.ledger.series).
  struct FreedPoint {
    double t_s = 0;
    rcu::FreedRates rates;
  };
  std::vector<FreedPoint> freed_series_;
  std::optional<rcu::PendingBytes> largest_walk_;
  double largest_walk_t_s_ = 0;
  std::uint64_t walks_ = 0, incomplete_walks_ = 0, walk_retries_ = 0;
  double walk_ms_max_ = 0;
  std::vector<Backlog> backlogs_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
