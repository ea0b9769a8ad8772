#include "daemon/variants_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "campaign/parse.h"
#include "campaign/variants.h"
#include "common/fs.h"

namespace mt::daemon {

namespace asio = boost::asio;

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a variant changes, in words, for its report section.
nlohmann::ordered_json overrides_json(const campaign::VariantSpec& v) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (v.reactions) {
    auto names = nlohmann::ordered_json::array();
    for (const auto& r : *v.reactions) names.push_back(r.name);
    j["reactions"] = names;
  }
  for (const auto& k : v.kernel) j["kernel"][k.name] = k.value;
  for (const auto& f : v.floods) {
    if (f.threads) j["workloads"][f.workload]["threads"] = *f.threads;
    if (f.rate) j["workloads"][f.workload]["rate"] = *f.rate ? nlohmann::ordered_json(**f.rate)
                                                             : nlohmann::ordered_json("unlimited");
  }
  if (v.memory_limit) j["memory_limit_bytes"] = *v.memory_limit;
  return j;
}

}  // namespace

VariantsRunner::VariantsRunner(asio::io_context& io, Scheduler& timers, RunnerOptions options,
                               CampaignInput input, EventSink sink, OnFinished on_finished,
                               VariantsOptions variants)
    : io_(io),
      timers_(timers),
      clock_(timers.clock()),
      opt_(std::move(options)),
      in_(std::move(input)),
      sink_(std::move(sink)),
      on_finished_(std::move(on_finished)),
      vopt_(std::move(variants)) {
  if (!vopt_.barrier) vopt_.barrier = rcu_barrier_call(opt_);
  int n = 0;
  for (std::size_t v = 0; v < in_.spec.variants.size(); ++v)
    for (std::uint32_t k = 1; k <= in_.spec.variants[v].repeat; ++k)
      runs_.push_back({.variant = v, .repeat = static_cast<int>(k),
                       .id = fmt::format("{}.{}", in_.id, ++n)});
}

VariantsRunner::~VariantsRunner() {
  *alive_ = false;
  thread_.reset();
}

std::filesystem::path VariantsRunner::report_dir() const {
  return (opt_.reports_dir.empty() ? opt_.state_dir / "reports" : opt_.reports_dir) / in_.id;
}

double VariantsRunner::now_s() const {
  if (start_ == Clock::time_point{}) return 0;
  return std::chrono::duration<double>(clock_.now() - start_).count();
}

void VariantsRunner::emit(Event::Body body) {
  sink_(Event{now_s(), std::move(body)});
}

void VariantsRunner::start() {
  start_ = clock_.now();
  started_unix_ms_ = unix_ms_now();
  state_ = State::running;
  thread_ = std::make_unique<JobThread>();
  std::error_code ec;
  std::filesystem::create_directories(report_dir() / "runs", ec);
  if (ec) return finish(fmt::format("cannot create {}: {}", report_dir().string(), ec.message()));
  if (auto st = fs::write_file(report_dir() / kCampaignFile, in_.normalized_yaml, true); !st)
    return finish(st.error().message);
  emit(StateChange{State::running, fmt::format("running {} variants, {} runs",
                                                 in_.spec.variants.size(), runs_.size())});
  start_next();
}

void VariantsRunner::start_next() {
  if (stopping_ || next_ >= runs_.size()) return finish("");
  Run& run = runs_[next_++];
  const campaign::VariantSpec& v = in_.spec.variants[run.variant];
  CampaignInput sub;
  sub.id = run.id;
  sub.file_name = in_.file_name;
  sub.spec = campaign::apply_variant(in_.spec, v);
  sub.normalized_yaml = campaign::to_yaml(sub.spec);
  RunnerOptions o = opt_;
  o.reports_dir = report_dir() / "runs";
  emit(LogLine{fmt::format("variant {} run {}/{} ({} of {} in all) starting: {}", v.name,
                           run.repeat, v.repeat, next_, runs_.size(), run.id)});
  current_ = std::make_unique<CampaignRunner>(
      io_, timers_, std::move(o), std::move(sub),
      [this, alive = alive_](const Event& ev) {
        if (*alive) on_run_event(ev);
      },
      [this, alive = alive_] {
        if (*alive) on_run_finished();
      });
  current_->start();
}

