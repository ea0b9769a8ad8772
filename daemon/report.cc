#include "daemon/report.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>

#include "common/fs.h"
#include "daemon/json_fields.h"

namespace mt::daemon {
namespace {

using json = nlohmann::ordered_json;

std::string iso8601(std::int64_t unix_ms) {
  auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(tp)),
                     static_cast<int>(unix_ms % 1000));
}

json psi_json(const PsiFigures& p) {
  return {{"some_avg10", p.some_avg10},
          {"full_avg10", p.full_avg10},
          {"some_stall_delta_us", p.some_stall_delta_us},
          {"full_stall_delta_us", p.full_stall_delta_us}};
}

// Max avg10 and total stall time over the series, for one PSI source.
json psi_summary(const std::vector<Sample>& samples,
                 const std::optional<PsiFigures> Sample::*source) {
  bool any = false;
  double some_max = 0, full_max = 0;
  std::uint64_t some_total = 0, full_total = 0;
  for (const auto& s : samples) {
    const auto& p = s.*source;
    if (!p) continue;
    any = true;
    some_max = std::max(some_max, p->some_avg10);
    full_max = std::max(full_max, p->full_avg10);
    some_total += p->some_stall_delta_us;
    full_total += p->full_stall_delta_us;
  }
  if (!any) return nullptr;
  return {{"some_avg10_max", some_max},
          {"full_avg10_max", full_max},
          {"some_stall_total_us", some_total},
          {"full_stall_total_us", full_total}};
}

}  // namespace

namespace {

// "12" -> 12, "0.5" -> 0.5, anything else stays text.
json result_value(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (!text.empty() && ec == std::errc() && p == end) {
    if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
    return v;
  }
  return text;
}

}  // namespace

json to_json(const WorkloadStatus& w) {
  json j = {{"name", w.name},
          {"type", w.type},
          {"kind", w.kind},
          {"threads", w.threads},
          {"pid", w.pid},
          {"state", w.state},
          {"ops", w.ops},
          {"ops_per_s", w.ops_per_s},
          {"errors", w.errors},
          {"bytes", w.bytes},
          {"exit_status", w.exit_status},
          {"paused", w.paused},
          {"rate", w.rate}};
  // {"stress_ng": [{"stressor": "vm", "bogo-ops": 27380, ...}, ...]}
  if (!w.results.empty()) {
    json results = json::object();
    for (const auto& r : w.results) {
      json entry = json::object();
      for (const auto& [key, value] : r.fields) entry[key] = result_value(value);
      results[r.section].push_back(std::move(entry));
    }
    j["results"] = std::move(results);
  }
  return j;
}

namespace {

json metric_defs_json(const std::vector<MetricDef>& defs) {
  json out = json::array();
  for (const auto& m : defs) out.push_back({{"name", m.name}, {"unit", m.unit}, {"help", m.help}, {"label", m.label}});
  return out;
}

json criterion_json(const CriterionResult& c) {
  return {{"name", c.name},
          {"limit", c.limit},
          {"value", c.value},
          {"pass", c.pass},
          {"detail", c.detail}};
}

}  // namespace

State state_from_verdict(const std::string& v) {
  for (State s : {State::passed, State::failed, State::aborted, State::error})
    if (to_string(s) == v) return s;
  return State::error;
}

json to_json(const Sample& s) {
  json j = {{"t_s", s.t_s},
            {"usage_bytes", s.usage_bytes},
            {"limit_bytes", s.limit_bytes},
            {"headroom_bytes", s.headroom_bytes},
            {"kernel_bytes", s.kernel_bytes},
            {"oom_kills", s.oom_kills},
            {"failcnt", s.failcnt},
            {"peak_bytes", s.peak_bytes},
            {"cgroup_psi", nullptr},
            {"system_psi", nullptr},
            {"metrics", json::object()}};
  if (s.cgroup_psi) j["cgroup_psi"] = psi_json(*s.cgroup_psi);
  if (s.system_psi) j["system_psi"] = psi_json(*s.system_psi);
  for (const auto& [name, value] : s.metrics) j["metrics"][name] = value;
  return j;
}

namespace {
std::optional<PsiFigures> psi_from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  return PsiFigures{json_field(j, "some_avg10", 0.0), json_field(j, "full_avg10", 0.0),
                    json_field(j, "some_stall_delta_us", std::uint64_t{0}),
                    json_field(j, "full_stall_delta_us", std::uint64_t{0})};
}
}  // namespace

