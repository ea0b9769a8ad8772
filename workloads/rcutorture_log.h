// What the in-kernel rcutorture module says about its callback-flood forward-progress test, read
// from the kernel log so memtorture can put rcutorture's own figures in its report. Pure: it is
// fed log lines and does no I/O. One parser per rcutorture run (modprobe .. rmmod).
//
// The lines it reads, as the kernel prints them (kernel/rcu/rcutorture.c unless said otherwise;
// quoted from a recent linux-next tree, older shapes noted):
//
//   rcu_torture_fwd_prog_cr(), per flood: as it starts, and as it ends (after
//   WARN_ON(n_max_gps < MIN_FWD_CBS_LAUNDERED)):
//     pr_alert("%s: Starting forward-progress test %d\n", __func__, rfp->rcu_fwd_id);
//     pr_alert("%s Duration %lu barrier: %lu pending %ld n_launders: %ld n_launders_sa: %ld "
//              "n_max_gps: %ld n_max_cbs: %ld cver %ld gps %ld #online %u\n", __func__, ...);
//     (" #online %u" came with "rcutorture: Dump # online CPUs on insufficient cb-flood
//     laundering", posted in May 2024, the v6.10 cycle; older kernels end at "gps %ld".)
//   rcu_torture_fwd_cb_hist(), right after that line (and from the OOM notifier):
//     pr_alert("%s: Callback-invocation histogram %d (duration %lu jiffies):",
//              __func__, rfp->rcu_fwd_id, jiffies - rfp->rcu_fwd_startat);
//     for (j = 0; j <= i; j++)
//             pr_cont(" %ds/%d: %ld:%ld", j + 1, FWD_CBS_HIST_DIV, n_launders, gps since j-1);
//     pr_cont("\n");
//     (Kernels with a single forward-progress kthread print no "%d" after "histogram".) The
//     pr_cont() pieces land in the header's record unless another printk() came in between;
//     then they come as records (dmesg lines) of their own: " 2s/10: 4135:9 3s/10: 977:2".
//   rcu_torture_fwd_prog_nr(), the cond_resched() test, after WARN_ON(!cver && gps < 2):
//     pr_alert("%s: %d Duration %ld cver %ld gps %ld\n", __func__, rfp->rcu_fwd_id, ...);
//     (older: "%s: Duration %ld cver %ld gps %ld\n")
//   rcutorture_oom_notify(), when the flood ran the system out of memory:
//     WARN(1, "%s invoked upon OOM during forward-progress testing.\n", __func__);
//     pr_info("%s: Freed %lu RCU callbacks.\n", __func__, ncbs);
//   rcu_torture_cleanup() -> rcu_torture_print_module_parms(cur_ops, "End of test: SUCCESS")
//   (or "End of test: FAILURE", or "End of test: RCU_HOTPLUG" when CPU hotplug failed):
//     pr_alert("%s" TORTURE_FLAG "--- %s: nreaders=%d nfakewriters=%d ...", torture_type, tag,
//              ...);
//     with TORTURE_FLAG "-torture:" (include/linux/torture.h), so the line reads
//     "rcu-torture:--- End of test: SUCCESS: nreaders=3 nfakewriters=4 stat_interval=60 ...".
//   kernel/panic.c __warn(), for any of rcutorture's WARN_ON()s:
//     pr_warn("WARNING: CPU: %d PID: %d at %s:%d %pS\n", ...)   (newer kernels:
//     "WARNING: %s:%d at %pS, CPU#%d: %s/%d\n"); one that names kernel/rcu/rcutorture.c is
//     rcutorture's own check firing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::workloads {

// rcutorture.c's MIN_FWD_CBS_LAUNDERED: a flood passes once this many callbacks have each been
// invoked MIN_FWD_CB_LAUNDERS (3) times; with fewer, its WARN_ON() fires.
inline constexpr long kRcutortureMinFwdCbsLaundered = 100;

