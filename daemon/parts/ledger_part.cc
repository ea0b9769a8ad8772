#include "daemon/parts/ledger_part.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "common/units.h"
#include "kernel/process_state.h"

namespace mt::daemon {
namespace {

constexpr std::size_t kReportTop = 20;     // caches and functions listed in the report
constexpr std::size_t kBacklogTop = 5;     // caches listed per backlog
constexpr std::size_t kSeriesTop = 3;      // caches per point of the freed series

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// A figure read at every sample: how many readings, their median and their max.
nlohmann::ordered_json readings_json(const std::vector<double>& v) {
  return {{"readings", v.size()},
          {"median", median(v)},
          {"max", v.empty() ? 0 : *std::max_element(v.begin(), v.end())}};
}

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

// What a walk found waiting, in bytes: the callbacks' objects, DONE estimated, kfree_rcu() batches.
std::uint64_t waiting_bytes(const rcu::PendingBytes& p) { return p.bytes_with_done() + p.krc.bytes; }

nlohmann::ordered_json cache_list(const std::vector<rcu::CacheFreed>& caches, std::size_t top,
                                  double seconds) {
  auto out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < caches.size() && i < top; ++i) {
    const auto& c = caches[i];
    nlohmann::ordered_json j = {{"name", c.name}, {"object_size", c.object_size},
                                {"objects", c.objects}, {"bytes", c.bytes}};
    if (seconds > 0) j["bytes_per_s"] = c.bytes / seconds;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::ordered_json walk_json(const rcu::PendingBytes& p, double t_s) {
  auto functions = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < p.by_function.size() && i < kReportTop; ++i) {
    const auto& f = p.by_function[i];
    functions.push_back({{"function", f.name}, {"callbacks", f.callbacks}, {"objects", f.objects},
                         {"bytes", f.bytes}});
  }
  auto caches = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < p.by_cache.size() && i < kReportTop; ++i) {
    const auto& c = p.by_cache[i];
    caches.push_back({{"name", c.name}, {"object_size", c.object_size}, {"callbacks", c.callbacks},
                      {"objects", c.objects}, {"bytes", c.bytes}});
  }
  auto krc_caches = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < p.krc.by_cache.size() && i < kReportTop; ++i)
    krc_caches.push_back({{"name", p.krc.by_cache[i].name},
                          {"objects", p.krc.by_cache[i].objects},
                          {"bytes", p.krc.by_cache[i].bytes}});
  return {{"t_s", t_s},
          {"bytes", waiting_bytes(p)},
          {"callback_bytes", p.bytes},
          {"callbacks", p.callbacks},
          {"objects", p.objects},
          {"done_callbacks", p.done_callbacks},
          {"invoking_callbacks", p.invoking_callbacks},
          {"done_bytes_estimate", p.done_bytes_estimate},
          {"complete", p.complete},
          {"took_ms", ms(p.took)},
          {"by_function", functions},
          {"by_cache", caches},
          {"kfree_rcu_batches",
           {{"walked", p.krc.walked},
            {"objects", p.krc.objects},
            {"bytes", p.krc.bytes},
            {"by_cache", krc_caches}}}};
}

}  // namespace

LedgerPart::LedgerPart(LedgerPartOptions options) : opt_(std::move(options)) {
  if (!opt_.open) opt_.open = [](const rcu::LedgerOptions& o) { return rcu::Ledger::open(o); };
  if (!opt_.all_stopped)
    opt_.all_stopped = [](const std::vector<pid_t>& pids) { return kernel::all_stopped(pids); };
  opt_.ledger.freed = opt_.spec.freed;
}

LedgerPart::~LedgerPart() {
  *alive_ = false;
  thread_.reset();
}