void VariantsRunner::on_run_event(const Event& ev) {
  if (std::holds_alternative<CampaignView>(ev.body) ||
      std::holds_alternative<CriterionResult>(ev.body))
    return;  // the run's own summary: the campaign's is this runner's
  if (const auto* sc = std::get_if<StateChange>(&ev.body)) {
    if (is_final(sc->state)) {
      const Run& run = runs_[next_ - 1];
      emit(LogLine{fmt::format("variant {} run {}/{}: {}: {}", in_.spec.variants[run.variant].name,
                               run.repeat, in_.spec.variants[run.variant].repeat,
                               to_string(sc->state), sc->reason)});
    }
    return;
  }
  emit(ev.body);
}

void VariantsRunner::on_run_finished() {
  Run& run = runs_[next_ - 1];
  const CampaignView v = current_->view();
  run.verdict = v.state;
  run.reason = v.reason;
  run.report = v.report_path;
  run.ran_s = v.elapsed_s;
  last_workloads_ = v.workloads;
  ended_.push_back(std::move(current_));
  // The runner is inside its own finish(): let it unwind before it goes.
  asio::post(io_, [this, alive = alive_] {
    if (*alive) ended_.clear();
  });
  settle_then_next();
}

void VariantsRunner::settle_then_next() {
  if (stopping_ || next_ >= runs_.size()) return finish("");
  // The previous run's workers are gone and its cgroup removed; its RCU callbacks may still be
  // queued: a barrier lets them run, then a pause for the slab to settle.
  const std::size_t ran = next_ - 1;
  const auto t0 = clock_.now();
  thread_->post([this, alive = alive_, ran, t0] {
    auto took = vopt_.barrier();
    asio::post(io_, [this, alive, ran, t0, took] {
      if (!*alive) return;
      if (!took)
        emit(LogLine{fmt::format("settle: the barrier between runs failed: {}",
                                 took.error().message)});
      timers_.after(vopt_.settle, [this, alive, ran, t0] {
        if (!*alive) return;
        runs_[ran].settle_ms = std::chrono::duration<double, std::milli>(clock_.now() - t0).count();
        start_next();
      });
    });
  });
}

void VariantsRunner::stop(const std::string& reason) {
  if (stopping_ || is_final(state_)) return;
  stopping_ = true;
  stop_reason_ = reason;
  if (current_) current_->stop(reason);  // its end finishes this campaign
  // Between two runs the settle step's end does.
}

void VariantsRunner::control(const std::string& name, const workloads::Control& command,
                             ControlDone done) {
  if (!current_)
    return done({ControlOutcome::Code::not_running,
                 fmt::format("campaign {} is between two runs of its variants", in_.id), {}});
  current_->control(name, command, std::move(done));
}