// One flood: the "rcu_torture_fwd_prog_cr Duration ..." line.
struct RcutortureFwdCr {
  long duration_jiffies = 0;        // how long the flood posted callbacks (at most 8 s worth)
  long barrier_jiffies = 0;         // how long the rcu_barrier() after it took
  long pending = 0;                 // callbacks posted but not yet invoked when the flood stopped
  long n_launders = 0;              // invoked callbacks posted again
  long n_launders_sa = 0;           // of those, since the last newly allocated one
  long n_max_gps = 0;               // callbacks invoked 3 times; the flood stops at 100
  long n_max_cbs = 0;               // callbacks newly allocated (kmalloc) during the flood
  long cver = 0;                    // updates rcutorture's writer made meanwhile
  long gps = 0;                     // grace periods that ended meanwhile
  std::optional<long> online_cpus;  // "#online", v6.10 on
  bool operator==(const RcutortureFwdCr&) const = default;
};

// rcu_torture_fwd_cb_hist(): callbacks invoked per tenth of a second of a flood.
struct RcutortureHistogram {
  struct Bucket {
    int end_ms = 0;      // the bucket ends this long after the flood began ("3s/10": 300)
    long callbacks = 0;  // callbacks invoked in it
    long gps = 0;        // grace periods that ended in it (as the kernel prints it; may be < 0)
    bool operator==(const Bucket&) const = default;
  };
  int index = 0;  // the forward-progress kthread (rcu_fwd_id); 0 when the kernel prints none
  long duration_jiffies = 0;
  std::vector<Bucket> buckets;
  bool operator==(const RcutortureHistogram&) const = default;
};

// One cond_resched() test: the "rcu_torture_fwd_prog_nr: ... Duration ..." line.
struct RcutortureFwdNr {
  int index = 0;  // the forward-progress kthread; 0 when the kernel prints none
  long duration_jiffies = 0;
  long cver = 0;
  long gps = 0;
  bool operator==(const RcutortureFwdNr&) const = default;
};

struct RcutortureResult {
  int floods_started = 0;  // "rcu_torture_fwd_prog_cr: Starting ..." lines; 0 on older kernels
  std::vector<RcutortureFwdCr> floods;
  std::vector<RcutortureHistogram> histograms;
  std::vector<RcutortureFwdNr> nr_tests;
  long oom_freed_callbacks = 0;        // summed over rcutorture_oom_notify's "Freed" lines
  std::optional<bool> success;         // from "End of test": true for SUCCESS only; unset before it
  std::string outcome;                 // "SUCCESS", "FAILURE", "RCU_HOTPLUG"
  std::string torture_type;            // "rcu", "srcu", "tasks", ...
  std::string end_line;                // the whole "End of test" message
  std::vector<std::string> failures;   // why it failed, where the log says so
  std::vector<std::string> malformed;  // rcutorture lines that could not be read, with why
  bool operator==(const RcutortureResult&) const = default;
};

// The message of one /dev/kmsg record ("6,1234,5678901,-;text", with any " KEY=value" lines
// after it dropped) or one dmesg line ("[  12.345678] text", "[  12.345678][  T38] text",
// "<4>[  12.345678] text"), trimmed; a line with neither prefix is taken as the message.
std::string_view kernel_log_message(std::string_view line);

class RcutortureLogParser {
 public:
  // One kmsg record or dmesg line. Lines that are not rcutorture's are ignored.
  void feed(std::string_view line);
  const RcutortureResult& result() const { return result_; }
  // The "End of test" line has been read.
  bool ended() const { return result_.success.has_value(); }

 private:
  void on_flood(std::string_view message);
  void on_histogram(std::string_view message);
  void on_buckets(std::string_view entries, std::string_view message);
  void on_nr(std::string_view body, std::string_view message);
  void on_end(std::string_view type, std::string_view rest, std::string_view message);
  void on_warning(std::string_view message);

  RcutortureResult result_;
  // The last histogram may still get entries on lines of their own (see the header comment),
  // until the next histogram or the end of the test. Other lines of rcutorture's do not close
  // it: with fwd_progress > 1, another kthread's flood line can come between a histogram's
  // pieces (rcu_fwd_mutex serializes the histograms only), and entries are numbered, so one out
  // of turn is caught.
  bool histogram_open_ = false;
};

}  // namespace mt::workloads