std::vector<MetricDef> LedgerPart::declared() {
  return {
      {"rcu.freed_bytes_per_s", "bytes/s",
       "bytes RCU callbacks and kfree_rcu() batches freed per second, system-wide (ledger method "
       "1)",
       "rcu"},
      {"rcu.freed_objects_per_s", "1/s", "slab objects freed through RCU per second, system-wide",
       ""},
      {"rcu.pending_callbacks", "",
       "RCU callbacks queued on every CPU now (waiting for a grace period or being invoked)",
       "rcu cbs"},
      {"rcu.invoked_per_s", "1/s",
       "RCU callbacks invoked per second on every CPU (rcu_data.n_cbs_invoked), system-wide: "
       "what the floods queue and grace periods let through",
       "rcu inv/s"},
      {"rcu.krc_objects", "", "kfree_rcu() objects batched, not yet handed to a grace period", ""},
      {"rcu.pending_bytes", "bytes",
       "memory waiting in RCU now: the objects of the queued callbacks and the kfree_rcu() "
       "batches, by a walk (at walk_interval)",
       "rcu waiting"},
      {"rcu.backlog_bytes", "bytes",
       "what an rcu_barrier() freed (at backlog_interval): memory that was waiting in RCU", ""},
  };
}

template <class F>
void LedgerPart::back_to_io(PartContext& cx, F on_io) {
  boost::asio::post(cx.io, [alive = alive_, on_io = std::move(on_io)]() mutable {
    if (*alive) on_io();
  });
}

Status LedgerPart::setup(PartContext& cx) {
  timers_ = &cx.timers;
  if (!opt_.spec.enabled) {
    error_ = "off (ledger: off)";
    return {};
  }
  if (!opt_.unavailable.empty()) {
    error_ = "off: " + opt_.unavailable;
    cx.emit(LogLine{"RCU ledger " + error_});
    return {};
  }
  thread_ = std::make_unique<JobThread>();
  thread_->post([this, &cx] {
    auto opened = opt_.open(opt_.ledger);
    Result<rcu::LedgerFacts> facts = opened ? Result<rcu::LedgerFacts>((*opened)->facts())
                                            : Result<rcu::LedgerFacts>(opened.error());
    if (opened) {
      ledger_ = std::move(*opened);
      if (ledger_->facts().freed)
        if (auto f = ledger_->freed()) freed_first_ = freed_last_ = std::move(*f);
    }
    back_to_io(cx, [this, &cx, facts = std::move(facts)]() mutable {
      on_opened(std::move(facts), cx);
    });
  });
  return {};
}

void LedgerPart::on_opened(Result<rcu::LedgerFacts> facts, PartContext& cx) {
  if (!facts) {
    error_ = facts.error().message;
    cx.emit(LogLine{"RCU ledger off: " + error_});
    return;
  }
  facts_ = std::move(*facts);
  open_ = true;
  start_timers(cx);
}

void LedgerPart::start_timers(PartContext& cx) {
  if (opt_.spec.walk_interval.count() > 0 && facts_->pending && facts_->sized) request_walk(cx);
  if (opt_.spec.backlog_interval.count() > 0) {
    if (facts_->freed && facts_->pending && facts_->barrier)
      backlog_task_ = cx.timers.after(opt_.spec.backlog_interval, [this, &cx] {
        backlog_task_ = 0;
        request_backlog(cx);
      });
    else
      cx.emit(LogLine{"RCU ledger: no backlog measurements: they need method 1 (ledger.freed), "
                      "method 2 and a writable do_rcu_barrier"});
  }
}

void LedgerPart::request_sample_reading(PartContext& cx) {
  if (!open_ || reading_in_flight_) return;  // a barrier may hold the thread: do not pile up
  reading_in_flight_ = true;
  thread_->post([this, &cx, t_s = cx.now_s()] {
    Reading r;
    r.t_s = t_s;
    if (ledger_->facts().freed) {
      if (auto f = ledger_->freed()) {
        if (freed_last_) {
          auto rates = rcu::freed_rates(*freed_last_, *f, kSeriesTop);
          if (rates.seconds > 0) r.rates = std::move(rates);  // two readings at one instant: none
        }
        freed_last_ = std::move(*f);
      } else {
        r.error = f.error().message;
      }
    }
    if (ledger_->facts().pending) {
      if (auto c = ledger_->pending_counts()) {
        if (counts_last_) r.invoked_per_s = rcu::invoked_per_s(*counts_last_, *c);
        counts_last_ = *c;
        r.counts = std::move(*c);
      } else {
        r.error = c.error().message;
      }
    }
    back_to_io(cx, [this, r = std::move(r)]() mutable { on_reading(std::move(r)); });
  });
}

