#include "daemon/parts/oom_part.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include "kernel/cgroup_events.h"

namespace mt::daemon {
namespace {

constexpr auto kRecheck = std::chrono::milliseconds(2);
constexpr int kRechecks = 25;  // 50 ms: an OOM kill that takes longer is seen by a sample

double monotonic_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

Status OomPart::setup(PartContext& cx) {
  if (!cx.cgroup || !opt_.listen) return {};
  namespace stdfs = std::filesystem;
  const stdfs::path& dir = cx.cgroup->memory_path();
  std::error_code ec;
  if (stdfs::exists(dir / "memory.oom_control", ec)) {
    auto efd = kernel::register_v1_event(dir, "memory.oom_control", "");
    if (efd) {
      detection_ = "oom_control eventfd";
      notify_ = std::make_unique<FdWatch>(cx.io, *efd, [this, &cx](int fd) {
        if (kernel::drain_eventfd(fd) > 0) check_counter(cx, "oom_control eventfd", kRechecks);
      });
    } else {
      detection_ = "samples (" + efd.error().message + ")";
    }
  } else if (stdfs::exists(dir / "memory.events", ec)) {
    auto ifd = kernel::watch_modify(dir / "memory.events");
    if (ifd) {
      detection_ = "memory.events";
      notify_ = std::make_unique<FdWatch>(cx.io, *ifd, [this, &cx](int fd) {
        if (kernel::drain_inotify(fd)) check_counter(cx, "memory.events", 0);
      });
    } else {
      detection_ = "samples (" + ifd.error().message + ")";
    }
  }
  if (!opt_.kmsg.empty()) {
    auto kfd = kernel::open_kmsg_at_end(opt_.kmsg.c_str());
    if (kfd) {
      kernel_times_ = opt_.kmsg;
      kmsg_ = std::make_unique<FdWatch>(cx.io, *kfd, [this, &cx](int fd) { read_kmsg(fd, cx); });
    } else {
      kernel_times_ = "unavailable: " + kfd.error().message;
    }
  }
  return {};
}

Status OomPart::teardown(PartContext& cx) {
  if (retry_ != 0) cx.timers.cancel(std::exchange(retry_, 0));
  if (kmsg_) read_kmsg(kmsg_->fd(), cx);  // lines the kernel printed before the end
  notify_.reset();
  kmsg_.reset();
  return {};
}

void OomPart::count(std::uint64_t total, const std::string& workload, const std::string& via,
                    std::uint64_t usage, PartContext& cx) {
  const double t = cx.now_s();
  for (auto i = seen_; i < total; ++i)
    records_.push_back({.t_s = t, .via = via, .usage_bytes = usage, .workload = {}});
  if (!workload.empty() && !records_.empty()) records_.back().workload = workload;
  seen_ = total;
  match_kernel_lines(cx);
  cx.emit(OomKill{total, workload});
}

void OomPart::check_counter(PartContext& cx, const std::string& via, int retries_left) {
  if (!cx.cgroup) return;
  auto memory = cx.cgroup->read_memory();
  if (memory && memory->oom_kills > seen_) {
    count(memory->oom_kills, "", via, memory->usage, cx);
    return;
  }
  if (retries_left <= 0 || retry_ != 0) return;
  retry_ = cx.timers.after(kRecheck, [this, &cx, via, retries_left] {
    retry_ = 0;
    check_counter(cx, via, retries_left - 1);
  });
}

void OomPart::on_sample(const Sample& s, PartContext& cx) {
  if (s.oom_kills > seen_) count(s.oom_kills, "", "sample", s.usage_bytes, cx);
}

std::size_t OomPart::attribute(const std::string& workload, std::optional<pid_t> pid) {
  auto take = [&](std::size_t i) {
    records_[i].workload = workload;
    return i + 1;
  };
  for (std::size_t i = 0; i < records_.size(); ++i)  // the kernel named this pid
    if (pid && records_[i].victim_pid == pid && records_[i].workload.empty()) return take(i);
  for (std::size_t i = 0; i < records_.size(); ++i)  // else the first kill of nobody known yet
    if (records_[i].workload.empty() && !records_[i].victim_pid) return take(i);
  for (std::size_t i = 0; i < records_.size(); ++i)
    if (records_[i].workload.empty()) return take(i);
  return 0;
}

void OomPart::on_workload_exit(const WorkloadExit& e, PartContext& cx) {
  if (!WIFSIGNALED(e.wait_status) || WTERMSIG(e.wait_status) != SIGKILL || e.killed_by_us ||
      !cx.cgroup)
    return;
  auto memory = cx.cgroup->read_memory();
  if (!memory || memory->oom_kills <= attributed_) return;
  ++attributed_;
  killed_.insert(e.name);
  if (attributed_ > seen_) {  // nothing has shown it yet
    count(attributed_, e.name, "worker exit", memory->usage, cx);
    return;
  }
  const std::size_t n = attribute(e.name, e.pid > 0 ? std::optional<pid_t>(e.pid) : std::nullopt);
  if (n > 0) cx.emit(LogLine{fmt::format("OOM kill #{} was workload {} (pid {})", n, e.name, e.pid)});
}

void OomPart::read_kmsg(int fd, PartContext& cx) {
  const std::string& dir = cx.cgroup ? cx.cgroup->memory_path().string() : std::string();
  while (auto record = kernel::read_kmsg_record(fd)) {
    auto line = kernel::parse_oom_kill_record(*record);
    if (!line || line->oom_memcg.size() < 2 || !dir.ends_with(line->oom_memcg)) continue;
    unmatched_lines_.push_back(std::move(*line));
  }
  match_kernel_lines(cx);
}

void OomPart::match_kernel_lines(PartContext& cx) {
  const double offset = monotonic_s() - cx.now_s();  // the campaign clock is CLOCK_MONOTONIC's
  while (!unmatched_lines_.empty() && matched_lines_ < records_.size()) {
    const kernel::OomKillLine line = std::move(unmatched_lines_.front());
    unmatched_lines_.pop_front();
    OomKillRecord& r = records_[matched_lines_++];
    r.kernel_t_s = static_cast<double>(line.usec) / 1e6 - offset;
    r.victim_pid = line.pid;
    r.victim_task = line.task;
    if (!r.workload.empty()) continue;
    std::set<std::string> owners;
    for (const auto& o : opt_.task_owners)
      if (line.task.starts_with(o.task_prefix)) owners.insert(o.workload);
    if (owners.size() != 1) continue;
    r.workload = *owners.begin();
    killed_.insert(r.workload);
    ++attributed_;
    cx.emit(LogLine{fmt::format("OOM kill #{} was a process of workload {} ({}, pid {})",
                                matched_lines_, r.workload, line.task, line.pid)});
  }
}

void OomPart::contribute(ReportData& report) const {
  for (const auto& r : records_) report.oom_kill_times_s.push_back(r.t_s);
  auto kills = nlohmann::ordered_json::array();
  for (const auto& r : records_) {
    nlohmann::ordered_json k = {{"t_s", r.t_s},
                                {"via", r.via},
                                {"usage_bytes", r.usage_bytes},
                                {"workload", r.workload}};
    k["victim_pid"] = r.victim_pid ? nlohmann::ordered_json(*r.victim_pid) : nullptr;
    k["victim_task"] = r.victim_task;
    k["kernel_t_s"] = r.kernel_t_s ? nlohmann::ordered_json(*r.kernel_t_s) : nullptr;
    k["detection_latency_ms"] =
        r.kernel_t_s ? nlohmann::ordered_json((r.t_s - *r.kernel_t_s) * 1e3) : nullptr;
    kills.push_back(std::move(k));
  }
  report.parts["oom"] = {{"detection", detection_},
                         {"kernel_times", kernel_times_},
                         {"kills", std::move(kills)}};
}

}  // namespace mt::daemon
