#include "daemon/parts/gp_probe_part.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "rcu/probe.h"

namespace mt::daemon {

GpProbePart::~GpProbePart() {
  *alive_ = false;
  if (timers_) timers_->cancel(tick_task_);
}

std::vector<MetricDef> GpProbePart::declared() {
  return {{"rcu.gp_latency_us", "us",
           "the latest grace period timed (membarrier GLOBAL, a synchronize_rcu()) since the "
           "previous sample",
           "rcu gp"}};
}

std::string GpProbePart::current_phase() const { return rcu::grace_period_knobs(opt_.sys); }

Status GpProbePart::setup(PartContext& cx) {
  timers_ = &cx.timers;
  if (opt_.interval.count() == 0) {
    error_ = "off (gp_probe_interval: off)";
    return {};
  }
  if (!rcu::membarrier_waits_for_gp(opt_.cpus)) {
    error_ = "one CPU online: membarrier does not wait for a grace period";
    cx.emit(LogLine{"grace-period probe off: " + error_});
    return {};
  }
  // The prober's thread hands each result to the io thread, where this part lives.
  prober_ = std::make_unique<rcu::GpProber>(
      opt_.measure, [this, &cx, alive = alive_](Result<std::chrono::nanoseconds> r) {
        boost::asio::post(cx.io, [this, &cx, alive, r = std::move(r)]() mutable {
          if (*alive) on_result(std::move(r), cx);
        });
      });
  tick(cx);
  return {};
}

void GpProbePart::tick(PartContext& cx) {
  if (!prober_) return;
  const auto phase = current_phase();
  if (prober_->request())
    running_phase_ = phase;
  else
    ++dropped_;  // the last grace period is still not over: say so, do not queue
  tick_task_ = cx.timers.after(opt_.interval, [this, &cx] {
    tick_task_ = 0;
    tick(cx);
  });
}

void GpProbePart::on_result(Result<std::chrono::nanoseconds> r, PartContext& cx) {
  if (!r) {
    error_ = r.error().message;
    cx.emit(LogLine{"grace-period probe stopped: " + error_});
    cx.timers.cancel(std::exchange(tick_task_, 0));
    return;
  }
  const double us = std::chrono::duration<double, std::micro>(*r).count();
  phases_[running_phase_].stats.add(us);
  latest_us_ = us;
}

Status GpProbePart::measure(Sample& s, PartContext&) {
  if (latest_us_) s.metrics["rcu.gp_latency_us"] = *std::exchange(latest_us_, std::nullopt);
  return {};
}

Status GpProbePart::teardown(PartContext& cx) {
  cx.timers.cancel(std::exchange(tick_task_, 0));
  prober_.reset();  // waits for a grace period in flight; its result is not taken any more
  *alive_ = false;
  return {};
}

void GpProbePart::contribute(ReportData& report) const {
  auto phases = nlohmann::ordered_json::array();
  for (const auto& [knobs, phase] : phases_) {
    const auto& st = phase.stats;
    phases.push_back({{"knobs", knobs},
                      {"count", st.count()},
                      {"p50_us", st.percentile(50).value_or(0)},
                      {"p90_us", st.percentile(90).value_or(0)},
                      {"p99_us", st.percentile(99).value_or(0)},
                      {"max_us", st.max().value_or(0)}});
  }
  report.parts["gp_probe"] = {{"interval_s", opt_.interval.count() / 1000.0},
                              {"method", "membarrier(MEMBARRIER_CMD_GLOBAL), timed"},
                              {"phases", phases},
                              {"dropped_ticks", dropped_},
                              {"error", error_}};
}

}  // namespace mt::daemon