void LedgerPart::on_reading(Reading r) {
  reading_in_flight_ = false;
  if (r.rates) freed_series_.push_back({r.t_s, *r.rates});
  if (!r.error.empty() && error_.empty()) error_ = "a reading failed: " + r.error;
  if (r.counts) pending_callbacks_.push_back(static_cast<double>(r.counts->total.len));
  if (r.invoked_per_s) invoked_per_s_.push_back(*r.invoked_per_s);
  fresh_reading_ = std::move(r);
}

void LedgerPart::request_walk(PartContext& cx) {
  if (!walk_in_flight_) {
    walk_in_flight_ = true;
    thread_->post([this, &cx] {
      auto w = ledger_->pending_bytes();
      back_to_io(cx, [this, &cx, w = std::move(w)]() mutable { on_walk(std::move(w), cx); });
    });
  }
  walk_task_ = cx.timers.after(opt_.spec.walk_interval, [this, &cx] {
    walk_task_ = 0;
    request_walk(cx);
  });
}

void LedgerPart::on_walk(Result<rcu::PendingBytes> w, PartContext& cx) {
  walk_in_flight_ = false;
  if (!w) {
    if (error_.empty()) error_ = "a walk failed: " + w.error().message;
    return;
  }
  const double bytes = static_cast<double>(waiting_bytes(*w));
  ++walks_;
  if (!w->complete) ++incomplete_walks_;
  walk_retries_ += w->retries;
  walk_ms_max_ = std::max(walk_ms_max_, ms(w->took));
  walk_bytes_.push_back(bytes);
  fresh_walk_bytes_ = bytes;
  if (!largest_walk_ || waiting_bytes(*largest_walk_) < waiting_bytes(*w)) {
    largest_walk_ = std::move(*w);
    largest_walk_t_s_ = cx.now_s();
  }
}

