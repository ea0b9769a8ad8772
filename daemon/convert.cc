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
}

}  // namespace mt::daemon
