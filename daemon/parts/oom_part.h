// OOM kills in the campaign cgroup, detected as they happen and attributed to the workers they
// killed.
//  - Detection: v1 an eventfd on memory.oom_control (cgroup.event_control), which the kernel
//    signals when the cgroup enters OOM, before the victim is killed: the kill counter is read
//    then, and again every 2 ms for up to 50 ms until it moves; v2 inotify on memory.events. Every
//    sample's counter is the fallback (and the only way on a host without either).
//  - The kernel's own time and the victim: the "oom-kill:" line in /dev/kmsg names the cgroup
//    whose limit was hit, the victim's pid and command; its time stamp (CLOCK_MONOTONIC, the
//    campaign clock's) gives the detection latency. Where /dev/kmsg cannot be read, the report
//    says why and the kills carry no kernel time.
//  - Attribution: a worker that died of a SIGKILL the runner did not send, while the counter is
//    ahead of the kills already attributed, is one of them (two workers killed in one burst are
//    reaped one after the other, and each finds the counter ahead); a kernel line naming the
//    worker's pid settles it. An attribution that comes before any detection is the kill's first
//    word: it is emitted then, with the workload's name. A victim that is a worker's child
//    (stress-ng's stressors) is named by its command in the kernel's line (task_owners).
// The verdict asks this part which workloads were OOM-killed and how many kills there were.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/campaign_part.h"
#include "daemon/fd_watch.h"
#include "kernel/kmsg.h"

namespace mt::daemon {

struct OomKillRecord {
  double t_s = 0;     // detected, campaign seconds
  std::string via;    // "oom_control eventfd", "memory.events", "sample", "worker exit"
  std::uint64_t usage_bytes = 0;  // the cgroup's usage when it was detected
  std::string workload;           // attributed (empty until it is)
  std::optional<pid_t> victim_pid;
  std::string victim_task;
  std::optional<double> kernel_t_s;  // the kernel's "oom-kill:" line, campaign seconds
};

struct OomPartOptions {
  std::string kmsg = "/dev/kmsg";  // empty: no kernel times
  bool listen = true;              // false: the samples' counter only (tests of the fallback)
  // Workloads whose killable processes are not the worker itself (stress-ng's stressors): a
  // kernel line whose victim's command starts with `task_prefix` is that workload's kill, when
  // exactly one workload claims the prefix.
  struct TaskOwner {
    std::string task_prefix;  // "stress-ng"
    std::string workload;
  };
  std::vector<TaskOwner> task_owners = {};
};

class OomPart final : public CampaignPart {
 public:
  OomPart() : OomPart(OomPartOptions{}) {}
  explicit OomPart(OomPartOptions options) : opt_(std::move(options)) {}
  std::string_view name() const override { return "oom"; }
  Status setup(PartContext& cx) override;
  void on_sample(const Sample& s, PartContext& cx) override;
  void on_workload_exit(const WorkloadExit& e, PartContext& cx) override;
  Status teardown(PartContext& cx) override;
  void contribute(ReportData& report) const override;

  std::uint64_t kills() const { return seen_; }
  bool oom_killed(const std::string& workload) const { return killed_.contains(workload); }
  const std::vector<OomKillRecord>& records() const { return records_; }
  // How kills are detected here ("oom_control eventfd", ...), and why not faster where not.
  const std::string& detection() const { return detection_; }

 private:
  void count(std::uint64_t total, const std::string& workload, const std::string& via,
             std::uint64_t usage, PartContext& cx);
  // Reads the cgroup's counter after a notification; on v1 the OOM may not have killed yet.
  void check_counter(PartContext& cx, const std::string& via, int retries_left);
  void read_kmsg(int fd, PartContext& cx);
  void match_kernel_lines(PartContext& cx);
  // Names the kill record of a worker that died of it; returns its number (1-based), 0: none.
  std::size_t attribute(const std::string& workload, std::optional<pid_t> pid);

  OomPartOptions opt_;
  std::uint64_t seen_ = 0;        // kills said so far (emitted as OomKill)
  std::uint64_t attributed_ = 0;  // kills matched to a worker
  std::vector<OomKillRecord> records_;
  std::set<std::string> killed_;
  std::string detection_ = "samples";
  std::string kernel_times_ = "off";
  std::unique_ptr<FdWatch> notify_, kmsg_;
  std::deque<kernel::OomKillLine> unmatched_lines_;
  std::size_t matched_lines_ = 0;  // records_[0, matched_lines_) have had their kernel line
  Scheduler::Id retry_ = 0;        // a pending re-read of the counter (0: none)
};

}  // namespace mt::daemon
