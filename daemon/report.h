// report.json: what a finished campaign leaves behind (field names documented in README.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/model.h"

namespace mt::daemon {

// 2: samples carry failcnt, peak_bytes and the parts' named metrics; a top-level "metrics"
// declares them; workloads carry paused and rate. Version 1 reports still load (missing fields
// take their defaults).
inline constexpr int kReportVersion = 2;
// Next to report.json: the normalized campaign, written when the campaign starts.
inline constexpr const char* kCampaignFile = "campaign.yaml";

struct HostInfo {
  std::string kernel_release;
  std::string cgroup_mode;
  std::string memory_controller;
  unsigned cpus = 0;
  std::uint64_t memory_total_bytes = 0;
};

struct ReportData {
  std::string id, name, description, file_name, normalized_yaml;
  std::int64_t started_unix_ms = 0, ended_unix_ms = 0;
  double duration_planned_s = 0, duration_actual_s = 0;
  State verdict = State::error;
  std::string reason;
  HostInfo host;
  std::string cgroup_path, psi_cgroup_path;
  std::uint64_t memory_limit_bytes = 0;
  std::uint64_t kernel_peak_bytes = 0;  // the kernel's own high-water mark (0 if unknown)
  std::uint64_t failcnt = 0;
  std::vector<WorkloadStatus> workloads;  // ops_per_s is the run's average
  std::vector<Sample> samples;
  std::vector<CriterionResult> criteria;
  struct Trigger {
    bool armed = false;
    std::string spec;
    std::string error;
    std::vector<double> events_s;
    // Where the window came from: the campaign, or the host's default (sub-second with
    // CAP_SYS_RESOURCE, else 2 s).
    std::string window_source;
  } psi_trigger;
  std::vector<double> oom_kill_times_s;
  std::vector<MetricDef> metrics;  // declared by the parts: the names in samples[].metrics
  // What each part adds under its own name (report "parts": {"gp_probe": {...}, ...}).
  nlohmann::ordered_json parts = nlohmann::ordered_json::object();
};

// Memory figures over a run, from its samples and the kernel's own high-water mark. The live view
// (CampaignRunner::view) and the report use the same derivation.
struct MemorySummary {
  std::uint64_t peak_bytes = 0;
  std::uint64_t max_kernel_bytes = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t failcnt = 0;
  std::optional<std::int64_t> min_headroom_bytes;  // from the kernel's peak where it is known
};
MemorySummary summarize_memory(const std::vector<Sample>& samples, std::uint64_t kernel_peak_bytes);

nlohmann::ordered_json to_json(const ReportData& r);
// Written to <dir>/report.json via a temporary file and rename.
Status write_report(const std::filesystem::path& dir, const nlohmann::ordered_json& report);
// A finished campaign as seen from its report (for reports found at daemon start-up).
Result<CampaignView> view_from_report(const nlohmann::ordered_json& report,
                                      const std::string& path);
// A report's "verdict" back to its state; anything unknown reads as error.
State state_from_verdict(const std::string& verdict);
nlohmann::ordered_json to_json(const Sample& s);
nlohmann::ordered_json to_json(const WorkloadStatus& w);
// The reverse of the two above; missing fields take their defaults (older reports).
Sample sample_from_json(const nlohmann::ordered_json& j);
WorkloadStatus workload_from_json(const nlohmann::ordered_json& j);

}  // namespace mt::daemon
