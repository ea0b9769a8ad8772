#include "daemon/oom_proximity.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/units.h"

namespace mt::daemon {
namespace {

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

std::string describe(const OomSignals& s, const OomProximity& p, bool kill_recent) {
  std::string out;
  if (kill_recent) out = "OOM kill; ";
  out += fmt::format("headroom {:.0f}% ({}", 100 * p.headroom_fraction,
                     human_bytes(p.effective_headroom_bytes));
  if (s.rcu_waiting_bytes >= 1024)
    out += fmt::format(", {} of it waiting in RCU", human_bytes(s.rcu_waiting_bytes));
  out += ")";
  const double growth = p.estimate.growth_bytes_per_s;
  if (p.estimate.eta_s)
    out += fmt::format(" and falling {}/s; oom in ~{:.1f} s", human_bytes(growth),
                       *p.estimate.eta_s);
  if (s.psi_some_avg10 || s.psi_full_avg10)
    out += fmt::format("; PSI some {:.0f}% full {:.0f}%", s.psi_some_avg10.value_or(0),
                       s.psi_full_avg10.value_or(0));
  if (s.vmpressure_critical) out += "; vmpressure critical";
  return out;
}

}  // namespace

OomLevel OomProximityRule::instant_level(const OomSignals& s, const OomProximity& p) const {
  if (last_kill_s_ && s.t_s - *last_kill_s_ <= opt_.oom_hold_s) return OomLevel::oom;
  const auto eta = p.estimate.eta_s;
  const double some = s.psi_some_avg10.value_or(0), full = s.psi_full_avg10.value_or(0);
  if (p.headroom_fraction < opt_.critical_headroom || (eta && *eta < opt_.critical_eta_s) ||
      full >= opt_.critical_psi_full)
    return OomLevel::critical;
  if (p.headroom_fraction < opt_.elevated_headroom || (eta && *eta < opt_.elevated_eta_s) ||
      some >= opt_.elevated_psi_some || s.vmpressure_critical)
    return OomLevel::elevated;
  return OomLevel::ok;
}

OomProximity OomProximityRule::look(const OomSignals& s) {
  if (s.oom_kills > kills_) {
    kills_ = s.oom_kills;
    last_kill_s_ = s.t_s;
    estimator_.reset();
  }
  OomProximity p;
  p.unreclaimable_bytes =
      std::max(0.0, s.usage_bytes - s.reclaimable_bytes - s.rcu_waiting_bytes);
  p.estimate = estimator_.add(s.t_s, p.unreclaimable_bytes, s.limit_bytes);
  p.effective_headroom_bytes = s.limit_bytes - p.unreclaimable_bytes;
  p.headroom_fraction = s.limit_bytes > 0 ? p.effective_headroom_bytes / s.limit_bytes : 1;

  const OomLevel now = instant_level(s, p);
  p.previous = level_;
  if (now >= level_) {
    level_ = now;
    lower_since_s_.reset();
  } else {
    if (!lower_since_s_) lower_since_s_ = s.t_s;
    if (s.t_s - *lower_since_s_ >= opt_.settle_s) {
      level_ = now;
      lower_since_s_.reset();
    }
  }
  p.level = level_;
  p.changed = p.level != p.previous;

  if (p.level == OomLevel::oom) {
    p.score = 1;
  } else {
    double score = clamp01((0.25 - p.headroom_fraction) / 0.25);
    if (p.estimate.eta_s) score = std::max(score, clamp01(1 - *p.estimate.eta_s / 60));
    score = std::max(score, clamp01(s.psi_some_avg10.value_or(0) / 50));
    score = std::max(score, clamp01(s.psi_full_avg10.value_or(0) / 25));
    p.score = score;
  }
  p.reason = describe(s, p, p.level == OomLevel::oom);
  return p;
}

OomProximityView make_view(const OomSignals& s, const OomProximity& p) {
  OomProximityView v;
  v.t_s = s.t_s;
  v.level = p.level;
  v.score = p.score;
  v.reason = p.reason;
  v.eta_s = p.estimate.eta_s;
  v.eta_low_s = p.estimate.eta_low_s;
  v.eta_high_s = p.estimate.eta_high_s;
  v.growth_bytes_per_s = p.estimate.growth_bytes_per_s;
  v.usage_bytes = s.usage_bytes;
  v.limit_bytes = s.limit_bytes;
  v.reclaimable_bytes = s.reclaimable_bytes;
  v.rcu_waiting_bytes = s.rcu_waiting_bytes;
  v.effective_headroom_bytes = p.effective_headroom_bytes;
  v.psi_some_avg10 = s.psi_some_avg10;
  v.psi_full_avg10 = s.psi_full_avg10;
  v.oom_kills = s.oom_kills;
  return v;
}

std::optional<OomSignals> system_signals(const std::map<std::string, std::uint64_t>& meminfo,
                                         double t_s) {
  const auto total = meminfo.find("MemTotal");
  const auto free = meminfo.find("MemFree");
  const auto available = meminfo.find("MemAvailable");
  if (total == meminfo.end() || free == meminfo.end() || available == meminfo.end())
    return std::nullopt;
  OomSignals s;
  s.t_s = t_s;
  s.limit_bytes = static_cast<double>(total->second);
  s.usage_bytes = s.limit_bytes - static_cast<double>(free->second);
  s.reclaimable_bytes =
      std::max(0.0, static_cast<double>(available->second) - static_cast<double>(free->second));
  return s;
}

void ReclaimRates::update(const kernel::ReclaimCounters& now, double t_s, OomProximityView& v) {
  if (last_ && t_s > last_t_s_ && now.scanned >= last_->scanned && now.stolen >= last_->stolen) {
    const double dt = t_s - last_t_s_;
    v.scan_pages_per_s = static_cast<double>(now.scanned - last_->scanned) / dt;
    v.steal_pages_per_s = static_cast<double>(now.stolen - last_->stolen) / dt;
  }
  last_ = now;
  last_t_s_ = t_s;
}

}  // namespace mt::daemon
