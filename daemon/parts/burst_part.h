// rcutorture's forward-progress discipline for floods with `bursts:` (campaign/spec.h BurstSpec),
// the user-space counterpart of rcu_torture_fwd_prog_cr(): flood for up to `flood` (less when the
// headroom falls below `stop_below_headroom`), pause the flood, run an rcu_barrier(), rest, and
// again, `count` times or until the campaign ends. For every burst it records its duration, ops,
// the barrier's time (and, with the ledger, what RCU callbacks freed while it ran), the charged
// memory's peak, the bytes freed through RCU, and a histogram per sample interval (100 ms by
// default) of ops and of RCU-freed bytes (rcu_torture_fwd_cb_hist's counterpart). Each burst is a
// log line in the stream; all of them are in the report under parts.bursts.
// Driven by the samples: a burst is measured and ended at sample times, so its length is a whole
// number of sample intervals. The flood's ops come from its worker's counters, the RCU-freed bytes
// from the sample's rcu.freed_bytes_per_s (absent without the ledger: the burst says so).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "campaign/spec.h"
#include "common/job_thread.h"
#include "common/result.h"
#include "daemon/campaign_part.h"

namespace mt::daemon {

class LedgerPart;

struct BurstPartOptions {
  std::map<std::string, campaign::BurstSpec> floods;  // by workload name
  std::chrono::milliseconds sample_interval{100};
  LedgerPart* ledger = nullptr;  // its barrier also says what RCU freed while it ran
  std::function<Result<std::chrono::nanoseconds>()> barrier;  // do_rcu_barrier, without the ledger
};

class BurstPart final : public CampaignPart {
 public:
  explicit BurstPart(BurstPartOptions options);
  ~BurstPart() override;
  std::string_view name() const override { return "bursts"; }
  void on_sample(const Sample& s, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

  struct Burst {
    int index = 0;  // 1-based
    double started_s = 0, flood_ended_s = 0;
    std::string ended_by;  // "time", "headroom", "campaign end"
    std::uint64_t ops = 0;
    std::optional<double> barrier_ms;
    std::string barrier_error;
    std::optional<std::uint64_t> barrier_freed_bytes;  // with the ledger
    std::uint64_t peak_charged_bytes = 0;
    std::optional<double> rcu_freed_bytes;  // nullopt: no sample carried the figure
    std::vector<std::uint64_t> ops_hist;    // per sample interval
    std::vector<double> rcu_freed_hist;     // per sample interval (0 where unknown)
  };
  const std::vector<Burst>& bursts(const std::string& workload) const;

 private:
  enum class Phase { waiting, flooding, stopping, resting, done };
  struct Flood {
    campaign::BurstSpec spec;
    Phase phase = Phase::waiting;
    std::uint64_t ops_base = 0, ops_last = 0;
    double last_sample_s = 0;
    Scheduler::Id rest_timer = 0;
    std::vector<Burst> bursts;
  };
  void begin(const std::string& name, Flood& f, PartContext& cx);
  void end_flood(const std::string& name, Flood& f, const std::string& why, PartContext& cx);
  void run_barrier(const std::string& name, PartContext& cx);
  void burst_done(const std::string& name, PartContext& cx);

  BurstPartOptions opt_;
  std::map<std::string, Flood> floods_;
  std::unique_ptr<JobThread> thread_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