void VariantsRunner::finish(const std::string& error) {
  if (is_final(state_)) return;
  ended_s_ = now_s();
  ended_unix_ms_ = unix_ms_now();
  std::vector<VariantRuns> by_variant(in_.spec.variants.size());
  for (std::size_t v = 0; v < by_variant.size(); ++v) {
    by_variant[v].name = in_.spec.variants[v].name;
    by_variant[v].expect_fail = in_.spec.variants[v].expect_fail;
  }
  auto runs_json = nlohmann::ordered_json::array();
  std::string missing;
  for (const Run& run : runs_) {
    if (!run.verdict) continue;  // not started (stopped before)
    nlohmann::ordered_json j = {{"id", run.id},
                                {"variant", in_.spec.variants[run.variant].name},
                                {"repeat", run.repeat},
                                {"verdict", to_string(*run.verdict)},
                                {"reason", run.reason},
                                {"report", run.report.string()},
                                {"ran_s", run.ran_s},
                                {"settle_ms", run.settle_ms}};
    runs_json.push_back(j);
    auto text = run.report.empty() ? Result<std::string>(make_error("no report"))
                                   : fs::read_file(run.report);
    auto report = text ? nlohmann::ordered_json::parse(*text, nullptr, false)
                       : nlohmann::ordered_json();
    if (!text || report.is_discarded()) {
      missing += fmt::format("{}{}", missing.empty() ? "" : ", ", run.id);
      RunFigures f;
      f.verdict = *run.verdict;
      f.reason = run.reason;
      by_variant[run.variant].runs.push_back(f);
      continue;
    }
    by_variant[run.variant].runs.push_back(run_figures(report));
  }
  comparison_ = compare_variants(by_variant);
  State verdict = comparison_->verdict;
  std::string reason = comparison_->reason;
  if (stopping_) {
    verdict = State::aborted;
    reason = stop_reason_;
  }
  if (!error.empty()) {
    verdict = State::error;
    reason = error;
  } else if (!missing.empty() && verdict != State::aborted) {
    verdict = State::error;
    reason = fmt::format("no report for run(s) {}", missing);
  }

  auto sections = nlohmann::ordered_json::array();
  for (std::size_t v = 0; v < in_.spec.variants.size(); ++v) {
    const auto& spec = in_.spec.variants[v];
    auto runs = nlohmann::ordered_json::array();
    for (const auto& r : runs_json)
      if (r["variant"] == spec.name) runs.push_back(r);
    sections.push_back({{"name", spec.name},
                        {"expect", spec.expect_fail ? "fail" : "pass"},
                        {"repeat", spec.repeat},
                        {"overrides", overrides_json(spec)},
                        {"runs", runs},
                        {"figures", comparison_->table[v]}});
  }
  ReportData r = report_opening(
      in_, opt_.host, started_unix_ms_, ended_unix_ms_,
      std::chrono::duration<double>(in_.spec.duration).count() * static_cast<double>(runs_.size()),
      ended_s_, verdict, reason);
  r.parts["variants"] = {{"variants", sections},
                         {"table", comparison_->table},
                         {"table_text", comparison_->text},
                         {"best", comparison_->best}};
  state_ = verdict;
  reason_ = reason;
  if (auto st = write_report(report_dir(), to_json(r)); !st) {
    spdlog::error("campaign {}: {}", in_.id, st.error().message);
    reason_ += "; report not written: " + st.error().message;
  } else {
    report_written_ = true;
  }
  for (const auto& line : comparison_->text) emit(LogLine{line});
  spdlog::info("campaign {}: {}: {}", in_.id, to_string(state_), reason_);
  emit(StateChange{state_, reason_});
  emit(view());
  on_finished_();
}

double VariantsRunner::expected_duration_s(double run_elapsed_s, double elapsed_s) const {
  const double run_s = std::chrono::duration<double>(in_.spec.duration).count();
  const double settle_s = std::chrono::duration<double>(vopt_.settle).count();
  const double n = static_cast<double>(runs_.size());
  // As planned: every run and a settle step between two of them (the barrier's time aside).
  const double planned = n * run_s + std::max(0.0, n - 1) * settle_s;
  if (is_final(state_) || next_ == 0) return std::max(planned, elapsed_s);
  // As it goes: what is left of this run and the runs after it, each with the settle step
  // before it; between two runs, this settle step and the runs after it.
  const double after = n - static_cast<double>(next_);
  const double left = current_ ? std::max(0.0, run_s - run_elapsed_s) + after * (run_s + settle_s)
                               : settle_s + after * run_s + std::max(0.0, after - 1) * settle_s;
  return std::max(planned, elapsed_s + left);
}

CampaignView VariantsRunner::view() const {
  CampaignView v;
  if (current_ && !is_final(state_)) v = current_->view();
  const double run_elapsed_s = v.elapsed_s;
  v.id = in_.id;
  v.name = in_.spec.name;
  v.state = state_;
  v.elapsed_s = is_final(state_) ? ended_s_ : now_s();
  v.duration_s = expected_duration_s(run_elapsed_s, v.elapsed_s);
  v.reason = is_final(state_) ? reason_
             : current_       ? fmt::format("run {} of {}: {}", next_, runs_.size(), v.reason)
                              : "between two runs";
  v.file_name = in_.file_name;
  v.started_unix_ms = started_unix_ms_;
  v.report_path = report_written_ ? (report_dir() / "report.json").string() : "";
  if (is_final(state_)) {
    v.workloads = last_workloads_;  // the last run's: each run's are in its own report
    v.criteria.clear();
  }
  return v;
}

}  // namespace mt::daemon
