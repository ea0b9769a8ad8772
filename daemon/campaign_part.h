// A campaign part: one concern of a running campaign (sampling, OOM attribution, the criteria,
// the PSI trigger; next the RCU probes, the ledger, reactions, the OOM estimator), in a file of
// its own under daemon/parts/. The runner drives its parts:
//   setup()             once the campaign cgroup exists, in order;
//   measure()           for every sample, each part adds its figures (in order: sampling first);
//   on_sample()         then each part sees the whole sample;
//   on_workload_exit()  a worker ended (OOM kill, crash, exit, or stopped by us);
//   on_event()          a state change or an OOM kill, from the runner or another part;
//   teardown()          in reverse order before the cgroup goes: always, also on error and abort;
//   contribute()        when the report is written.
// A part talks to the rest only through its PartContext. A new figure is one part's metrics()
// and measure(): it reaches the sample, the watch stream, the journal, the report, the live line
// and the criteria as is.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "cgroup/cgroup.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "daemon/model.h"
#include "daemon/report.h"
#include "workloads/protocol.h"

namespace mt::daemon {

struct PartContext {
  boost::asio::io_context& io;  // for descriptors a part waits on
  Scheduler& timers;            // every timer; its clock is the campaign's
  std::function<double()> now_s;                 // seconds since the campaign started
  std::function<void(Event::Body)> emit;         // to the watch stream, the journal, the report
  std::optional<std::filesystem::path> pressure_file;  // the cgroup's memory.pressure, if any
  // The campaign cgroup, for reads (set before setup(); null in tests of parts that need none).
  const cgroup::CampaignCgroup* cgroup = nullptr;
  // Stops (true) or continues (false) the campaign's running flood workers with SIGSTOP and
  // SIGCONT, so that no new RCU callbacks are queued while a barrier measures the backlog;
  // returns the pids it signalled. When the campaign stops, the runner continues them before it
  // sends SIGTERM, whatever a part did. Null: there is nothing to freeze (tests).
  std::function<std::vector<pid_t>(bool frozen)> freeze_floods = {};
  // Sends a control command (pause, resume, rate) to a workload's worker; `done(applied, why)`
  // runs on the io thread once the worker answered, or at once when it cannot be sent. Null:
  // there are no workers to control (tests).
  using ControlDone = std::function<void(bool applied, std::string why)>;
  std::function<void(const std::string& workload, const workloads::Control& command,
                     ControlDone done)>
      control = {};
  // A running workload's operations so far (its worker's latest counters, at most 50 ms old);
  // nullopt when it is not running. Null: no workers (tests).
  std::function<std::optional<std::uint64_t>(const std::string& workload)> workload_ops = {};
};

// A worker that ended, as the runner saw it end.
struct WorkloadExit {
  std::string name;
  pid_t pid = 0;
  int wait_status = 0;        // from waitpid
  bool killed_by_us = false;  // SIGKILL after the stop grace period
  bool during_stop = false;   // it ended after the campaign began to stop
};

class CampaignPart {
 public:
  virtual ~CampaignPart() = default;
  virtual std::string_view name() const = 0;
  // The named figures it measures (MetricDef): declared here, filled in by measure().
  virtual std::vector<MetricDef> metrics() const { return {}; }
  // An error ends the campaign (verdict ERROR); this part's teardown still runs, to undo what
  // it did before the error, and so do those of the parts set up before it.
  virtual Status setup(PartContext& cx) { return {}; }
  // Adds its figures to a new sample (s.metrics[name]); every part measures before any sees it.
  // An error ends the campaign (verdict ERROR) and the sample is dropped: return one only when
  // the campaign cannot go on without the figure.
  virtual Status measure(Sample& s, PartContext& cx) { return {}; }
  virtual void on_sample(const Sample& s, PartContext& cx) {}
  virtual void on_workload_exit(const WorkloadExit& e, PartContext& cx) {}
  // A StateChange or an OomKill, whoever emitted it (one emitted from inside on_event() is not
  // passed on to the parts again).
  virtual void on_event(const Event& e, PartContext& cx) {}
  // An error (something left changed) makes the verdict ERROR, "cleanup failed".
  virtual Status teardown(PartContext& cx) { return {}; }
  virtual void contribute(ReportData& report) const {}
};

}  // namespace mt::daemon
