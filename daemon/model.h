// Domain types of a running or finished campaign, shared by the engine, the report writer and
// the gRPC edge (which converts them to protobuf in convert.cc; nothing here includes *.pb.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mt::daemon {

enum class State { pending, running, passed, failed, aborted, error };
std::string_view to_string(State s);  // "pending", ..., the report's verdict spelling
bool is_final(State s);

struct PsiFigures {
  double some_avg10 = 0;
  double full_avg10 = 0;
  std::uint64_t some_stall_delta_us = 0;
  std::uint64_t full_stall_delta_us = 0;
};

struct Sample {
  double t_s = 0;
  std::uint64_t usage_bytes = 0;
  std::uint64_t limit_bytes = 0;
  std::int64_t headroom_bytes = 0;
  std::uint64_t kernel_bytes = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t failcnt = 0;  // times the limit was hit, cumulative
  // The kernel's high-water mark of usage (v1 max_usage_in_bytes, v2 memory.peak); 0 where
  // the kernel keeps none. Usage between two samples can reach the limit unseen: this cannot.
  std::uint64_t peak_bytes = 0;
  std::optional<PsiFigures> cgroup_psi;
  std::optional<PsiFigures> system_psi;
  // Figures measured by campaign parts, by their declared name (MetricDef): they reach the
  // watch stream, the journal and the report with no code of their own.
  std::map<std::string, double> metrics;
};

// A named figure a campaign part measures: declared once, by the part that measures it.
struct MetricDef {
  std::string name;  // "rcu.pending_bytes": lower case, dots between words
  std::string unit;  // "bytes", "%", "1/s", "" for a count
  std::string help;  // one line for people
  // Its words in memtorturectl's live line ("rcu waiting 6.8Mi"); empty: shown by its name.
  std::string label = {};
  // Absent from a sample when there is nothing to say (oom.eta_s while memory is not growing),
  // not because it was not measured: a criterion on it passes when no sample carried it.
  bool absent_is_fine = false;
};

// The lowest headroom this sample vouches for: limit - usage, or limit - the kernel's peak
// when that is known and lower.
std::int64_t lowest_headroom(const Sample& s);

// A result a workload reported once (workloads/protocol.h "R"): one stress-ng stressor's metrics.
struct WorkloadResult {
  std::string section;  // "stress_ng"
  std::vector<std::pair<std::string, std::string>> fields;
};

struct WorkloadStatus {
  std::string name;
  std::string type;
  std::string kind;
  std::string state = "waiting";  // waiting | running | exited | killed | failed
  int pid = 0;
  int threads = 0;
  std::uint64_t ops = 0;
  double ops_per_s = 0;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
  std::string exit_status;
  bool paused = false;  // a pause from the daemon is in force
  double rate = 0;      // the ops/s per thread in force (floods; 0: unlimited)
  std::vector<WorkloadResult> results;  // in the order reported; the report groups them
};

struct CriterionResult {
  std::string name;
  double limit = 0;
  double value = 0;
  bool pass = true;
  std::string detail;
};

struct CampaignView {
  std::string id;
  std::string name;
  State state = State::pending;
  double elapsed_s = 0;
  double duration_s = 0;
  std::string reason;
  std::optional<Sample> latest;
  std::uint64_t peak_bytes = 0;  // highest usage seen (kernel high-water mark or samples)
  std::optional<std::int64_t> min_headroom_bytes;  // lowest limit - peak usage (kernel or samples)
  std::uint64_t max_kernel_bytes = 0;
  std::uint64_t failcnt = 0;
  std::vector<MetricDef> metrics;  // what the parts measure (names in Sample::metrics)
  std::vector<WorkloadStatus> workloads;
  std::vector<CriterionResult> criteria;
  std::string file_name;
  std::int64_t started_unix_ms = 0;
  std::string report_path;  // set once the report has been written
};

struct StateChange {
  State state;
  std::string reason;
};
struct OomKill {
  std::uint64_t total = 0;
  std::string workload;
};
struct PsiTriggerEvent {
  std::string kind;
  std::uint64_t stall_us = 0;
  std::uint64_t window_us = 0;
};
struct LogLine {
  std::string text;
};
using WorkloadsUpdate = std::vector<WorkloadStatus>;

struct Event {
  using Body = std::variant<CampaignView, Sample, WorkloadsUpdate, StateChange, OomKill,
                            CriterionResult, PsiTriggerEvent, LogLine>;
  double t_s = 0;
  Body body;
};

}  // namespace mt::daemon
