// One campaign's life, run on the daemon's io_context (the only thread that touches it):
// create the cgroup, set up the campaign parts (daemon/parts/: sampling, OOM attribution,
// criteria, the PSI trigger, and any extra), start workers inside the cgroup, take a sample on
// every tick (each part measures, then each sees it), stop the workers, tear the parts down in
// reverse order, remove the cgroup, decide the verdict, write the report. Teardown always runs,
// also on error and abort. Every timer comes from the injected Scheduler and every side effect
// goes through an injected seam (cgroup::CgroupOps, WorkerOps), so a unit test runs a whole
// campaign on a fake clock with fake workers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "campaign/parse.h"
#include "campaign/spec.h"
#include "cgroup/cgroup.h"
#include "cgroup/ops.h"
#include "common/clock.h"
#include "common/scheduler.h"
#include "daemon/campaign_part.h"
#include "daemon/journal.h"
#include "daemon/model.h"
#include "daemon/oom_proximity.h"
#include "daemon/parts/criteria_part.h"
#include "rcu/gp_latency.h"
#include "rcu/ledger.h"
#include "daemon/parts/oom_part.h"
#include "daemon/report.h"
#include "daemon/worker_process.h"
#include "workloads/protocol.h"

namespace mt::daemon {

struct RunnerOptions {
  std::filesystem::path state_dir;
  // Where each campaign's report directory goes; empty: <state_dir>/reports (a variant's runs
  // go under their campaign's report directory).
  std::filesystem::path reports_dir;
  std::filesystem::path worker_path;
  cgroup::Layout layout;
  std::string cgroup_prefix = "memtorture";
  std::filesystem::path system_pressure = "/proc/pressure/memory";
  HostInfo host;
  std::chrono::milliseconds stop_grace{3000};  // SIGTERM, then SIGKILL after this
  // The grace of a workload that undoes a kernel change as it stops: rcutorture unloads its
  // module and waits for the module's end line (2-3 s in a qemu guest; its end_wait is 30 s).
  std::chrono::milliseconds unload_grace{35000};
  // The cgroup layer's side effects; null: the kernel's (tests wrap it, e.g. a slow rmdir).
  std::shared_ptr<cgroup::CgroupOps> cgroup_ops;
  // What is done to worker processes; null: the kernel's (tests: fake workers on pipes).
  std::shared_ptr<WorkerOps> worker_ops;
  std::filesystem::path sys_root = "/sys";  // RCU knobs are read (and written) under it
  // Times one grace period; null: membarrier (tests: a fake that does not wait).
  rcu::GpProber::Measure gp_measure;
  std::filesystem::path proc_root = "/proc";  // the RCU ledger reads kallsyms under it
  // The kernel log, for the kernel's own time and victim of each OOM kill; empty: not read.
  std::string kmsg = "/dev/kmsg";
  // Opens the RCU ledger; null: rcu::Ledger::open (unit tests: one that fails or is fake).
  std::function<Result<std::unique_ptr<rcu::Ledger>>(const rcu::LedgerOptions&)> ledger_open;
  // Why the RCU ledger cannot run on this host (found at start-up); non-empty: no campaign tries
  // to load it (a BPF verifier pass inside the measurement, for nothing).
  std::string ledger_unavailable;
  // The reactions' barrier without the ledger, and their memory.reclaim write; null: the kernel's
  // (tests: fakes).
  std::function<Result<std::chrono::nanoseconds>()> rcu_barrier;
  std::function<Status(const std::filesystem::path& cgroup_dir, std::uint64_t bytes)>
      memory_reclaim;
  // More parts, after the built-in ones (tests; a probe being tried out).
  std::function<std::vector<std::unique_ptr<CampaignPart>>()> extra_parts;
};

// The barrier a reaction or the settle step between variants runs: options.rcu_barrier, else
// do_rcu_barrier under options.sys_root.
std::function<Result<std::chrono::nanoseconds>()> rcu_barrier_call(const RunnerOptions& options);

struct CampaignInput {
  std::string id;
  std::string file_name;
  std::string normalized_yaml;
  campaign::CampaignSpec spec;
  std::vector<campaign::Diagnostic> warnings;  // from compile(): told to whoever started it
};

// A report's opening: what ran, when, with what verdict, on which host.
ReportData report_opening(const CampaignInput& in, const HostInfo& host,
                          std::int64_t started_unix_ms, std::int64_t ended_unix_ms,
                          double planned_s, double actual_s, State verdict,
                          const std::string& reason);

// How a control command to a workload ended.
// The OOM proximity part's latest looks (daemon/parts/oom_proximity_part.h), for GetOomProximity.
struct OomLook {
  std::string cgroup_dir;
  std::optional<OomProximityView> cgroup, system;
};

struct ControlOutcome {
  enum class Code { applied, no_such_workload, not_running, refused };
  Code code = Code::applied;
  std::string message;    // why, when not applied
  WorkloadStatus status;  // the workload after it (applied)
};

// What the engine runs: one campaign (CampaignRunner) or its variants one after the other
// (VariantsRunner, daemon/variants_runner.h).
class CampaignRun {
 public:
  using EventSink = std::function<void(const Event&)>;
  using OnFinished = std::function<void()>;
  using ControlDone = std::function<void(ControlOutcome)>;
  virtual ~CampaignRun() = default;
  virtual void start() = 0;
  // Aborts a running campaign (verdict ABORTED, report written). No-op once stopping.
  virtual void stop(const std::string& reason) = 0;
  virtual void control(const std::string& name, const workloads::Control& command,
                       ControlDone done) = 0;
  virtual State state() const = 0;
  virtual CampaignView view() const = 0;
  // nullopt when no sample has been looked at yet (or between two runs of variants).
  virtual std::optional<OomLook> oom_look() const = 0;
};

class CampaignRunner final : public CampaignRun {
 public:

  // Descriptors (worker pipes, pidfds) wait on `io`; every timer comes from `timers`, whose
  // clock is the campaign's.
  CampaignRunner(boost::asio::io_context& io, Scheduler& timers, RunnerOptions options,
                 CampaignInput input, EventSink sink, OnFinished on_finished);
  ~CampaignRunner();
  CampaignRunner(const CampaignRunner&) = delete;
  CampaignRunner& operator=(const CampaignRunner&) = delete;

  void start() override;
  void stop(const std::string& reason) override;
  // Sends `command` to workload `name`'s worker; `done` runs when the worker has applied or
  // refused it, or at once when there is no such workload or it does not run (any more).
  void control(const std::string& name, const workloads::Control& command,
               ControlDone done) override;

  const std::string& id() const { return in_.id; }
  State state() const override { return state_; }
  CampaignView view() const override;
  std::optional<OomLook> oom_look() const override;
  std::filesystem::path report_dir() const;

 private:
  struct Worker {
    campaign::WorkloadSpec spec;
    WorkloadStatus status;
    Scheduler::Id start_task = 0;  // its delayed start (start_after)
    std::unique_ptr<boost::asio::posix::stream_descriptor> report;
    std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd;
    boost::asio::streambuf buffer;
    bool reaped = true;  // no live process
    bool report_closed = true;
    bool sigkilled_by_us = false;  // after the stop grace period: not an OOM kill
    bool ended_early = false;      // ended before the campaign began to stop
    bool oom_killed = false;
    int control_fd = -1;  // write end of the worker's control pipe
    bool frozen = false;  // SIGSTOPped by freeze_floods()
    std::deque<std::pair<workloads::Control, ControlDone>> pending;  // sent, not yet answered
    double started_s = 0, ended_s = 0;
    std::deque<std::pair<double, std::uint64_t>> history;  // (t, ops), the last second
  };

  double now_s() const;
  void emit(Event::Body body);
  void set_state(State s, const std::string& reason);
  void fail(const std::string& reason);  // error: stop everything, verdict ERROR
  // How long a worker has between SIGTERM and SIGKILL as the campaign stops.
  std::chrono::milliseconds stop_grace(const Worker& w) const;
  // SIGKILL to every worker whose grace is over; again later for those with a longer one.
  void kill_overdue();
  void tell_parts(const Event& ev);       // on_event() of every part
  // SIGSTOP (true) or SIGCONT (false) to the running flood workers; the pids signalled.
  std::vector<pid_t> freeze_floods(bool frozen);

  // The worker's command line: its workload as normalized YAML, its directory, its time bound.
  std::vector<std::string> worker_args(const Worker& w) const;
  // Where a workload that needs_dir() works (made before it starts, removed with the run).
  std::filesystem::path work_dir(const Worker& w) const;
  void launch(Worker& w);
  void read_reports(Worker& w);
  void on_line(Worker& w, std::string_view line);
  void wait_exit(Worker& w);
  void on_exit(Worker& w, int status);
  void answer_control(Worker& w, bool applied, const std::string& text);

  void schedule_sample(std::uint64_t n);  // the n-th sample after the first
  void take_sample();
  void set_up_parts();
  std::vector<MetricDef> metric_defs() const;  // every part's, in part order
  std::string tear_down_parts();  // the parts set up, in reverse; their errors, joined

  // Stopping: SIGTERM workers, SIGKILL after the grace period, complete() once all are gone.
  void begin_stop(State verdict_hint, const std::string& reason);
  void maybe_complete();
  void complete();                           // the last sample; cgroup removal off the io thread
  void finish(std::string cleanup_error);    // then: verdict, report, on_finished
  ReportData report_data() const;

  boost::asio::io_context& io_;
  Scheduler& timers_;
  const Clock& clock_;
  RunnerOptions opt_;
  CampaignInput in_;
  EventSink sink_;
  OnFinished on_finished_;

  State state_ = State::pending;
  std::string reason_;
  bool stopping_ = false;
  std::optional<State> forced_verdict_;  // aborted / error; otherwise from the criteria
  Clock::time_point start_{};
  std::int64_t started_unix_ms_ = 0, ended_unix_ms_ = 0;
  double ended_s_ = 0;

  std::unique_ptr<cgroup::CampaignCgroup> cgroup_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Scheduler::Id sample_task_ = 0, duration_task_ = 0, kill_task_ = 0;  // 0: none pending
  Clock::time_point stop_started_{};  // SIGTERM to the workers
  std::shared_ptr<WorkerOps> procs_;
  PartContext cx_;                                   // what the parts see of the campaign
  std::vector<std::unique_ptr<CampaignPart>> parts_;  // set up in order, torn down in reverse
  std::size_t parts_set_up_ = 0;                      // the first this many (teardown pending)
  std::string teardown_error_;
  CriteriaPart* criteria_ = nullptr;                  // parts the verdict asks
  OomPart* oom_ = nullptr;
  bool telling_parts_ = false;  // inside tell_parts(): what a part emits there is not passed on
  std::vector<Sample> samples_;
  std::vector<CriterionResult> final_criteria_;
  std::optional<Journal> journal_;  // samples and events on disk as they come (crash recovery)
  bool report_written_ = false;
  bool completing_ = false;
  std::thread remover_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mt::daemon
