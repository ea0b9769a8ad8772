#include "daemon/parts/oom_proximity_part.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/fs.h"
#include "kernel/cgroup_events.h"

namespace mt::daemon {
namespace {

constexpr double kHistoryS = 12;          // enough for the look 10 s before a kill
constexpr double kPendingMaxAgeS = 3;     // an older RCU walk is not counted
constexpr std::array<double, 4> kBeforeS = {10, 5, 2, 1};
constexpr std::array<const char*, 3> kVmpressureLevels = {"low", "medium", "critical"};

nlohmann::ordered_json opt_json(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json to_json(const OomProximityView& v) {
  return {{"t_s", v.t_s},
          {"level", std::string(campaign::to_string(v.level))},
          {"score", v.score},
          {"eta_s", opt_json(v.eta_s)},
          {"eta_low_s", opt_json(v.eta_low_s)},
          {"eta_high_s", opt_json(v.eta_high_s)},
          {"growth_bytes_per_s", v.growth_bytes_per_s},
          {"effective_headroom_bytes", v.effective_headroom_bytes},
          {"reason", v.reason}};
}

}  // namespace

OomProximityPart::OomProximityPart(OomProximityOptions options)
    : opt_(std::move(options)), cgroup_rule_(opt_.rule), system_rule_(opt_.rule) {}

std::vector<MetricDef> OomProximityPart::declared() {
  return {
      {"oom.proximity", "level",
       "how close the campaign cgroup is to OOM: 0 ok, 1 elevated, 2 critical, 3 oom (conditions "
       "may use the words)"},
      {"oom.score", "", "0..1: how close to OOM (1 at an OOM kill)"},
      {"oom.eta_s", "s",
       "estimated seconds until the cgroup's unreclaimable memory reaches its limit; absent "
       "while it is not growing", "", true},
      {"oom.eta_low_s", "s", "the ETA's early end (the 75th percentile growth)", "", true},
      {"oom.eta_high_s", "s", "the ETA's late end (the 25th percentile growth)", "", true},
      {"oom.growth_bytes_per_s", "bytes/s",
       "growth of the cgroup's unreclaimable memory (Theil-Sen over 5 s)"},
      {"oom.effective_headroom_bytes", "bytes",
       "limit - (usage - reclaimable - waiting in RCU): what the cgroup can still take"},
      {"oom.reclaimable_bytes", "bytes", "file pages and reclaimable slab in the cgroup"},
      {"oom.rcu_waiting_bytes", "bytes",
       "memory waiting in RCU counted as the cgroup's (at most its kernel memory)"},
      {"oom.scan_pages_per_s", "1/s",
       "pages scanned by reclaim per second (the cgroup's on v2, the system's on v1)"},
      {"oom.steal_pages_per_s", "1/s",
       "pages reclaimed per second (the cgroup's on v2, the system's on v1)"},
      {"oom.vmpressure", "level",
       "v1 memory.pressure_level: the highest notification since the last sample (0 none, 1 "
       "low, 2 medium, 3 critical)"},
      {"oom.system.proximity", "level", "how close the system is to OOM (0..3, as oom.proximity)"},
      {"oom.system.score", "", "0..1: how close the system is to OOM"},
      {"oom.system.eta_s", "s",
       "estimated seconds until the system's unreclaimable memory reaches MemTotal", "", true},
      {"oom.system.effective_headroom_bytes", "bytes",
       "MemAvailable plus all memory waiting in RCU"},
  };
}

Status OomProximityPart::setup(PartContext& cx) {
  if (!cx.cgroup) return {};
  reclaim_source_ = cx.cgroup->memory_v2() ? "memory.stat" : "/proc/vmstat (system-wide)";
  const auto& dir = cx.cgroup->memory_path();
  std::error_code ec;
  if (cx.cgroup->memory_v2() || !std::filesystem::exists(dir / "memory.pressure_level", ec))
    return {};
  for (std::size_t i = 0; i < kVmpressureLevels.size(); ++i) {
    auto efd = kernel::register_v1_event(dir, "memory.pressure_level", kVmpressureLevels[i]);
    if (!efd) {
      vmpressure_note_ = efd.error().message;
      vmpressure_watch_.clear();
      return {};
    }
    vmpressure_watch_.push_back(std::make_unique<FdWatch>(
        cx.io, *efd, [this, i](int fd) { vmpressure_[i] += kernel::drain_eventfd(fd); }));
  }
  vmpressure_note_ = "memory.pressure_level eventfds (low, medium, critical)";
  return {};
}

Status OomProximityPart::teardown(PartContext&) {
  vmpressure_watch_.clear();  // before the cgroup goes: its removal signals every eventfd
  return {};
}

std::optional<double> OomProximityPart::rcu_waiting(const Sample& s) {
  if (auto it = s.metrics.find("rcu.pending_bytes"); it != s.metrics.end()) {
    pending_bytes_ = it->second;
    pending_t_s_ = s.t_s;
  }
  if (!pending_bytes_ || s.t_s - *pending_t_s_ > kPendingMaxAgeS) return std::nullopt;
  return pending_bytes_;
}

Status OomProximityPart::measure(Sample& s, PartContext& cx) {
  const std::optional<double> waiting = rcu_waiting(s);

  // The system: /proc/meminfo.
  if (auto text = fs::read_file(opt_.proc / "meminfo"))
    if (auto mi = kernel::parse_meminfo(*text))
      if (std::optional<OomSignals> sys = system_signals(*mi, s.t_s)) {
        sys->rcu_waiting_bytes = waiting.value_or(0);
        if (s.system_psi) {
          sys->psi_some_avg10 = s.system_psi->some_avg10;
          sys->psi_full_avg10 = s.system_psi->full_avg10;
        }
        const OomProximity p = system_rule_.look(*sys);
        system_ = make_view(*sys, p);
        s.metrics["oom.system.proximity"] = static_cast<double>(p.level);
        s.metrics["oom.system.score"] = p.score;
        if (p.estimate.eta_s) s.metrics["oom.system.eta_s"] = *p.estimate.eta_s;
        s.metrics["oom.system.effective_headroom_bytes"] = p.effective_headroom_bytes;
        if (p.changed) {
          changes_.push_back({s.t_s, p.previous, p.level, p.reason, true});
          cx.emit(LogLine{fmt::format("system OOM proximity {} -> {}: {}",
                                      campaign::to_string(p.previous),
                                      campaign::to_string(p.level), p.reason)});
        }
      }

  if (!cx.cgroup || s.limit_bytes == 0) return {};
  OomSignals sig;
  sig.t_s = s.t_s;
  sig.usage_bytes = static_cast<double>(s.usage_bytes);
  sig.limit_bytes = static_cast<double>(s.limit_bytes);
  sig.oom_kills = s.oom_kills;
  sig.rcu_waiting_bytes = std::min(waiting.value_or(0), static_cast<double>(s.kernel_bytes));
  if (s.cgroup_psi) {
    sig.psi_some_avg10 = s.cgroup_psi->some_avg10;
    sig.psi_full_avg10 = s.cgroup_psi->full_avg10;
  }
  std::optional<kernel::ReclaimCounters> reclaim;
  if (auto stat = cx.cgroup->read_memory_stat()) {
    sig.reclaimable_bytes =
        static_cast<double>(kernel::reclaimable_bytes(*stat, cx.cgroup->memory_v2()));
    if (cx.cgroup->memory_v2()) reclaim = kernel::reclaim_counters_v2(*stat);
  }
  if (!cx.cgroup->memory_v2())
    if (auto text = fs::read_file(opt_.proc / "vmstat"))
      if (auto vm = kernel::parse_flat_keyed(*text)) reclaim = kernel::reclaim_counters_vmstat(*vm);
  int vmpressure = 0;
  for (std::size_t i = 0; i < vmpressure_.size(); ++i)
    if (vmpressure_[i] > vmpressure_seen_[i]) vmpressure = static_cast<int>(i) + 1;
  vmpressure_seen_ = vmpressure_;
  sig.vmpressure_critical = vmpressure == 3;

  const OomProximity p = cgroup_rule_.look(sig);
  OomProximityView v = make_view(sig, p);
  v.failcnt = s.failcnt;
  v.vmpressure_events = vmpressure_;
  if (reclaim) reclaim_rates_.update(*reclaim, s.t_s, v);

  s.metrics["oom.proximity"] = static_cast<double>(p.level);
  s.metrics["oom.score"] = p.score;
  if (p.estimate.eta_s) {
    s.metrics["oom.eta_s"] = *p.estimate.eta_s;
    s.metrics["oom.eta_low_s"] = *p.estimate.eta_low_s;
    s.metrics["oom.eta_high_s"] = *p.estimate.eta_high_s;
    if (!lowest_eta_s_ || *p.estimate.eta_s < *lowest_eta_s_) lowest_eta_s_ = p.estimate.eta_s;
  }
  s.metrics["oom.growth_bytes_per_s"] = p.estimate.growth_bytes_per_s;
  s.metrics["oom.effective_headroom_bytes"] = p.effective_headroom_bytes;
  s.metrics["oom.reclaimable_bytes"] = sig.reclaimable_bytes;
  // Only when the ledger measured it: a 0 would read "nothing waits" where nobody looked.
  if (waiting) s.metrics["oom.rcu_waiting_bytes"] = sig.rcu_waiting_bytes;
  if (v.scan_pages_per_s) s.metrics["oom.scan_pages_per_s"] = *v.scan_pages_per_s;
  if (v.steal_pages_per_s) s.metrics["oom.steal_pages_per_s"] = *v.steal_pages_per_s;
  if (!vmpressure_watch_.empty()) s.metrics["oom.vmpressure"] = vmpressure;

  if (p.changed) {
    changes_.push_back({s.t_s, p.previous, p.level, p.reason, false});
    cx.emit(LogLine{fmt::format("OOM proximity {} -> {}: {}", campaign::to_string(p.previous),
                                campaign::to_string(p.level), p.reason)});
  }
  cgroup_ = v;
  history_.push_back(std::move(v));
  while (!history_.empty() && history_.front().t_s < s.t_s - kHistoryS) history_.pop_front();
  return {};
}

void OomProximityPart::record_kill(double t_s, std::uint64_t total) {
  KillLook k{t_s, total, {}};
  for (double offset : kBeforeS) {
    Before b{offset, std::nullopt};
    for (const auto& v : history_)
      if (v.t_s <= t_s - offset) b.view = v;
    k.before.push_back(std::move(b));
  }
  kills_.push_back(std::move(k));
}

void OomProximityPart::on_event(const Event& e, PartContext&) {
  const auto* kill = std::get_if<OomKill>(&e.body);
  if (kill == nullptr) return;
  const std::uint64_t known = kills_.empty() ? 0 : kills_.back().total;
  if (kill->total > known) record_kill(e.t_s, kill->total);
}

void OomProximityPart::contribute(ReportData& report) const {
  auto changes = nlohmann::ordered_json::array();
  for (const auto& c : changes_)
    changes.push_back({{"t_s", c.t_s},
                       {"of", c.system ? "system" : "cgroup"},
                       {"from", std::string(campaign::to_string(c.from))},
                       {"to", std::string(campaign::to_string(c.to))},
                       {"reason", c.reason}});
  auto kills = nlohmann::ordered_json::array();
  for (const auto& k : kills_) {
    auto before = nlohmann::ordered_json::array();
    for (const auto& b : k.before) {
      nlohmann::ordered_json j = {{"seconds_before", b.offset_s}};
      if (b.view) {
        j["said"] = to_json(*b.view);
        j["true_remaining_s"] = k.t_s - b.view->t_s;
        j["eta_error_pct"] = b.view->eta_s ? nlohmann::ordered_json(
                                                 100 * (*b.view->eta_s - (k.t_s - b.view->t_s)) /
                                                 (k.t_s - b.view->t_s))
                                           : nullptr;
      } else {
        j["said"] = nullptr;
      }
      before.push_back(std::move(j));
    }
    kills.push_back({{"t_s", k.t_s}, {"total", k.total}, {"before", std::move(before)}});
  }
  report.parts["oom_proximity"] = {
      {"rule",
       "oom: a kill in the last 2 s; critical: effective headroom < 5% or ETA < 5 s or PSI full "
       ">= 20%; elevated: headroom < 20% or ETA < 30 s or PSI some >= 10% or vmpressure "
       "critical; down only after 2 s"},
      {"reclaim_counters", reclaim_source_},
      {"vmpressure", vmpressure_note_},
      {"vmpressure_events",
       {{"low", vmpressure_[0]}, {"medium", vmpressure_[1]}, {"critical", vmpressure_[2]}}},
      {"lowest_eta_s", opt_json(lowest_eta_s_)},
      {"last", cgroup_ ? to_json(*cgroup_) : nlohmann::ordered_json(nullptr)},
      {"system_last", system_ ? to_json(*system_) : nlohmann::ordered_json(nullptr)},
      {"level_changes", std::move(changes)},
      {"kills", std::move(kills)},
  };
}

}  // namespace mt::daemon