Sample sample_from_json(const json& j) {
  Sample s;
  s.t_s = json_field(j, "t_s", 0.0);
  s.usage_bytes = json_field(j, "usage_bytes", std::uint64_t{0});
  s.limit_bytes = json_field(j, "limit_bytes", std::uint64_t{0});
  s.headroom_bytes = json_field(j, "headroom_bytes", std::int64_t{0});
  s.kernel_bytes = json_field(j, "kernel_bytes", std::uint64_t{0});
  s.oom_kills = json_field(j, "oom_kills", std::uint64_t{0});
  s.failcnt = json_field(j, "failcnt", std::uint64_t{0});
  s.peak_bytes = json_field(j, "peak_bytes", std::uint64_t{0});
  if (const json* p = json_member(j, "cgroup_psi")) s.cgroup_psi = psi_from_json(*p);
  if (const json* p = json_member(j, "system_psi")) s.system_psi = psi_from_json(*p);
  if (const json* metrics = json_member(j, "metrics"); metrics && metrics->is_object())
    for (const auto& [name, value] : metrics->items())
      if (value.is_number()) s.metrics[name] = value.get<double>();
  return s;
}

WorkloadStatus workload_from_json(const json& w) {
  WorkloadStatus s;
  s.name = json_field(w, "name", std::string());
  s.type = json_field(w, "type", std::string());
  s.kind = json_field(w, "kind", std::string());
  s.state = json_field(w, "state", std::string());
  s.pid = json_field(w, "pid", 0);
  s.threads = json_field(w, "threads", 0);
  s.ops = json_field(w, "ops", std::uint64_t{0});
  s.ops_per_s = json_field(w, "ops_per_s", 0.0);
  s.errors = json_field(w, "errors", std::uint64_t{0});
  s.bytes = json_field(w, "bytes", std::uint64_t{0});
  s.exit_status = json_field(w, "exit_status", std::string());
  s.paused = json_field(w, "paused", false);
  s.rate = json_field(w, "rate", 0.0);
  return s;
}

MemorySummary summarize_memory(const std::vector<Sample>& samples,
                               std::uint64_t kernel_peak_bytes) {
  MemorySummary m;
  m.peak_bytes = kernel_peak_bytes;
  for (const auto& s : samples) {
    m.peak_bytes = std::max(m.peak_bytes, s.usage_bytes);
    m.max_kernel_bytes = std::max(m.max_kernel_bytes, s.kernel_bytes);
    m.oom_kills = std::max(m.oom_kills, s.oom_kills);
    m.failcnt = std::max(m.failcnt, s.failcnt);
    const auto headroom = lowest_headroom(s);
    if (!m.min_headroom_bytes || headroom < *m.min_headroom_bytes) m.min_headroom_bytes = headroom;
  }
  // The kernel's peak over the whole run, also after the last sample.
  if (kernel_peak_bytes > 0 && !samples.empty() && samples.back().headroom_bytes != INT64_MAX) {
    const auto at_peak = static_cast<std::int64_t>(samples.back().limit_bytes) -
                         static_cast<std::int64_t>(kernel_peak_bytes);
    if (at_peak < *m.min_headroom_bytes) m.min_headroom_bytes = at_peak;
  }
  return m;
}