void LedgerPart::request_backlog(PartContext& cx) {
  if (!backlog_in_flight_) {
    backlog_in_flight_ = true;
    std::vector<pid_t> paused;
    if (opt_.spec.pause_floods && cx.freeze_floods) paused = cx.freeze_floods(true);
    frozen_ = !paused.empty();
    const double t_s = cx.now_s();
    thread_->post([this, &cx, paused = std::move(paused), t_s] {
      Backlog b;
      b.t_s = t_s;
      b.floods_paused = static_cast<int>(paused.size());
      const auto t0 = std::chrono::steady_clock::now();
      const auto deadline = t0 + opt_.stop_wait;
      while (!(b.floods_stopped = opt_.all_stopped(paused)) &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      b.stop_wait_ms = ms(std::chrono::steady_clock::now() - t0);
      auto kernel_now = [&cx]() -> std::optional<std::uint64_t> {
        if (!cx.cgroup) return std::nullopt;
        auto m = cx.cgroup->read_memory();
        return m ? std::optional(m->kernel) : std::nullopt;
      };
      b.cgroup_kernel_before = kernel_now();
      auto r = ledger_->barrier_backlog({.walk_first = true});
      b.cgroup_kernel_after = kernel_now();
      Result<Backlog> out = r ? Result<Backlog>(std::move(b)) : Result<Backlog>(r.error());
      if (r) out->barrier = std::move(*r);
      back_to_io(cx, [this, &cx, out = std::move(out)]() mutable {
        on_backlog(std::move(out), cx);
      });
    });
  }
  backlog_task_ = cx.timers.after(opt_.spec.backlog_interval, [this, &cx] {
    backlog_task_ = 0;
    request_backlog(cx);
  });
}

void LedgerPart::thaw(PartContext& cx) {
  if (frozen_ && cx.freeze_floods) cx.freeze_floods(false);
  frozen_ = false;
}

void LedgerPart::read_waiting(PartContext& cx,
                              std::function<void(std::optional<Waiting>)> done) {
  if (!open_ || !thread_ || !facts_->pending || !facts_->sized) return done(std::nullopt);
  thread_->post([this, &cx, done = std::move(done)]() mutable {
    std::optional<Waiting> w;
    auto counts = ledger_->pending_counts();
    auto walk = ledger_->pending_bytes();
    if (counts && walk) w = Waiting{counts->total.len, waiting_bytes(*walk)};
    back_to_io(cx, [w, done = std::move(done)]() mutable { done(w); });
  });
}

void LedgerPart::barrier(PartContext& cx,
                         std::function<void(Result<rcu::BarrierBacklog>)> done) {
  if (!open_ || !thread_ || !facts_->freed || !facts_->pending || !facts_->barrier)
    return done(make_error("the RCU ledger does not run with both methods and a barrier"));
  thread_->post([this, &cx, done = std::move(done)]() mutable {
    auto b = ledger_->barrier_backlog();
    back_to_io(cx, [b = std::move(b), done = std::move(done)]() mutable { done(std::move(b)); });
  });
}

void LedgerPart::on_backlog(Result<Backlog> b, PartContext& cx) {
  backlog_in_flight_ = false;
  thaw(cx);
  if (!b) {
    if (error_.empty()) error_ = "a backlog measurement failed: " + b.error().message;
    return;
  }
  fresh_backlog_bytes_ = static_cast<double>(b->barrier.bytes);
  cx.emit(LogLine{fmt::format(
      "RCU backlog: barrier {} in {:.1f} ms, freed {}{}", rcu::to_string(b->barrier.outcome),
      ms(b->barrier.duration), human_bytes(static_cast<double>(b->barrier.bytes)),
      b->floods_paused ? fmt::format(" ({} flood workers paused)", b->floods_paused) : "")});
  backlogs_.push_back(std::move(*b));
}

Status LedgerPart::measure(Sample& s, PartContext& cx) {
  if (!open_) return {};
  if (fresh_reading_) {
    const Reading& r = *fresh_reading_;
    if (r.rates) {
      s.metrics["rcu.freed_bytes_per_s"] = r.rates->bytes_per_s;
      s.metrics["rcu.freed_objects_per_s"] = r.rates->objects_per_s;
    }
    if (r.counts) {
      s.metrics["rcu.pending_callbacks"] = static_cast<double>(r.counts->total.len);
      if (facts_->krc)
        s.metrics["rcu.krc_objects"] = static_cast<double>(r.counts->total.krc_objects());
    }
    if (r.invoked_per_s) s.metrics["rcu.invoked_per_s"] = *r.invoked_per_s;
    fresh_reading_.reset();
  }
  if (fresh_walk_bytes_) s.metrics["rcu.pending_bytes"] = *std::exchange(fresh_walk_bytes_, {});
  if (fresh_backlog_bytes_)
    s.metrics["rcu.backlog_bytes"] = *std::exchange(fresh_backlog_bytes_, {});
  request_sample_reading(cx);
  return {};
}

Status LedgerPart::teardown(PartContext& cx) {
  cx.timers.cancel(std::exchange(walk_task_, 0));
  cx.timers.cancel(std::exchange(backlog_task_, 0));
  // Lets a barrier in flight finish (tens of ms) and drops what was not started; the thread is
  // joined, so the ledger is this thread's now: one last reading of what was freed, then the
  // BPF programs are detached and freed with it. Results on their way to the io thread are
  // dropped.
  thread_.reset();
  if (ledger_ && ledger_->facts().freed)
    if (auto f = ledger_->freed()) freed_last_ = std::move(*f);
  ledger_.reset();
  *alive_ = false;
  thaw(cx);
  return {};
}

void LedgerPart::contribute(ReportData& report) const {
  nlohmann::ordered_json j = {{"enabled", opt_.spec.enabled},
                              {"running", open_},
                              {"error", error_},
                              {"walk_interval_s", opt_.spec.walk_interval.count() / 1000.0},
                              {"backlog_interval_s", opt_.spec.backlog_interval.count() / 1000.0},
                              {"pause_floods", opt_.spec.pause_floods},
                              {"scope", "system-wide: RCU callbacks carry no cgroup; the backlog's "
                                        "cgroup kernel-memory drop is the campaign's share"}};
  if (facts_) {
    j["flavour"] = facts_->flavour;
    j["coverage"] = {{"freed", facts_->freed},     {"pending", facts_->pending},
                     {"sized", facts_->sized},     {"kfree_rcu_work", facts_->batch_bracket},
                     {"krc", facts_->krc},         {"lazy", facts_->lazy_len},
                     {"sheaves", facts_->sheaves}, {"barrier", facts_->barrier}};
    j["notes"] = facts_->notes;
  }
  if (freed_first_ && freed_last_) {
    const rcu::FreedTotals d = rcu::freed_between(*freed_first_, *freed_last_);
    const double seconds = std::chrono::duration<double>(freed_last_->at - freed_first_->at).count();
    const double seen = static_cast<double>(d.objects + d.recursion_misses);
    j["freed"] = {{"seconds", seconds},
                  {"bytes", d.bytes},
                  {"objects", d.objects},
                  {"bytes_per_s", seconds > 0 ? d.bytes / seconds : 0},
                  {"pages", d.counters.pages},
                  {"kfree_calls", d.counters.kfree_calls},
                  {"kfree_rcu_work_runs", d.counters.batch_runs},
                  {"recursion_misses", d.recursion_misses},
                  {"recursion_miss_percent", seen > 0 ? 100.0 * d.recursion_misses / seen : 0},
                  {"caches", cache_list(d.caches, kReportTop, seconds)}};
  }
  j["pending_callbacks"] = readings_json(pending_callbacks_);
  j["invoked_per_s"] = readings_json(invoked_per_s_);
  j["walks"] = {{"count", walks_},
                {"incomplete", incomplete_walks_},
                {"retries", walk_retries_},
                {"took_ms_max", walk_ms_max_},
                {"bytes_median", median(walk_bytes_)},
                {"bytes_max", walk_bytes_.empty()
                                  ? 0
                                  : *std::max_element(walk_bytes_.begin(), walk_bytes_.end())},
                {"largest", largest_walk_ ? walk_json(*largest_walk_, largest_walk_t_s_)
                                          : nlohmann::ordered_json()}};
  auto backlogs = nlohmann::ordered_json::array();
  for (const Backlog& b : backlogs_) {
    const auto& r = b.barrier;
    nlohmann::ordered_json x = {{"t_s", b.t_s},
                                {"outcome", rcu::to_string(r.outcome)},
                                {"detail", r.detail},
                                {"duration_ms", ms(r.duration)},
                                {"bytes", r.bytes},
                                {"objects", r.objects},
                                {"callbacks_invoked", r.callbacks_invoked},
                                {"pending_before", r.pending_before},
                                {"pending_after", r.pending_after},
                                {"recursion_misses", r.recursion_misses},
                                {"floods_paused", b.floods_paused},
                                {"floods_stopped", b.floods_stopped},
                                {"stop_wait_ms", b.stop_wait_ms},
                                {"by_cache", cache_list(r.by_cache, kBacklogTop, 0)}};
    if (r.pending) {
      x["walk_bytes"] = r.pending->bytes_with_done();
      x["walk_callbacks"] = r.pending->callbacks;
      x["walk_done_callbacks"] = r.pending->done_callbacks;
      x["walk_invoking_callbacks"] = r.pending->invoking_callbacks;
      x["walk_complete"] = r.pending->complete;
      x["walk_retries"] = r.pending->retries;
      x["walk_vs_barrier_percent"] = rcu::disagreement_percent(
          static_cast<double>(r.pending->bytes_with_done()), static_cast<double>(r.bytes));
    }
    if (b.cgroup_kernel_before && b.cgroup_kernel_after) {
      x["cgroup_kernel_before"] = *b.cgroup_kernel_before;
      x["cgroup_kernel_after"] = *b.cgroup_kernel_after;
      const auto drop = static_cast<std::int64_t>(*b.cgroup_kernel_before) -
                        static_cast<std::int64_t>(*b.cgroup_kernel_after);
      x["cgroup_kernel_drop"] = drop;
      // How much of what the barrier freed was charged to the campaign cgroup.
      x["cgroup_drop_percent_of_barrier"] =
          r.bytes > 0 ? 100.0 * static_cast<double>(drop) / static_cast<double>(r.bytes) : 0;
    }
    backlogs.push_back(std::move(x));
  }
  j["backlogs"] = std::move(backlogs);
  // Freed through RCU at each reading (every sample): the rate and the top caches'.
  auto series = nlohmann::ordered_json::array();
  for (const FreedPoint& p : freed_series_) {
    auto top = nlohmann::ordered_json::array();
    for (const rcu::CacheRate& c : p.rates.top) top.push_back({c.name, c.bytes_per_s});
    series.push_back({{"t_s", p.t_s},
                      {"bytes_per_s", p.rates.bytes_per_s},
                      {"objects_per_s", p.rates.objects_per_s},
                      {"top", std::move(top)}});
  }
  j["freed_series"] = std::move(series);
  report.parts["ledger"] = std::move(j);
}

}  // namespace mt::daemon
