#include "daemon/convert.h"

#include "rcu/probe.h"

namespace mt::daemon {
namespace {

void to_pb(const PsiFigures& in, pb::PsiFigures* out) {
  out->set_some_avg10(in.some_avg10);
  out->set_full_avg10(in.full_avg10);
  out->set_some_stall_delta_us(in.some_stall_delta_us);
  out->set_full_stall_delta_us(in.full_stall_delta_us);
}

double micros(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void to_pb(const rcu::LedgerFacts& in, pb::LedgerCoverage* out) {
  out->set_flavour(in.flavour);
  for (int cpu : in.cpus) out->add_cpus(cpu);
  out->set_freed(in.freed);
  out->set_pending(in.pending);
  out->set_batch_bracket(in.batch_bracket);
  out->set_krc(in.krc);
  out->set_lazy_len(in.lazy_len);
  out->set_nocb_bypass(in.nocb_bypass);
  out->set_sheaves(in.sheaves);
  out->set_barrier(in.barrier);
  for (const auto& n : in.notes) out->add_notes(n);
}

void to_pb(const rcu::FreedRates& in, pb::LedgerFreedRates* out) {
  out->set_seconds(in.seconds);
  out->set_bytes_per_s(in.bytes_per_s);
  out->set_objects_per_s(in.objects_per_s);
  out->set_pages_per_s(in.pages_per_s);
  out->set_kfree_per_s(in.kfree_per_s);
  out->set_batch_bytes_per_s(in.batch_bytes_per_s);
  out->set_recursion_misses(in.recursion_misses);
  for (const rcu::CacheRate& c : in.top) {
    auto* o = out->add_top_caches();
    o->set_name(c.name);
    o->set_bytes_per_s(c.bytes_per_s);
    o->set_objects_per_s(c.objects_per_s);
  }
}

void to_pb(const rcu::PendingCounts& in, pb::LedgerPendingCounts* out) {
  const rcu::CpuPendingCounts& t = in.total;
  out->set_callbacks(t.len);
  out->set_done(t.seglen[rcu::kDone]);
  out->set_wait(t.seglen[rcu::kWait]);
  out->set_next_ready(t.seglen[rcu::kNextReady]);
  out->set_next(t.seglen[rcu::kNext]);
  if (t.lazy_len) out->set_lazy(*t.lazy_len);
  if (t.bypass_len) out->set_bypass(*t.bypass_len);
  out->set_krc_objects(t.krc_objects());
  out->set_barrier_sequence(in.barrier_sequence);
}

void to_pb(const rcu::CacheBytes& in, pb::LedgerCacheBytes* out) {
  out->set_name(in.name);
  out->set_object_size(in.object_size);
  out->set_callbacks(in.callbacks);
  out->set_objects(in.objects);
  out->set_bytes(in.bytes);
}

void to_pb(const rcu::PendingBytes& in, pb::LedgerPendingBytes* out) {
  out->set_bytes(in.bytes);
  out->set_bytes_with_done(in.bytes_with_done());
  out->set_callbacks(in.callbacks);
  out->set_expected(in.expected);
  out->set_objects(in.objects);
  out->set_done_callbacks(in.done_callbacks);
  out->set_invoking_callbacks(in.invoking_callbacks);
  out->set_done_bytes_estimate(in.done_bytes_estimate);
  out->set_unsized_callbacks(in.unsized_callbacks);
  out->set_complete(in.complete);
  out->set_retries(in.retries);
  out->set_took_us(micros(in.took));
  for (const rcu::FunctionBytes& f : in.by_function) {
    auto* o = out->add_by_function();
    o->set_name(f.name);
    o->set_callbacks(f.callbacks);
    o->set_objects(f.objects);
    o->set_bytes(f.bytes);
  }
  for (const rcu::CacheBytes& c : in.by_cache) to_pb(c, out->add_by_cache());
  if (in.krc.walked) {
    auto* krc = out->mutable_krc();
    krc->set_objects(in.krc.objects);
    krc->set_bytes(in.krc.bytes);
    for (const rcu::CacheBytes& c : in.krc.by_cache) to_pb(c, krc->add_by_cache());
  }
}

pb::LedgerBarrierBacklog::Outcome to_pb(rcu::BarrierOutcome o) {
  switch (o) {
    case rcu::BarrierOutcome::ran:
      return pb::LedgerBarrierBacklog::OUTCOME_RAN;
    case rcu::BarrierOutcome::skipped:
      return pb::LedgerBarrierBacklog::OUTCOME_SKIPPED;
    case rcu::BarrierOutcome::throttled:
      return pb::LedgerBarrierBacklog::OUTCOME_THROTTLED;
  }
  return pb::LedgerBarrierBacklog::OUTCOME_UNSPECIFIED;
}

void to_pb(const rcu::BarrierBacklog& in, pb::LedgerBarrierBacklog* out) {
  out->set_outcome(to_pb(in.outcome));
  out->set_detail(in.detail);
  out->set_duration_us(micros(in.duration));
  out->set_bytes(in.bytes);
  out->set_objects(in.objects);
  out->set_pages(in.pages);
  out->set_kfree_calls(in.kfree_calls);
  out->set_callbacks_invoked(in.callbacks_invoked);
  out->set_pending_before(in.pending_before);
  out->set_pending_after(in.pending_after);
  out->set_recursion_misses(in.recursion_misses);
  for (const rcu::CacheFreed& c : in.by_cache) {
    auto* o = out->add_by_cache();
    o->set_name(c.name);
    o->set_objects(c.objects);
    o->set_bytes(c.bytes);
  }
}

void to_pb(const rcu::ProbeLedger& in, pb::LedgerReading* out) {
  to_pb(in.facts, out->mutable_coverage());
  if (in.freed) to_pb(*in.freed, out->mutable_freed());
  if (in.counts) to_pb(*in.counts, out->mutable_pending());
  if (in.bytes) to_pb(*in.bytes, out->mutable_pending_bytes());
  if (in.barrier) to_pb(*in.barrier, out->mutable_barrier_backlog());
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

pb::CampaignState to_pb(State s) {
  switch (s) {
    case State::pending:
      return pb::PENDING;
    case State::running:
      return pb::RUNNING;
    case State::passed:
      return pb::PASSED;
    case State::failed:
      return pb::FAILED;
    case State::aborted:
      return pb::ABORTED;
    case State::error:
      return pb::ERROR;
  }
  return pb::CAMPAIGN_STATE_UNSPECIFIED;
}

void to_pb(const Sample& in, pb::Sample* out) {
  out->set_t_s(in.t_s);
  out->set_usage_bytes(in.usage_bytes);
  out->set_limit_bytes(in.limit_bytes);
  out->set_headroom_bytes(in.headroom_bytes);
  out->set_kernel_bytes(in.kernel_bytes);
  out->set_oom_kills(in.oom_kills);
  out->set_failcnt(in.failcnt);
  out->set_peak_bytes(in.peak_bytes);
  for (const auto& [name, value] : in.metrics) (*out->mutable_metrics())[name] = value;
  if (in.cgroup_psi) to_pb(*in.cgroup_psi, out->mutable_cgroup_psi());
  if (in.system_psi) to_pb(*in.system_psi, out->mutable_system_psi());
}

void to_pb(const campaign::Diagnostic& in, pb::ConfigError* out) {
  out->set_file(in.file);
  out->set_line(static_cast<std::uint32_t>(in.line));
  out->set_column(static_cast<std::uint32_t>(in.column));
  out->set_message(in.message);
}

void to_pb(const WorkloadStatus& in, pb::WorkloadStatus* out) {
  out->set_name(in.name);
  out->set_type(in.type);
  out->set_kind(in.kind);
  out->set_state(in.state);
  out->set_pid(in.pid);
  out->set_threads(in.threads);
  out->set_ops(in.ops);
  out->set_ops_per_s(in.ops_per_s);
  out->set_errors(in.errors);
  out->set_bytes(in.bytes);
  out->set_exit_status(in.exit_status);
  out->set_paused(in.paused);
  out->set_rate(in.rate);
}

void to_pb(const CriterionResult& in, pb::CriterionResult* out) {
  out->set_name(in.name);
  out->set_limit(in.limit);
  out->set_value(in.value);
  out->set_pass(in.pass);
  out->set_detail(in.detail);
}

void to_pb(const CampaignView& in, pb::Campaign* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_state(to_pb(in.state));
  out->set_elapsed_s(in.elapsed_s);
  out->set_duration_s(in.duration_s);
  out->set_reason(in.reason);
  if (in.latest) to_pb(*in.latest, out->mutable_latest());
  out->set_peak_bytes(in.peak_bytes);
  if (in.min_headroom_bytes) {
    out->set_min_headroom_bytes(*in.min_headroom_bytes);
    out->set_has_min_headroom(true);
  }
  out->set_max_kernel_bytes(in.max_kernel_bytes);
  out->set_failcnt(in.failcnt);
  for (const auto& m : in.metrics) {
    auto* def = out->add_metrics();
    def->set_name(m.name);
    def->set_unit(m.unit);
    def->set_help(m.help);
    def->set_label(m.label);
  }
  for (const auto& w : in.workloads) to_pb(w, out->add_workloads());
  for (const auto& c : in.criteria) to_pb(c, out->add_criteria());
  out->set_file_name(in.file_name);
  out->set_started_unix_ms(in.started_unix_ms);
  out->set_report_path(in.report_path);
}

void to_pb(const Event& in, pb::CampaignEvent* out) {
  out->set_t_s(in.t_s);
  std::visit(Overloaded{
                 [&](const CampaignView& v) { to_pb(v, out->mutable_snapshot()); },
                 [&](const Sample& s) { to_pb(s, out->mutable_sample()); },
                 [&](const WorkloadsUpdate& ws) {
                   auto* update = out->mutable_workloads();  // sets the case even when empty
                   for (const auto& w : ws) to_pb(w, update->add_workloads());
                 },
                 [&](const StateChange& s) {
                   out->mutable_state()->set_state(to_pb(s.state));
                   out->mutable_state()->set_reason(s.reason);
                 },
                 [&](const OomKill& o) {
                   out->mutable_oom_kill()->set_total(o.total);
                   out->mutable_oom_kill()->set_workload(o.workload);
                 },
                 [&](const CriterionResult& c) { to_pb(c, out->mutable_criterion()); },
                 [&](const PsiTriggerEvent& p) {
                   out->mutable_psi_trigger()->set_kind(p.kind);
                   out->mutable_psi_trigger()->set_stall_us(p.stall_us);
                   out->mutable_psi_trigger()->set_window_us(p.window_us);
                 },
                 [&](const LogLine& l) { out->set_log(l.text); },
             },
             in.body);
}

void to_pb(const rcu::ProbeResult& r, pb::ProbeRcuResponse* resp) {
  auto& out = *resp;
  out.set_knobs(r.knobs);
  for (double us : r.gp_us) out.add_gp_latency_us(us);
  out.set_gp_p50_us(r.gp.percentile(50).value_or(0));
  out.set_gp_p90_us(r.gp.percentile(90).value_or(0));
  out.set_gp_p99_us(r.gp.percentile(99).value_or(0));
  out.set_gp_max_us(r.gp.max().value_or(0));
  out.set_gp_error(r.gp_error);
  out.set_barrier_timed(r.barrier_us.has_value());
  out.set_barrier_us(r.barrier_us.value_or(0));
  out.set_barrier_error(r.barrier_error);
  if (r.barrier_us)
    out.set_barrier_note(
        "the kernel throttles barriers: one that returns at once may have been skipped rather "
        "than have found nothing queued");
  if (r.ledger) to_pb(*r.ledger, out.mutable_ledger());
  out.set_ledger_error(r.ledger_error);
}

void set_ledger_availability(const std::string& unavailable_reason,
                             const std::string& unsized_reason, pb::SystemInfo* out) {
  out->set_ledger_available(unavailable_reason.empty());
  out->set_ledger_unavailable_reason(unavailable_reason);
  if (unavailable_reason.empty()) out->set_ledger_unsized_reason(unsized_reason);
}

void to_pb(const OomProximityView& v, const std::string& of, pb::OomProximity* out) {
  out->set_of(of);
  out->set_level(std::string(campaign::to_string(v.level)));
  out->set_score(v.score);
  out->set_reason(v.reason);
  out->set_has_eta(v.eta_s.has_value());
  out->set_eta_s(v.eta_s.value_or(0));
  out->set_eta_low_s(v.eta_low_s.value_or(0));
  out->set_eta_high_s(v.eta_high_s.value_or(0));
  out->set_growth_bytes_per_s(v.growth_bytes_per_s);
  out->set_usage_bytes(v.usage_bytes);
  out->set_limit_bytes(v.limit_bytes);
  out->set_reclaimable_bytes(v.reclaimable_bytes);
  out->set_rcu_waiting_bytes(v.rcu_waiting_bytes);
  out->set_effective_headroom_bytes(v.effective_headroom_bytes);
  out->set_has_psi(v.psi_some_avg10.has_value());
  out->set_psi_some_avg10(v.psi_some_avg10.value_or(0));
  out->set_psi_full_avg10(v.psi_full_avg10.value_or(0));
  out->set_oom_kills(v.oom_kills);
  out->set_failcnt(v.failcnt);
  out->set_has_reclaim_rates(v.scan_pages_per_s.has_value());
  out->set_scan_pages_per_s(v.scan_pages_per_s.value_or(0));
  out->set_steal_pages_per_s(v.steal_pages_per_s.value_or(0));
  out->set_t_s(v.t_s);
}

}  // namespace mt::daemon