json to_json(const ReportData& r) {
  const auto [peak, max_kernel, oom_kills, failcnt, min_headroom] =
      summarize_memory(r.samples, r.kernel_peak_bytes);
  json workloads = json::array(), criteria = json::array(), samples = json::array();
  for (const auto& w : r.workloads) workloads.push_back(to_json(w));
  for (const auto& c : r.criteria) criteria.push_back(criterion_json(c));
  for (const auto& s : r.samples) samples.push_back(to_json(s));
  return {
      {"report_version", kReportVersion},
      {"campaign", r.name},
      {"id", r.id},
      {"description", r.description},
      {"file", r.file_name},
      {"started_at", iso8601(r.started_unix_ms)},
      {"ended_at", iso8601(r.ended_unix_ms)},
      {"started_unix_ms", r.started_unix_ms},
      {"ended_unix_ms", r.ended_unix_ms},
      {"duration_planned_s", r.duration_planned_s},
      {"duration_actual_s", r.duration_actual_s},
      {"verdict", to_string(r.verdict)},
      {"reason", r.reason},
      {"host",
       {{"kernel_release", r.host.kernel_release},
        {"cgroup_mode", r.host.cgroup_mode},
        {"memory_controller", r.host.memory_controller},
        {"cpus", r.host.cpus},
        {"memory_total_bytes", r.host.memory_total_bytes}}},
      {"cgroup", {{"path", r.cgroup_path}, {"psi_path", r.psi_cgroup_path}}},
      {"workloads", workloads},
      {"memory",
       {{"limit_bytes", r.memory_limit_bytes},
        {"peak_bytes", peak},
        {"min_headroom_bytes", min_headroom ? json(*min_headroom) : json(nullptr)},
        {"max_kernel_bytes", max_kernel},
        {"failcnt", std::max(failcnt, r.failcnt)}}},
      {"psi",
       {{"cgroup", psi_summary(r.samples, &Sample::cgroup_psi)},
        {"system", psi_summary(r.samples, &Sample::system_psi)}}},
      {"psi_trigger",
       {{"armed", r.psi_trigger.armed},
        {"trigger", r.psi_trigger.spec},
        {"window_source", r.psi_trigger.window_source},
        {"error", r.psi_trigger.error},
        {"events_s", r.psi_trigger.events_s}}},
      {"metrics", metric_defs_json(r.metrics)},
      {"oom_kills", oom_kills},
      {"oom_kill_times_s", r.oom_kill_times_s},
      {"criteria", criteria},
      {"parts", r.parts},
      {"campaign_yaml", r.normalized_yaml},
      {"samples", samples},
  };
}

// Crash-safe: the temporary file is synced before the rename, the directory after it, so that
// after a crash report.json is either the old one or the whole new one.
Status write_report(const std::filesystem::path& dir, const json& report) {
  const auto tmp = dir / "report.json.tmp";
  const std::string text = report.dump(2) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(fmt::format("cannot create {}: {}", tmp.string(), fs::errno_text(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());  // a disk full keeps no half report taking its space
      return make_error(fmt::format("cannot write {}: {}", tmp.string(), fs::errno_text(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int sync_err = errno;
  ::close(fd);
  if (!synced) {
    ::unlink(tmp.c_str());
    return make_error(fmt::format("cannot sync {}: {}", tmp.string(), fs::errno_text(sync_err)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir / "report.json", ec);
  if (ec)
    return make_error(
        fmt::format("cannot rename {} to report.json: {}", tmp.string(), ec.message()));
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

// The fields a report must have are read with at() (a report without them is an error); the
// others with json_field(), as the report may come from an older daemon or be damaged.
Result<CampaignView> view_from_report(const json& j, const std::string& path) {
  try {
    CampaignView v;
    v.id = j.at("id").get<std::string>();
    v.name = j.at("campaign").get<std::string>();
    v.state = state_from_verdict(j.at("verdict").get<std::string>());
    v.reason = json_field(j, "reason", std::string());
    v.elapsed_s = json_field(j, "duration_actual_s", 0.0);
    v.duration_s = json_field(j, "duration_planned_s", 0.0);
    v.file_name = json_field(j, "file", std::string());
    v.started_unix_ms = json_field(j, "started_unix_ms", std::int64_t{0});
    v.report_path = path;
    for (const auto& w : j.at("workloads")) v.workloads.push_back(workload_from_json(w));
    for (const auto& c : j.at("criteria")) {
      v.criteria.push_back({json_field(c, "name", std::string()), json_field(c, "limit", 0.0),
                            json_field(c, "value", 0.0), json_field(c, "pass", false),
                            json_field(c, "detail", std::string())});
    }
    const auto& memory = j.at("memory");
    v.peak_bytes = json_field(memory, "peak_bytes", std::uint64_t{0});
    v.max_kernel_bytes = json_field(memory, "max_kernel_bytes", std::uint64_t{0});
    v.failcnt = json_field(memory, "failcnt", std::uint64_t{0});
    if (const json* metrics = json_member(j, "metrics"); metrics && metrics->is_array())
      for (const auto& m : *metrics)
        v.metrics.push_back({json_field(m, "name", std::string()),
                             json_field(m, "unit", std::string()),
                             json_field(m, "help", std::string()),
                             json_field(m, "label", std::string())});
    if (const json* headroom = json_member(memory, "min_headroom_bytes"))
      v.min_headroom_bytes = json_as<std::int64_t>(*headroom);
    if (const auto& samples = j.at("samples"); !samples.empty())
      v.latest = sample_from_json(samples.back());
    return v;
  } catch (const json::exception& e) {
    return make_error(fmt::format("{}: not a memtorture report: {}", path, e.what()));
  }
}

}  // namespace mt::daemon
