#include "workloads/stress_ng.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "common/fs.h"
#include "common/units.h"
#include "workloads/spawn.h"

namespace mt::workloads {
namespace {

// A figure as the result line carries it: whole numbers without a fraction.
std::string figure_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.6g}", v);
}

}  // namespace

StressNgWorkload::StressNgWorkload(StressNgOptions options)
    : options_(std::move(options)), stressors_(stress_ng::requested_stressors(options_.options)) {}

StressNgWorkload::~StressNgWorkload() {
  (void)cleanup();
}

Status StressNgWorkload::prepare() {
  if (stressors_.empty()) return make_error("no stressor to run");
  return fs::write_file(job_file(), stress_ng::job_file_text(options_.options), /*create=*/true);
}

Status StressNgWorkload::spawn() {
  auto pid = spawn_program(
      {.args = {options_.executable, "--job", job_file().string(), "--metrics", "--yaml",
                yaml_file().string(), "--temp-path", options_.dir.string(), "--oomable",
                "--timeout", "0"},
       // its own process group, so that pause reaches its stressors
       .own_process_group = true});
  if (!pid) return pid.error();
  pid_.store(*pid);
  group_ = *pid;
  return {};
}

std::optional<int> StressNgWorkload::reap(std::chrono::milliseconds wait) {
  if (pid_.load() <= 0) return 0;
  auto status = wait_for_exit(pid_.load(), wait);
  if (status) pid_.store(0);
  return status;
}

Status StressNgWorkload::run(int, StopFlag& stop) {
  if (Status st = spawn(); !st) return st;
  std::optional<int> status;
  while (!(status = reap(std::chrono::milliseconds::zero()))) {
    if (stop.sleep_for(kStressNgPoll)) {
      const pid_t pid = pid_.load();
      ::kill(pid, SIGTERM);  // stress-ng ends its stressors and writes its YAML
      if (paused_.load()) ::killpg(pid, SIGCONT);
      status = reap(options_.stop_wait);
      if (!status) {
        ::killpg(pid, SIGKILL);
        status = reap(std::chrono::seconds(5));
        return make_error(fmt::format("stress-ng did not end within {} of SIGTERM and was "
                                      "killed; it wrote no metrics",
                                      duration_to_string(options_.stop_wait)));
      }
      break;
    }
  }
  if (Status st = collect(*status); !st) return st;
  // Ended on its own (every stressor reached its -ops bound): the campaign still runs.
  while (!stop.sleep_for(std::chrono::milliseconds(200))) {
  }
  return {};
}

Status StressNgWorkload::collect(int status) {
  auto text = fs::read_file(yaml_file());
  if (!text)
    return make_error(fmt::format(
        "stress-ng ended ({}) without writing its YAML metrics{}", describe_wait_status(status),
        WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
            ? " (SIGKILL: an OOM kill of its main process, if the campaign's OOM record shows one)"
            : ""));
  auto metrics = stress_ng::parse_metrics(*text);
  if (!metrics) return metrics.error();
  std::uint64_t ops = 0;
  for (const auto& m : *metrics)
    if (auto bogo = m.figure("bogo-ops")) ops += static_cast<std::uint64_t>(*bogo);
  ops_.store(ops);
  const auto missing = stress_ng::missing_stressors(stressors_, *metrics);
  {
    std::lock_guard lock(mutex_);
    metrics_ = std::move(*metrics);
  }
  if (!missing.empty())
    return make_error(fmt::format(
        "stress-ng ({}) reported no metrics for {}: not supported here, refused by stress-ng, or "
        "every instance was OOM-killed (see the worker's log)",
        describe_wait_status(status), fmt::join(missing, ", ")));
  return {};
}

Counters StressNgWorkload::counters() const {
  return Counters{.ops = ops_.load(), .paused = paused_.load()};
}

Status StressNgWorkload::set_paused(bool paused) {
  const pid_t pid = pid_.load();
  if (pid <= 0) return make_error("stress-ng is not running");
  if (::killpg(pid, paused ? SIGSTOP : SIGCONT) != 0)
    return make_error(fmt::format("cannot signal stress-ng's process group {}: {}", pid,
                                  fs::errno_text(errno)));
  paused_.store(paused);
  return {};
}

std::vector<ResultRecord> StressNgWorkload::results() const {
  std::lock_guard lock(mutex_);
  std::vector<ResultRecord> out;
  for (const auto& m : metrics_) {
    ResultRecord r{.section = "stress_ng", .fields = {{"stressor", m.stressor}}};
    for (const auto& [key, value] : m.figures) r.fields.emplace_back(key, figure_text(value));
    out.push_back(std::move(r));
  }
  return out;
}

Status StressNgWorkload::cleanup() {
  // A fatal error elsewhere left it running, or its main process died (SIGKILL) and left its
  // stressors behind: the whole group goes.
  if (group_ > 0) ::killpg(group_, SIGKILL);
  if (pid_.load() > 0) (void)reap(std::chrono::seconds(5));
  return {};
}

}  // namespace mt::workloads
