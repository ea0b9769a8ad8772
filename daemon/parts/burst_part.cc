#include "daemon/parts/burst_part.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "common/units.h"
#include "daemon/parts/ledger_part.h"
#include "daemon/report.h"

namespace mt::daemon {
namespace {

constexpr std::string_view kFreedRate = "rcu.freed_bytes_per_s";

std::string burst_line(const std::string& name, const BurstPart::Burst& b) {
  std::string text = fmt::format(
      "burst {} of {}: flooded {:.1f} s (ended by {}), {} ops, peak {}", b.index, name,
      b.flood_ended_s - b.started_s, b.ended_by, b.ops,
      human_bytes(static_cast<double>(b.peak_charged_bytes)));
  if (b.rcu_freed_bytes)
    text += fmt::format(", {} freed through RCU", human_bytes(*b.rcu_freed_bytes));
  if (b.barrier_ms) text += fmt::format(", barrier {:.1f} ms", *b.barrier_ms);
  if (b.barrier_freed_bytes)
    text += fmt::format(" freeing {}", human_bytes(static_cast<double>(*b.barrier_freed_bytes)));
  if (!b.barrier_error.empty()) text += ", barrier failed: " + b.barrier_error;
  return text;
}

}  // namespace

BurstPart::BurstPart(BurstPartOptions options) : opt_(std::move(options)) {
  for (const auto& [name, spec] : opt_.floods) floods_[name].spec = spec;
  if (!floods_.empty()) thread_ = std::make_unique<JobThread>();
}

BurstPart::~BurstPart() {
  *alive_ = false;
}

const std::vector<BurstPart::Burst>& BurstPart::bursts(const std::string& workload) const {
  static const std::vector<Burst> none;
  auto it = floods_.find(workload);
  return it == floods_.end() ? none : it->second.bursts;
}

void BurstPart::on_sample(const Sample& s, PartContext& cx) {
  if (!cx.workload_ops) return;
  for (auto& [name, f] : floods_) {
    const auto ops = cx.workload_ops(name);
    if (f.phase == Phase::waiting) {
      if (ops) begin(name, f, cx);
      continue;
    }
    if (f.phase != Phase::flooding) continue;
    if (!ops) {  // the worker ended mid-burst
      end_flood(name, f, "worker end", cx);
      continue;
    }
    Burst& b = f.bursts.back();
    const double dt = s.t_s - f.last_sample_s;
    b.ops_hist.push_back(*ops - f.ops_last);
    f.ops_last = *ops;
    f.last_sample_s = s.t_s;
    auto rate = s.metrics.find(std::string(kFreedRate));
    const double freed = rate != s.metrics.end() ? rate->second * dt : 0.0;
    b.rcu_freed_hist.push_back(freed);
    if (rate != s.metrics.end()) b.rcu_freed_bytes = b.rcu_freed_bytes.value_or(0) + freed;
    b.peak_charged_bytes = std::max(b.peak_charged_bytes, s.usage_bytes);
    const double flooded = s.t_s - b.started_s;
    if (f.spec.stop_below_headroom &&
        s.headroom_bytes < static_cast<std::int64_t>(*f.spec.stop_below_headroom))
      end_flood(name, f, "headroom", cx);
    else if (flooded + 1e-3 >= std::chrono::duration<double>(f.spec.flood).count())
      end_flood(name, f, "time", cx);
  }
}

void BurstPart::begin(const std::string& name, Flood& f, PartContext& cx) {
  Burst b;
  b.index = static_cast<int>(f.bursts.size()) + 1;
  b.started_s = cx.now_s();
  f.ops_base = f.ops_last = cx.workload_ops(name).value_or(0);
  f.last_sample_s = b.started_s;
  f.bursts.push_back(std::move(b));
  f.phase = Phase::flooding;
}

void BurstPart::end_flood(const std::string& name, Flood& f, const std::string& why,
                          PartContext& cx) {
  Burst& b = f.bursts.back();
  b.flood_ended_s = cx.now_s();
  b.ended_by = why;
  f.phase = Phase::stopping;
  if (why == "worker end" || !cx.control) return burst_done(name, cx);
  cx.control(name, {workloads::Control::Kind::pause, 0},
             [this, name, &cx, alive = alive_](bool applied, std::string why_not) {
               if (!*alive) return;
               if (!applied) {
                 floods_[name].bursts.back().barrier_error = "the flood could not be paused: " + why_not;
                 return burst_done(name, cx);
               }
               run_barrier(name, cx);
             });
}

void BurstPart::run_barrier(const std::string& name, PartContext& cx) {
  Flood& f = floods_[name];
  if (!f.spec.barrier) return burst_done(name, cx);
  if (opt_.ledger != nullptr && opt_.ledger->running()) {
    opt_.ledger->barrier(cx, [this, name, &cx, alive = alive_](Result<rcu::BarrierBacklog> r) {
      if (!*alive) return;
      Burst& b = floods_[name].bursts.back();
      if (r) {
        b.barrier_ms = std::chrono::duration<double, std::milli>(r->duration).count();
        b.barrier_freed_bytes = r->bytes;
      } else {
        b.barrier_error = r.error().message;
      }
      burst_done(name, cx);
    });
    return;
  }
  if (!opt_.barrier) {
    f.bursts.back().barrier_error = "no barrier on this host";
    return burst_done(name, cx);
  }
  thread_->post([this, name, &cx, alive = alive_, call = opt_.barrier] {
    auto took = call();
    boost::asio::post(cx.io, [this, name, &cx, alive, took] {
      if (!*alive) return;
      Burst& b = floods_[name].bursts.back();
      if (took)
        b.barrier_ms = std::chrono::duration<double, std::milli>(*took).count();
      else
        b.barrier_error = took.error().message;
      burst_done(name, cx);
    });
  });
}

void BurstPart::burst_done(const std::string& name, PartContext& cx) {
  Flood& f = floods_[name];
  Burst& b = f.bursts.back();
  // Paused (or ended) by now: the counters hold still, so this is the burst's whole count.
  if (auto ops = cx.workload_ops ? cx.workload_ops(name) : std::nullopt) f.ops_last = *ops;
  b.ops = f.ops_last - f.ops_base;
  cx.emit(LogLine{burst_line(name, b)});
  if ((f.spec.count && static_cast<int>(f.bursts.size()) >= *f.spec.count) ||
      b.ended_by == "worker end" || !cx.control) {
    f.phase = Phase::done;  // a flood past its last burst stays paused
    return;
  }
  f.phase = Phase::resting;
  f.rest_timer = cx.timers.after(f.spec.rest, [this, name, &cx] {
    Flood& fl = floods_[name];
    fl.rest_timer = 0;
    cx.control(name, {workloads::Control::Kind::resume, 0},
               [this, name, &cx, alive = alive_](bool applied, std::string why_not) {
                 if (!*alive) return;
                 Flood& fl2 = floods_[name];
                 if (!applied) {
                   cx.emit(LogLine{fmt::format("bursts of {} end: it could not be resumed: {}",
                                               name, why_not)});
                   fl2.phase = Phase::done;
                   return;
                 }
                 begin(name, fl2, cx);
               });
  });
}

Status BurstPart::teardown(PartContext& cx) {
  for (auto& [name, f] : floods_) {
    if (f.rest_timer != 0) cx.timers.cancel(std::exchange(f.rest_timer, 0));
    if (f.phase == Phase::flooding && !f.bursts.empty()) {  // cut by the campaign's end
      Burst& b = f.bursts.back();
      b.flood_ended_s = cx.now_s();
      b.ended_by = "campaign end";
      b.ops = f.ops_last - f.ops_base;
    }
    f.phase = Phase::done;
  }
  *alive_ = false;
  thread_.reset();
  return {};
}

void BurstPart::contribute(ReportData& report) const {
  if (floods_.empty()) return;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["bucket_ms"] = opt_.sample_interval.count();
  for (const auto& [name, f] : floods_) {
    auto list = nlohmann::ordered_json::array();
    for (const Burst& b : f.bursts) {
      nlohmann::ordered_json j;
      j["index"] = b.index;
      j["started_s"] = b.started_s;
      j["duration_s"] = b.flood_ended_s - b.started_s;
      j["ended_by"] = b.ended_by;
      j["ops"] = b.ops;
      j["barrier_ms"] = b.barrier_ms ? nlohmann::ordered_json(*b.barrier_ms) : nullptr;
      if (b.barrier_freed_bytes) j["barrier_freed_bytes"] = *b.barrier_freed_bytes;
      if (!b.barrier_error.empty()) j["barrier_error"] = b.barrier_error;
      j["peak_charged_bytes"] = b.peak_charged_bytes;
      j["rcu_freed_bytes"] = b.rcu_freed_bytes ? nlohmann::ordered_json(*b.rcu_freed_bytes) : nullptr;
      j["ops_hist"] = b.ops_hist;
      j["rcu_freed_bytes_hist"] = b.rcu_freed_hist;
      list.push_back(std::move(j));
    }
    out["floods"][name] = std::move(list);
  }
  report.parts["bursts"] = std::move(out);
}

}  // namespace mt::daemon
