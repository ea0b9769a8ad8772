// The rcutorture workload: the kernel's own rcutorture module, loaded (modprobe) with its
// callback-flood forward-progress test on, followed in the kernel log (/dev/kmsg, from the moment
// of loading) while the campaign runs, and unloaded (modprobe -r) when the worker stops, which
// makes it print "End of test". Its figures (rcutorture_log.h) are reported as results: each
// flood, each histogram, each cond_resched() test and the end. "End of test: FAILURE", or no end
// line within end_wait of unloading, is a fatal error.
// The module's kthreads are the kernel's, outside the campaign's cgroup: what their callbacks
// hold is not charged to it (the ledger's system-wide figures see it).
//   ops: floods that ended (their "Duration" line)
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "campaign/spec.h"
#include "workloads/rcutorture_log.h"
#include "workloads/workload.h"

namespace mt::workloads {

struct RcutortureOptions {
  campaign::RcutortureSpec spec;
  std::string modprobe = "modprobe";  // looked up on PATH when it has no '/'
  std::string kmsg = "/dev/kmsg";
  std::chrono::milliseconds end_wait{30000};  // after modprobe -r, for "End of test"
};

// modprobe's arguments for `spec`: "rcutorture", then the module parameters.
std::vector<std::string> rcutorture_module_args(const campaign::RcutortureSpec& spec);

// Where to look for module support; injected for tests.
struct ModuleHost {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::string path_env;  // $PATH for modprobe; empty: getenv("PATH")
  bool dry_run = true;   // also ask `modprobe -n -q rcutorture` (false in tests)
};
// Why the rcutorture module cannot be loaded on this host, or empty when it can.
std::string rcutorture_unavailable(const ModuleHost& host = {});

// For the daemon, after an rcutorture worker was killed (it could not unload the module, and a
// campaign only starts one where the module was not loaded: the module is that campaign's):
// `modprobe -r rcutorture` when /sys/module/rcutorture exists. What it did, for the log ("" when
// the module was not loaded); an error when it is still loaded.
Result<std::string> unload_left_rcutorture(const ModuleHost& host = {});

class RcutortureWorkload final : public Workload {
 public:
  explicit RcutortureWorkload(RcutortureOptions options);
  ~RcutortureWorkload() override;

  std::string name() const override { return "rcutorture"; }
  int thread_count() const override { return 1; }
  Status prepare() override;
  Status run(int index, StopFlag& stop) override;
  Counters counters() const override;
  std::vector<ResultRecord> results() const override;
  Status cleanup() override;

 private:
  void read_log();  // every kernel log record there is now, into the parser
  Status unload();

  RcutortureOptions options_;
  int kmsg_fd_ = -1;
  bool loaded_ = false;
  mutable std::mutex mutex_;  // guards parser_
  RcutortureLogParser parser_;
  std::atomic<std::uint64_t> floods_{0};
};

}  // namespace mt::workloads
