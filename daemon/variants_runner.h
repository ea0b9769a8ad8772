// A campaign with `variants:` (campaign/variants.h): each variant's campaign (apply_variant) run
// `repeat` times, one run after the other, each a CampaignRunner of its own (its own cgroup,
// parts and report, under this campaign's report directory, runs/<id>.<n>/). Between two runs a
// settle step: the previous run's workers are gone and its cgroup removed (the runner does
// both), then an rcu_barrier() so that its callbacks do not weigh on the next run, and a pause.
// The stream carries the running run's samples and log, a line when each run starts and ends;
// at the end the comparison (daemon/variant_table.h) as lines, and the report has one section
// per variant and the table (parts.variants). Stopping stops the running run and starts no more.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/job_thread.h"
#include "daemon/campaign_runner.h"
#include "daemon/variant_table.h"

namespace mt::daemon {

struct VariantsOptions {
  std::chrono::milliseconds settle{1000};  // after the barrier between two runs
  // The barrier between runs; null: do_rcu_barrier under the runner's sys_root (tests: a fake).
  std::function<Result<std::chrono::nanoseconds>()> barrier;
};

class VariantsRunner final : public CampaignRun {
 public:
  VariantsRunner(boost::asio::io_context& io, Scheduler& timers, RunnerOptions options,
                 CampaignInput input, EventSink sink, OnFinished on_finished,
                 VariantsOptions variants = {});
  ~VariantsRunner() override;

  void start() override;
  void stop(const std::string& reason) override;
  void control(const std::string& name, const workloads::Control& command,
               ControlDone done) override;
  State state() const override { return state_; }
  CampaignView view() const override;
  std::optional<OomLook> oom_look() const override {
    return current_ ? current_->oom_look() : std::nullopt;
  }

 private:
  struct Run {
    std::size_t variant = 0;
    int repeat = 0;  // 1-based within its variant
    std::string id;
    std::optional<State> verdict;
    std::string reason;
    std::filesystem::path report;
    double ran_s = 0;
    double settle_ms = 0;  // the settle step after it
  };
  std::filesystem::path report_dir() const;
  void start_next();
  void on_run_event(const Event& ev);
  void on_run_finished();
  void settle_then_next();
  // The campaign's expected length: as planned (runs and settle steps), or longer once the runs
  // so far took longer. `run_elapsed_s`: the current run's time.
  double expected_duration_s(double run_elapsed_s, double elapsed_s) const;
  void finish(const std::string& error);
  void emit(Event::Body body);
  double now_s() const;

  boost::asio::io_context& io_;
  Scheduler& timers_;
  const Clock& clock_;
  RunnerOptions opt_;
  CampaignInput in_;
  EventSink sink_;
  OnFinished on_finished_;
  VariantsOptions vopt_;
  std::vector<Run> runs_;
  std::size_t next_ = 0;  // the next run to start
  std::unique_ptr<CampaignRunner> current_;
  std::vector<std::unique_ptr<CampaignRunner>> ended_;  // dropped once their handlers unwound
  std::unique_ptr<JobThread> thread_;
  State state_ = State::pending;
  std::string reason_;
  bool stopping_ = false;
  std::string stop_reason_;
  Clock::time_point start_{};
  std::int64_t started_unix_ms_ = 0, ended_unix_ms_ = 0;
  double ended_s_ = 0;
  bool report_written_ = false;
  std::optional<Comparison> comparison_;
  std::vector<WorkloadStatus> last_workloads_;  // of the last run that ended
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
