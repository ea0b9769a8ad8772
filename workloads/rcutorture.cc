#include "workloads/rcutorture.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "common/fs.h"
#include "kernel/kmsg.h"
#include "kernel/system_probe.h"
#include "workloads/spawn.h"

namespace mt::workloads {
namespace {

constexpr std::chrono::milliseconds kModprobeWait{60000};
constexpr std::chrono::milliseconds kLogPoll{50};

std::string text_of(long v) {
  return std::to_string(v);
}

// modprobe on the host's PATH ($PATH when it names none); empty when there is none.
std::string find_modprobe(const ModuleHost& host) {
  const char* env = std::getenv("PATH");
  return kernel::find_in_path("modprobe", host.path_env.empty() ? (env ? env : "") : host.path_env);
}

}  // namespace

std::vector<std::string> rcutorture_module_args(const campaign::RcutortureSpec& spec) {
  // The forward-progress test alone, as far as the module allows: one reader, no fake writers,
  // no stutter, statistics every 5 s, no shutdown of the machine at the end.
  return {"rcutorture",
          "torture_type=" + spec.torture_type,
          fmt::format("fwd_progress={}", spec.fwd_progress),
          fmt::format("fwd_progress_div={}", spec.fwd_progress_div),
          fmt::format("fwd_progress_holdoff={}",
                      std::chrono::duration_cast<std::chrono::seconds>(spec.fwd_progress_holdoff)
                          .count()),
          "stutter=0",
          "nreaders=1",
          "nfakewriters=0",
          "stat_interval=5",
          "shutdown_secs=0"};
}

std::string rcutorture_unavailable(const ModuleHost& host) {
  std::error_code ec;
  if (std::filesystem::exists(host.sys / "module/rcutorture", ec))
    return "rcutorture is already loaded or built into the kernel (/sys/module/rcutorture "
           "exists); memtorture loads and unloads it itself, for one campaign at a time";
  if (!std::filesystem::exists(host.proc / "modules", ec))
    return "this kernel cannot load modules (no /proc/modules: CONFIG_MODULES is off)";
  if (auto disabled = fs::read_line(host.proc / "sys/kernel/modules_disabled");
      disabled && *disabled == "1")
    return "module loading is disabled (/proc/sys/kernel/modules_disabled is 1)";
  if (auto cmdline = fs::read_line(host.proc / "cmdline")) {
    const std::string padded = " " + *cmdline + " ";
    if (padded.find(" nomodule ") != std::string::npos)
      return "module loading is off (nomodule on the kernel command line)";
  }
  const std::string modprobe = find_modprobe(host);
  if (modprobe.empty()) return "modprobe is not installed (the Debian package is kmod)";
  if (!host.dry_run) return {};
  auto status = run_program({.args = {modprobe, "-n", "-q", "rcutorture"}}, kModprobeWait);
  if (!status) return status.error().message;
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return "modprobe finds no rcutorture module for this kernel (it needs "
           "CONFIG_RCU_TORTURE_TEST=m, or the module built out of tree)";
  return {};
}

Result<std::string> unload_left_rcutorture(const ModuleHost& host) {
  std::error_code ec;
  if (!std::filesystem::exists(host.sys / "module/rcutorture", ec)) return std::string();
  const std::string modprobe = find_modprobe(host);
  if (modprobe.empty())
    return make_error("the rcutorture module is still loaded and modprobe is not installed");
  auto status = run_program({.args = {modprobe, "-r", "rcutorture"}}, kModprobeWait);
  if (!status)
    return make_error("the rcutorture module is still loaded: " + status.error().message);
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return make_error(
        fmt::format("the rcutorture module is still loaded: 'modprobe -r rcutorture' "
                    "failed: {}",
                    describe_wait_status(*status)));
  return std::string("the rcutorture module its killed worker had loaded was unloaded");
}

RcutortureWorkload::RcutortureWorkload(RcutortureOptions options) : options_(std::move(options)) {}

RcutortureWorkload::~RcutortureWorkload() {
  (void)cleanup();
}

Status RcutortureWorkload::prepare() {
  // From now on: the module's lines all come after this point of the log.
  auto fd = kernel::open_kmsg_at_end(options_.kmsg.c_str());
  if (!fd) return fd.error();
  kmsg_fd_ = *fd;
  std::vector<std::string> args = {options_.modprobe};
  for (auto& a : rcutorture_module_args(options_.spec)) args.push_back(std::move(a));
  auto status = run_program({.args = args}, kModprobeWait);
  if (!status) return status.error();
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return make_error(fmt::format("'{}' failed: {}", fmt::join(args, " "),
                                  describe_wait_status(*status)));
  loaded_ = true;
  return {};
}

void RcutortureWorkload::read_log() {
  std::lock_guard lock(mutex_);
  while (auto record = kernel::read_kmsg_record(kmsg_fd_)) parser_.feed(*record);
  floods_.store(parser_.result().floods.size());
}

Status RcutortureWorkload::unload() {
  auto status = run_program({.args = {options_.modprobe, "-r", "rcutorture"}}, kModprobeWait);
  if (!status) return status.error();
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return make_error(
        fmt::format("'modprobe -r rcutorture' failed: {}", describe_wait_status(*status)));
  loaded_ = false;
  return {};
}

Status RcutortureWorkload::run(int, StopFlag& stop) {
  while (!stop.sleep_for(kLogPoll)) read_log();
  if (Status st = unload(); !st) return st;
  const auto deadline = std::chrono::steady_clock::now() + options_.end_wait;
  for (;;) {
    read_log();
    {
      std::lock_guard lock(mutex_);
      if (parser_.ended()) break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return make_error(fmt::format("rcutorture printed no 'End of test' line within {} ms of "
                                    "being unloaded",
                                    options_.end_wait.count()));
    std::this_thread::sleep_for(kLogPoll);
  }
  std::lock_guard lock(mutex_);
  const RcutortureResult& r = parser_.result();
  if (!*r.success)
    return make_error(fmt::format("rcutorture: End of test: {}{}{}", r.outcome,
                                  r.failures.empty() ? "" : ": ",
                                  fmt::join(r.failures, "; ")));
  return {};
}

Counters RcutortureWorkload::counters() const {
  return Counters{.ops = floods_.load()};
}

std::vector<ResultRecord> RcutortureWorkload::results() const {
  std::lock_guard lock(mutex_);
  const RcutortureResult& r = parser_.result();
  std::vector<ResultRecord> out;
  for (const RcutortureFwdCr& f : r.floods) {
    ResultRecord rec{.section = "rcutorture_flood",
                     .fields = {{"duration_jiffies", text_of(f.duration_jiffies)},
                                {"barrier_jiffies", text_of(f.barrier_jiffies)},
                                {"pending", text_of(f.pending)},
                                {"n_launders", text_of(f.n_launders)},
                                {"n_launders_sa", text_of(f.n_launders_sa)},
                                {"n_max_gps", text_of(f.n_max_gps)},
                                {"n_max_cbs", text_of(f.n_max_cbs)},
                                {"cver", text_of(f.cver)},
                                {"gps", text_of(f.gps)}}};
    if (f.online_cpus) rec.fields.emplace_back("online_cpus", text_of(*f.online_cpus));
    out.push_back(std::move(rec));
  }
  for (const RcutortureHistogram& h : r.histograms) {
    std::vector<std::string> buckets;  // "end_ms:callbacks:gps"
    for (const auto& b : h.buckets) buckets.push_back(fmt::format("{}:{}:{}", b.end_ms, b.callbacks, b.gps));
    out.push_back({.section = "rcutorture_histogram",
                   .fields = {{"index", text_of(h.index)},
                              {"duration_jiffies", text_of(h.duration_jiffies)},
                              {"buckets", fmt::format("{}", fmt::join(buckets, ","))}}});
  }
  for (const RcutortureFwdNr& n : r.nr_tests)
    out.push_back({.section = "rcutorture_nr",
                   .fields = {{"index", text_of(n.index)},
                              {"duration_jiffies", text_of(n.duration_jiffies)},
                              {"cver", text_of(n.cver)},
                              {"gps", text_of(n.gps)}}});
  if (r.success)
    out.push_back({.section = "rcutorture_end",
                   .fields = {{"outcome", r.outcome},
                              {"torture_type", r.torture_type},
                              {"floods_started", text_of(r.floods_started)},
                              {"oom_freed_callbacks", text_of(r.oom_freed_callbacks)},
                              {"failures", text_of(static_cast<long>(r.failures.size()))},
                              {"malformed", text_of(static_cast<long>(r.malformed.size()))}}});
  return out;
}

Status RcutortureWorkload::cleanup() {
  Status st;
  if (loaded_) st = unload();  // a fatal error elsewhere: never leave the module loaded
  if (kmsg_fd_ >= 0) ::close(std::exchange(kmsg_fd_, -1));
  return st;
}

}  // namespace mt::workloads
