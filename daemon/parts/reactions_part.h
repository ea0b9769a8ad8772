// A campaign's reactions (`reactions:`, campaign/reactions.h) while it runs. At every sample (and
// at every PSI trigger event) each reaction's tracker (daemon/reactions.h) decides whether it
// fires or clears; a firing runs its actions in order, one after the other:
//   log       a line in the stream
//   expedite  rcu_expedited 1 through the knob layer (journaled), put back when the reaction
//             clears or after its time; several reactions expediting at once share one change
//   gp_kick   one membarrier(GLOBAL) (a synchronize_rcu()), on the part's own thread
//   barrier   an rcu_barrier() (through the ledger when it runs: what it freed), off the io thread
//   throttle  pause, or set the rate of, named floods through their control channel, until clear
//   reclaim   a write to the cgroup's memory.reclaim (v2), on the part's own thread
// Every firing is recorded: when `when` began to hold in the data, when it was detected, each
// action's start and end (µs) and what it did, the memory waiting in RCU before and after each
// action (when the ledger runs), and headroom, usage, PSI and RCU-freed bytes/s one second before
// the detection and one second after the last action. In the stream (a line per firing, a line
// per clear), the figure reactions.firings, and the report (parts.reactions).
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "campaign/spec.h"
#include "common/job_thread.h"
#include "daemon/campaign_part.h"
#include "daemon/parts/ledger_part.h"
#include "daemon/reactions.h"
#include "rcu/knobs.h"

namespace mt::daemon {

struct ReactionsPartOptions {
  std::vector<campaign::ReactionSpec> reactions;
  std::chrono::milliseconds sample_interval{100};
  // The rate each flood runs at when not throttled (ops/s per thread; 0: unlimited).
  std::map<std::string, double> flood_rates;
  rcu::Knobs* knobs = nullptr;  // the campaign's (KernelKnobsPart): one journal for all changes
  LedgerPart* ledger = nullptr;  // null: no waiting figures, barriers timed alone
  std::function<Result<std::chrono::nanoseconds>()> gp_kick;  // membarrier(GLOBAL)
  std::function<Result<std::chrono::nanoseconds>()> barrier;  // do_rcu_barrier, without the ledger
  // Writes `bytes` to memory.reclaim of the campaign cgroup (`cgroup_dir`); blocks.
  std::function<Status(const std::filesystem::path& cgroup_dir, std::uint64_t bytes)> reclaim;
};

class ReactionsPart final : public CampaignPart {
 public:
  explicit ReactionsPart(ReactionsPartOptions options);
  ~ReactionsPart() override;
  std::string_view name() const override { return "reactions"; }
  std::vector<MetricDef> metrics() const override { return declared(); }
  static std::vector<MetricDef> declared();
  Status setup(PartContext& cx) override;
  Status measure(Sample& s, PartContext& cx) override;
  void on_sample(const Sample& s, PartContext& cx) override;
  void on_event(const Event& e, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

  // What one action did.
  struct ActionRecord {
    campaign::ReactionAction::Kind kind{};
    double started_s = 0, done_s = 0;
    bool ok = true;
    std::string detail;  // "rcu_expedited 0 -> 1", "freed 4.1Mi", the error
    std::optional<LedgerPart::Waiting> waiting_before, waiting_after;
  };
  // Figures around a firing.
  struct Effect {
    double t_s = 0;
    std::map<std::string, double> figures;  // headroom_bytes, usage_bytes, psi.*, rcu.*
  };
  struct Firing {
    std::string reaction;
    std::uint32_t n = 0;  // 1 for the reaction's first firing
    double true_since_s = 0;
    double detected_s = 0;
    bool by_psi_event = false;
    std::optional<double> done_s, cleared_s;
    std::vector<ActionRecord> actions;
    std::optional<Effect> before, after;
  };
  const std::vector<Firing>& firings() const { return firings_; }

 private:
  struct Reaction {
    campaign::ReactionSpec spec;
    std::unique_ptr<ReactionTracker> tracker;
    std::optional<std::size_t> open_firing;  // the firing not yet cleared
    bool expediting = false;                  // holds an expedite until clear
    std::vector<std::string> throttled;       // floods it throttled, until clear
  };
  void look(PartContext& cx, double t_s, bool psi_fired);
  void fire(Reaction& r, double true_since_s, bool by_psi, PartContext& cx);
  void clear(Reaction& r, double since_s, PartContext& cx);
  // Reads the memory waiting in RCU (when the ledger runs), then runs firing `f`'s actions.
  void start_actions(std::size_t f, PartContext& cx);
  // Runs action `i` of firing `f`; action_done() starts the next one.
  void start_action(std::size_t f, std::size_t i, PartContext& cx);
  // Runs a blocking, timed call on the part's thread; `done(ok, "<what> <time>")` on the io thread.
  void timed_off_io(std::function<Result<std::chrono::nanoseconds>()> call, std::string what,
                    PartContext::ControlDone done, PartContext& cx);
  void action_done(std::size_t f, std::size_t i, bool ok, std::string detail, PartContext& cx);
  void firing_done(std::size_t f, PartContext& cx);
  // Expedite held by one more (true) or one fewer (false) holder; the knob changes at 1 and 0.
  Result<std::string> expedite(bool hold);
  void unthrottle(Reaction& r, PartContext& cx);
  Effect effect_at(double t_s) const;
  template <class F>
  void back_to_io(PartContext& cx, F on_io);

  ReactionsPartOptions opt_;
  std::vector<Reaction> reactions_;
  FigureBoard board_;
  std::deque<std::pair<double, FigureBoard>> history_;  // (t, figures), the last few seconds
  std::vector<Firing> firings_;
  std::vector<Scheduler::Id> timers_;  // timed expedites
  int expedite_holders_ = 0;
  std::string expedite_before_;  // rcu_expedited before the first holder
  std::string error_;
  std::unique_ptr<JobThread> thread_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
