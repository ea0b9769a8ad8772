#include "daemon/campaign_runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <utility>

#include "campaign/parse.h"
#include "common/fs.h"
#include "common/units.h"
#include "daemon/journal.h"
#include "daemon/parts/burst_part.h"
#include "daemon/parts/gp_probe_part.h"
#include "daemon/parts/kernel_knobs_part.h"
#include "daemon/parts/ledger_part.h"
#include "daemon/parts/oom_proximity_part.h"
#include "daemon/parts/psi_trigger_part.h"
#include "daemon/parts/rcu_stall_part.h"
#include "daemon/parts/reactions_part.h"
#include "daemon/parts/sampling_part.h"
#include "daemon/parts/workload_rate_part.h"
#include "daemon/verdict.h"
#include "daemon/worker_process.h"
#include "kernel/psi.h"
#include "rcu/probe.h"
#include "workloads/floods/flood_kind.h"
#include "workloads/protocol.h"
#include "workloads/rcutorture.h"

namespace mt::daemon {

namespace asio = boost::asio;
using std::chrono::duration;
using std::chrono::duration_cast;

namespace {

std::int64_t unix_ms_now() {
  return duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The worker stops on its own after this long even if every signal is lost.
constexpr std::chrono::milliseconds kWorkerSafetyMargin{10000};
constexpr double kRateWindowS = 1.0;

// A workload's result for the log: "stress-ng vm: 27380 bogo ops (9.1k/s), max RSS 34.0Mi".
std::string describe_result(const workloads::ResultRecord& r) {
  auto field = [&](std::string_view key) -> std::string {
    for (const auto& [k, v] : r.fields)
      if (k == key) return v;
    return {};
  };
  if (r.section == "stress_ng") {
    std::string text = fmt::format("stress-ng {}: {} bogo ops", field("stressor"), field("bogo-ops"));
    if (auto rate = field("bogo-ops-per-second-real-time"); !rate.empty())
      text += fmt::format(" ({}/s)", human_count(std::strtod(rate.c_str(), nullptr)));
    if (auto rss = field("max-rss"); !rss.empty())  // KiB
      text += fmt::format(", max RSS {}", human_bytes(std::strtod(rss.c_str(), nullptr) * 1024));
    return text;
  }
  std::string text = r.section;
  for (const auto& [k, v] : r.fields) text += fmt::format(" {}={}", k, v);
  return text;
}

// The kernel's high-water mark over the run: every sample carries the peak so far.
std::uint64_t kernel_peak(const std::vector<Sample>& samples) {
  std::uint64_t peak = 0;
  for (const auto& s : samples) peak = std::max(peak, s.peak_bytes);
  return peak;
}

}  // namespace

CampaignRunner::CampaignRunner(asio::io_context& io, Scheduler& timers, RunnerOptions options,
                               CampaignInput input, EventSink sink, OnFinished on_finished)
    : io_(io),
      timers_(timers),
      clock_(timers.clock()),
      opt_(std::move(options)),
      in_(std::move(input)),
      sink_(std::move(sink)),
      on_finished_(std::move(on_finished)),
      procs_(opt_.worker_ops ? opt_.worker_ops : kernel_worker_ops()),
      cx_{io,
          timers,
          [this] { return now_s(); },
          [this](Event::Body b) { emit(std::move(b)); },
          std::nullopt,
          nullptr,
          [this](bool frozen) { return freeze_floods(frozen); },
          [this](const std::string& name, const workloads::Control& command,
                 PartContext::ControlDone done) {
            control(name, command, [done = std::move(done)](ControlOutcome o) {
              done(o.code == ControlOutcome::Code::applied, o.message);
            });
          },
          [this](const std::string& name) -> std::optional<std::uint64_t> {
            for (const auto& w : workers_)
              if (w->spec.name == name && !w->reaped && w->status.state == "running")
                return w->status.ops;
            return std::nullopt;
          }} {
  for (const auto& spec : in_.spec.workloads) {
    auto w = std::make_unique<Worker>();
    w->spec = spec;
    w->status.name = spec.name;
    w->status.type = std::string(spec.type_name());
    if (const campaign::FloodSpec* f = spec.flood()) {
      w->status.kind = std::string(f->kind->name);
      w->status.threads = f->threads;
    } else {
      w->status.threads = 1;
    }
    workers_.push_back(std::move(w));
  }
}

CampaignRunner::~CampaignRunner() {
  *alive_ = false;
  for (auto id : {sample_task_, duration_task_, kill_task_}) timers_.cancel(id);
  for (auto& w : workers_) timers_.cancel(w->start_task);
  if (remover_.joinable()) remover_.join();
  for (auto& w : workers_)
    if (w->control_fd >= 0) ::close(w->control_fd);
  // The engine keeps runners until the daemon exits, by which time every campaign has
  // completed; this only matters if that ordering is ever broken.
  for (auto& w : workers_)
    if (!w->reaped) procs_->signal(w->status.pid, SIGKILL);
}

std::filesystem::path CampaignRunner::report_dir() const {
  return (opt_.reports_dir.empty() ? opt_.state_dir / "reports" : opt_.reports_dir) / in_.id;
}

double CampaignRunner::now_s() const {
  if (start_ == Clock::time_point{}) return 0;
  return duration<double>(clock_.now() - start_).count();
}

void CampaignRunner::emit(Event::Body body) {
  Event ev{now_s(), std::move(body)};
  if (journal_) journal_->record(ev);
  sink_(ev);
  if (std::holds_alternative<StateChange>(ev.body) || std::holds_alternative<OomKill>(ev.body) ||
      std::holds_alternative<PsiTriggerEvent>(ev.body))
    tell_parts(ev);
}

void CampaignRunner::tell_parts(const Event& ev) {
  if (telling_parts_) return;
  telling_parts_ = true;
  for (auto& part : parts_) part->on_event(ev, cx_);
  telling_parts_ = false;
}

void CampaignRunner::set_state(State s, const std::string& reason) {
  state_ = s;
  reason_ = reason;
  emit(StateChange{s, reason});
}

void CampaignRunner::fail(const std::string& reason) {
  if (stopping_) {  // the first error decides; this one is only logged
    spdlog::warn("campaign {}: while stopping: {}", in_.id, reason);
    emit(LogLine{"while stopping: " + reason});
    return;
  }
  spdlog::error("campaign {}: {}", in_.id, reason);
  begin_stop(State::error, reason);
}

// ---- start ------------------------------------------------------------------------------

void CampaignRunner::start() {
  start_ = clock_.now();
  started_unix_ms_ = unix_ms_now();
  state_ = State::running;  // so that a failure below goes through the normal teardown

  std::error_code ec;
  std::filesystem::create_directories(report_dir(), ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", report_dir().string(), ec.message()));
  // What ran, kept even if the daemon dies before the report is written (see
  // Engine::load_reports).
  if (auto st = fs::write_file(report_dir() / kCampaignFile, in_.normalized_yaml, true); !st)
    return fail(st.error().message);
  if (auto j = Journal::create(report_dir())) {
    journal_.emplace(std::move(j).value());
  } else {
    spdlog::warn("campaign {}: {}; a crash would lose its samples", in_.id, j.error().message);
  }
  std::filesystem::create_directories(opt_.state_dir / "run" / in_.id, ec);
  if (ec) return fail(fmt::format("cannot create the run directory: {}", ec.message()));

  cgroup::Limits limits{in_.spec.cgroup.memory_limit, in_.spec.cgroup.memory_high};
  auto cg = cgroup::CampaignCgroup::create(opt_.layout, opt_.cgroup_prefix, in_.id, limits,
                                           opt_.cgroup_ops ? opt_.cgroup_ops : cgroup::kernel_ops());
  if (!cg) return fail(cg.error().message);
  cgroup_ = std::move(cg).value();
  spdlog::info("campaign {}: cgroup {} limit {}", in_.id, cgroup_->memory_path().string(),
               human_bytes(static_cast<double>(in_.spec.cgroup.memory_limit)));

  set_state(State::running, "running");
  set_up_parts();
  if (stopping_) return;
  for (auto& wp : workers_) {
    Worker& w = *wp;
    if (w.spec.start_after.count() == 0) {
      launch(w);
      if (stopping_) return;
      continue;
    }
    w.start_task = timers_.at(start_ + w.spec.start_after, [this, &w] {
      w.start_task = 0;
      if (!stopping_) launch(w);
    });
  }
  take_sample();
  if (stopping_) return;
  schedule_sample(1);
  duration_task_ = timers_.at(start_ + in_.spec.duration, [this] {
    duration_task_ = 0;
    begin_stop(State::running, "duration reached");
  });
}

void CampaignRunner::set_up_parts() {
  cx_.pressure_file = cgroup_->pressure_file();
  cx_.cgroup = cgroup_.get();
  // First, so that the knobs are in force for every other part and put back after all of them.
  auto knobs = std::make_unique<KernelKnobsPart>(
      opt_.sys_root, opt_.state_dir / rcu::kKnobJournalFile, in_.spec.kernel);
  KernelKnobsPart* knobs_part = knobs.get();
  parts_.push_back(std::move(knobs));
  parts_.push_back(std::make_unique<SamplingPart>(opt_.system_pressure));
  OomPartOptions oom_options{.kmsg = opt_.kmsg};
  for (const auto& w : in_.spec.workloads)
    if (w.stress_ng() != nullptr) oom_options.task_owners.push_back({"stress-ng", w.name});
  auto oom = std::make_unique<OomPart>(std::move(oom_options));
  oom_ = oom.get();
  parts_.push_back(std::move(oom));
  auto criteria = std::make_unique<CriteriaPart>(in_.spec.criteria, clock_, start_);
  criteria_ = criteria.get();
  parts_.push_back(std::move(criteria));
  parts_.push_back(std::make_unique<PsiTriggerPart>(in_.spec.psi_trigger));
  GpProbeOptions gp;
  gp.sys = opt_.sys_root;
  gp.cpus = opt_.host.cpus;
  gp.interval = in_.spec.gp_probe_interval;
  if (opt_.gp_measure) gp.measure = opt_.gp_measure;
  parts_.push_back(std::make_unique<GpProbePart>(std::move(gp)));
  LedgerPartOptions ledger;
  ledger.spec = in_.spec.ledger;
  ledger.ledger.sys = opt_.sys_root;
  ledger.ledger.proc = opt_.proc_root;
  ledger.open = opt_.ledger_open;
  ledger.unavailable = opt_.ledger_unavailable;
  auto ledger_part = std::make_unique<LedgerPart>(std::move(ledger));
  LedgerPart* ledger_ptr = ledger_part.get();
  parts_.push_back(std::move(ledger_part));
  parts_.push_back(std::make_unique<RcuStallPart>(opt_.sys_root));
  std::vector<std::string> workload_names;
  for (const auto& w : in_.spec.workloads) workload_names.push_back(w.name);
  parts_.push_back(std::make_unique<WorkloadRatePart>(std::move(workload_names)));
  // After the ledger: it counts the ledger's latest walk of memory waiting in RCU.
  OomProximityOptions proximity;
  proximity.proc = opt_.proc_root;
  parts_.push_back(std::make_unique<OomProximityPart>(std::move(proximity)));
  if (!in_.spec.reactions.empty()) {
    ReactionsPartOptions r;
    r.reactions = in_.spec.reactions;
    r.sample_interval = in_.spec.sample_interval;
    for (const auto& w : in_.spec.workloads)
      if (const campaign::FloodSpec* f = w.flood())
        r.flood_rates[w.name] = f->rate ? static_cast<double>(*f->rate) : 0;
    r.knobs = knobs_part->knobs();
    r.ledger = ledger_ptr;
    r.gp_kick = opt_.gp_measure ? opt_.gp_measure : rcu::GpProber::Measure(rcu::time_global_membarrier);
    r.barrier = rcu_barrier_call(opt_);
    r.reclaim = opt_.memory_reclaim ? opt_.memory_reclaim
                                    : [](const std::filesystem::path& dir, std::uint64_t bytes) {
                                        return fs::write_file(dir / "memory.reclaim",
                                                              std::to_string(bytes));
                                      };
    parts_.push_back(std::make_unique<ReactionsPart>(std::move(r)));
  }
  BurstPartOptions bursts;
  for (const auto& w : in_.spec.workloads)
    if (const campaign::FloodSpec* f = w.flood(); f != nullptr && f->bursts)
      bursts.floods[w.name] = *f->bursts;
  if (!bursts.floods.empty()) {
    bursts.sample_interval = in_.spec.sample_interval;
    bursts.ledger = ledger_ptr;
    bursts.barrier = rcu_barrier_call(opt_);
    parts_.push_back(std::make_unique<BurstPart>(std::move(bursts)));
  }
  if (opt_.extra_parts)
    for (auto& part : opt_.extra_parts()) parts_.push_back(std::move(part));
  for (auto& part : parts_) {
    ++parts_set_up_;  // its teardown runs even if its setup fails: it undoes what it did
    if (auto st = part->setup(cx_); !st)
      return fail(fmt::format("{}: {}", part->name(), st.error().message));
  }
}

std::vector<MetricDef> CampaignRunner::metric_defs() const {
  std::vector<MetricDef> all;
  for (const auto& part : parts_)
    for (auto& m : part->metrics()) all.push_back(std::move(m));
  return all;
}

// Before the cgroup goes; also after an error or an abort.
std::string CampaignRunner::tear_down_parts() {
  std::vector<std::string> errors;
  while (parts_set_up_ > 0) {
    auto& part = *parts_[--parts_set_up_];
    if (auto st = part.teardown(cx_); !st)
      errors.push_back(fmt::format("{}: {}", part.name(), st.error().message));
  }
  return fmt::format("{}", fmt::join(errors, "; "));
}

// ---- workers ----------------------------------------------------------------------------

std::vector<std::string> CampaignRunner::worker_args(const Worker& w) const {
  const auto runtime = in_.spec.duration - w.spec.start_after + kWorkerSafetyMargin;
  std::vector<std::string> args = {"--workload", campaign::workload_to_yaml(w.spec)};
  if (w.spec.needs_dir()) args.insert(args.end(), {"--dir", work_dir(w).string()});
  args.insert(args.end(), {"--max-runtime-ms", std::to_string(runtime.count())});
  return args;
}

std::filesystem::path CampaignRunner::work_dir(const Worker& w) const {
  return opt_.state_dir / "run" / in_.id / w.spec.name;
}

void CampaignRunner::launch(Worker& w) {
  if (w.spec.needs_dir()) {
    std::error_code ec;
    std::filesystem::create_directories(work_dir(w), ec);
    if (ec)
      return fail(
          fmt::format("workload {}: cannot create its directory: {}", w.spec.name, ec.message()));
  }
  SpawnOptions so;
  so.executable = opt_.worker_path;
  so.args = worker_args(w);
  for (const auto& p : cgroup_->procs_files()) so.cgroup_procs.push_back(p);
  so.log_file = report_dir() / (w.spec.name + ".log");
  auto spawned = procs_->spawn(so);
  if (!spawned) return fail(fmt::format("workload {}: {}", w.spec.name, spawned.error().message));
  w.status.pid = spawned->pid;
  w.status.state = "running";
  w.started_s = now_s();
  w.reaped = false;
  w.report_closed = false;
  w.control_fd = spawned->control_fd;
  w.report = std::make_unique<asio::posix::stream_descriptor>(io_, spawned->report_fd);
  w.pidfd = std::make_unique<asio::posix::stream_descriptor>(io_, spawned->pidfd);
  spdlog::info("campaign {}: workload {} started, pid {}", in_.id, w.spec.name, w.status.pid);
  read_reports(w);
  wait_exit(w);
}

void CampaignRunner::read_reports(Worker& w) {
  asio::async_read_until(
      *w.report, w.buffer, '\n',
      [this, &w, alive = alive_](const boost::system::error_code& ec, std::size_t n) {
        if (!*alive) return;
        if (ec) {  // EOF: the worker exited (or closed its end)
          w.report_closed = true;
          boost::system::error_code ignored;
          w.report->close(ignored);
          maybe_complete();
          return;
        }
        std::string line(asio::buffers_begin(w.buffer.data()),
                         asio::buffers_begin(w.buffer.data()) + static_cast<std::ptrdiff_t>(n));
        w.buffer.consume(n);
        on_line(w, line);
        read_reports(w);
      });
}

void CampaignRunner::on_line(Worker& w, std::string_view line) {
  auto msg = workloads::parse_message(line);
  if (!msg) {
    spdlog::warn("campaign {}: workload {}: {}", in_.id, w.spec.name, msg.error().message);
    return;
  }
  using Kind = workloads::Message::Kind;
  if (msg->kind == Kind::hello) {
    if (msg->hello.version != workloads::kProtocolVersion)
      emit(LogLine{fmt::format("workload {}: its worker speaks protocol version {}, this daemon {}",
                               w.spec.name, msg->hello.version, workloads::kProtocolVersion)});
    return;
  }
  if (msg->kind == Kind::applied || msg->kind == Kind::refused)
    return answer_control(w, msg->kind == Kind::applied, msg->text);
  if (msg->kind == Kind::result) {
    emit(LogLine{fmt::format("workload {}: {}", w.spec.name, describe_result(msg->record))});
    w.status.results.push_back({msg->record.section, msg->record.fields});
    return;
  }
  if (msg->kind == Kind::error) {
    w.status.state = "failed";
    w.status.exit_status = "error: " + msg->text;
    emit(LogLine{fmt::format("workload {} failed: {}", w.spec.name, msg->text)});
    return;
  }
  const auto& c = msg->counters;
  w.status.ops = c.ops;
  w.status.errors = c.errors;
  w.status.bytes = c.bytes;
  w.status.paused = c.paused;
  w.status.rate = c.rate;
  const double t = now_s();
  w.history.emplace_back(t, c.ops);
  // Keep one point older than the window as the baseline.
  while (w.history.size() > 2 && w.history[1].first < t - kRateWindowS) w.history.pop_front();
}

void CampaignRunner::control(const std::string& name, const workloads::Control& command,
                             ControlDone done) {
  using Code = ControlOutcome::Code;
  Worker* w = nullptr;
  for (auto& wp : workers_)
    if (wp->spec.name == name) w = wp.get();
  if (!w) return done({Code::no_such_workload, fmt::format("no workload '{}' in campaign {}",
                                                           name, in_.id), {}});
  if (w->reaped || w->control_fd < 0 || stopping_ || w->status.state != "running")
    return done({Code::not_running,
                 fmt::format("workload {} is {}", name, stopping_ ? "stopping" : w->status.state),
                 w->status});
  const auto line = workloads::format_control(command);
  if (::write(w->control_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return done({Code::not_running,
                 fmt::format("workload {}: cannot send '{}' to its worker: {}", name,
                             line.substr(0, line.size() - 1), fs::errno_text(errno)),
                 w->status});
  w->pending.emplace_back(command, std::move(done));
}

void CampaignRunner::answer_control(Worker& w, bool applied, const std::string& text) {
  emit(LogLine{fmt::format("workload {}: {} {}", w.spec.name, applied ? "applied" : "refused",
                           text)});
  if (w.pending.empty()) return;  // nobody waits (a command from an earlier daemon?)
  auto [command, done] = std::move(w.pending.front());
  w.pending.pop_front();
  if (!applied) return done({ControlOutcome::Code::refused, text, w.status});
  // What the next counters line will show; the caller sees it now.
  switch (command.kind) {
    case workloads::Control::Kind::pause:
      w.status.paused = true;
      break;
    case workloads::Control::Kind::resume:
      w.status.paused = false;
      break;
    case workloads::Control::Kind::rate:
      w.status.rate = command.rate;
      break;
  }
  done({ControlOutcome::Code::applied, "", w.status});
}

void CampaignRunner::wait_exit(Worker& w) {
  w.pidfd->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, &w, alive = alive_](const boost::system::error_code& ec) {
                        if (!*alive || ec) return;
                        const auto status = procs_->try_reap(w.status.pid);
                        if (!status) return wait_exit(w);
                        on_exit(w, *status);
                      });
}

void CampaignRunner::on_exit(Worker& w, int status) {
  w.reaped = true;
  if (w.control_fd >= 0) ::close(std::exchange(w.control_fd, -1));
  w.ended_s = now_s();
  w.ended_early = !stopping_;
  boost::system::error_code ignored;
  w.pidfd->close(ignored);
  w.status.exit_status = w.status.state == "failed" && !w.status.exit_status.empty()
                             ? w.status.exit_status + "; " + describe_wait_status(status)
                             : describe_wait_status(status);
  if (w.sigkilled_by_us)
    w.status.exit_status += fmt::format(" after it ignored SIGTERM for {} ms (the stop grace period)",
                                        stop_grace(w).count());
  if (WIFSIGNALED(status)) {
    w.status.state = "killed";
  } else if (w.status.state != "failed") {
    w.status.state = WEXITSTATUS(status) == 0 ? "exited" : "failed";
  }
  const WorkloadExit exit{w.spec.name, w.status.pid, status, w.sigkilled_by_us, stopping_};
  for (auto& part : parts_) part->on_workload_exit(exit, cx_);
  if (oom_ && oom_->oom_killed(w.spec.name)) {
    w.oom_killed = true;
    w.status.exit_status += WIFSIGNALED(status) ? " (OOM kill)" : " (OOM kill of a process of its own)";
  }
  if (!stopping_)
    emit(LogLine{fmt::format("workload {} ended: {}", w.spec.name, w.status.exit_status)});
  spdlog::info("campaign {}: workload {} pid {} ended: {}", in_.id, w.spec.name, w.status.pid,
               w.status.exit_status);
  while (!w.pending.empty()) {
    auto done = std::move(w.pending.front().second);
    w.pending.pop_front();
    done({ControlOutcome::Code::not_running,
          fmt::format("workload {} ended before it answered: {}", w.spec.name,
                      w.status.exit_status),
          w.status});
  }
  maybe_complete();
}

// ---- sampling ---------------------------------------------------------------------------

// Sample n is due at start + n intervals: no drift, whatever each sample costs. A sample that
// comes late does not make the next one early by more than the lateness.
void CampaignRunner::schedule_sample(std::uint64_t n) {
  sample_task_ = timers_.at(start_ + n * in_.spec.sample_interval, [this, n] {
    sample_task_ = 0;
    if (stopping_) return;
    take_sample();
    if (!stopping_) schedule_sample(n + 1);
  });
}

void CampaignRunner::take_sample() {
  Sample s;
  s.t_s = now_s();
  for (auto& part : parts_)
    if (auto st = part->measure(s, cx_); !st)
      return fail(fmt::format("{}: {}", part->name(), st.error().message));
  samples_.push_back(s);
  for (auto& part : parts_) part->on_sample(s, cx_);
  emit(s);

  WorkloadsUpdate update;
  for (auto& w : workers_) {
    if (w->status.state == "running" && w->history.size() >= 2) {
      const auto& [t0, ops0] = w->history.front();
      const auto& [t1, ops1] = w->history.back();
      if (t1 > t0) w->status.ops_per_s = static_cast<double>(ops1 - ops0) / (t1 - t0);
    }
    update.push_back(w->status);
  }
  emit(std::move(update));
}

std::vector<pid_t> CampaignRunner::freeze_floods(bool frozen) {
  std::vector<pid_t> signalled;
  for (auto& w : workers_) {
    if (w->reaped || w->frozen == frozen || (frozen && (!w->spec.flood() || stopping_))) continue;
    procs_->signal(w->status.pid, frozen ? SIGSTOP : SIGCONT);  // not yet reaped: still ours
    w->frozen = frozen;
    signalled.push_back(w->status.pid);
  }
  return signalled;
}

// ---- stopping ---------------------------------------------------------------------------

void CampaignRunner::stop(const std::string& reason) {
  begin_stop(State::aborted, reason);
}

void CampaignRunner::begin_stop(State verdict_hint, const std::string& reason) {
  if (stopping_ || is_final(state_)) return;
  stopping_ = true;
  if (verdict_hint == State::aborted || verdict_hint == State::error)
    forced_verdict_ = verdict_hint;
  reason_ = reason;
  spdlog::info("campaign {}: stopping: {}", in_.id, reason);
  timers_.cancel(std::exchange(sample_task_, 0));
  timers_.cancel(std::exchange(duration_task_, 0));
  freeze_floods(false);  // a stopped process would not see SIGTERM
  for (auto& w : workers_) {
    timers_.cancel(std::exchange(w->start_task, 0));
    if (!w->reaped) procs_->signal(w->status.pid, SIGTERM);
  }
  stop_started_ = clock_.now();
  kill_task_ = timers_.after(opt_.stop_grace, [this] { kill_overdue(); });
  maybe_complete();
}

std::chrono::milliseconds CampaignRunner::stop_grace(const Worker& w) const {
  return w.spec.rcutorture() ? std::max(opt_.stop_grace, opt_.unload_grace) : opt_.stop_grace;
}

void CampaignRunner::kill_overdue() {
  kill_task_ = 0;
  const auto since = clock_.now() - stop_started_;
  std::optional<Clock::time_point::duration> next;
  for (auto& w : workers_) {
    if (w->reaped || w->sigkilled_by_us) continue;
    const auto grace = stop_grace(*w);
    if (since < grace) {
      next = std::min(next.value_or(Clock::time_point::duration::max()),
                      Clock::time_point::duration(grace) - since);
      continue;
    }
    spdlog::warn("campaign {}: workload {} pid {} ignored SIGTERM; sending SIGKILL", in_.id,
                 w->spec.name, w->status.pid);
    emit(LogLine{fmt::format("workload {} ignored SIGTERM for {} ms: SIGKILL", w->spec.name,
                             grace.count())});
    w->sigkilled_by_us = true;
    procs_->signal(w->status.pid, SIGKILL);  // not yet reaped, so the pid is still ours
  }
  if (next)
    kill_task_ = timers_.after(
        std::chrono::ceil<std::chrono::milliseconds>(*next), [this] { kill_overdue(); });
}

void CampaignRunner::maybe_complete() {
  if (!stopping_ || is_final(state_)) return;
  for (const auto& w : workers_)
    if (!w->reaped || !w->report_closed) return;
  // Run after the current handler has unwound.
  asio::post(io_, [this, alive = alive_] {
    if (*alive) complete();
  });
}

void CampaignRunner::complete() {
  if (completing_) return;
  completing_ = true;
  timers_.cancel(std::exchange(kill_task_, 0));
  // The last look, before the cgroup goes (not when a part could not be set up).
  if (cgroup_ && parts_set_up_ == parts_.size() && !parts_.empty()) take_sample();
  ended_s_ = now_s();
  ended_unix_ms_ = unix_ms_now();
  teardown_error_ = tear_down_parts();  // before the cgroup goes (a PSI trigger would see POLLERR)
  if (!cgroup_) return finish("");
  // A killed rcutorture worker could not unload its module (the daemon refuses the workload
  // where the module is loaded already, so it is this campaign's): the daemon does.
  const bool unload_rcutorture = std::any_of(workers_.begin(), workers_.end(), [](const auto& w) {
    return w->spec.rcutorture() && w->status.state == "killed";
  });
  // Removal waits for the kernel to let the cgroup go, seconds at worst: not on the io thread,
  // where it would hold up every RPC and the other campaign parts. Nothing else touches the
  // cgroup meanwhile: sampling has stopped and every worker is gone.
  // The work guard tells the io_context that a handler is still to come.
  remover_ = std::thread([this, alive = alive_, cg = cgroup_.get(), unload_rcutorture,
                          work = asio::make_work_guard(io_)]() mutable {
    std::string error;
    if (unload_rcutorture) {
      auto unloaded = workloads::unload_left_rcutorture(
          {.proc = opt_.proc_root, .sys = opt_.sys_root, .path_env = {}, .dry_run = false});
      if (!unloaded)
        error = unloaded.error().message;
      else if (!unloaded->empty())
        spdlog::warn("campaign {}: {}", in_.id, *unloaded);
    }
    auto st = cg->remove();
    if (!st) error = error.empty() ? st.error().message : error + "; " + st.error().message;
    asio::post(io_, [this, alive, error = std::move(error)] {
      if (*alive) finish(error);
    });
    work.reset();
  });
}

void CampaignRunner::finish(std::string cleanup_error) {
  if (!teardown_error_.empty())
    cleanup_error = cleanup_error.empty() ? teardown_error_ : teardown_error_ + "; " + cleanup_error;
  std::error_code ec;
  std::filesystem::remove_all(opt_.state_dir / "run" / in_.id, ec);
  if (ec && cleanup_error.empty()) cleanup_error = "removing the run directory: " + ec.message();

  for (auto& w : workers_) {
    const double ran = (w->reaped && w->ended_s > 0 ? w->ended_s : ended_s_) - w->started_s;
    w->status.ops_per_s =
        ran > 0 && w->status.pid > 0 ? static_cast<double>(w->status.ops) / ran : 0;
  }
  final_criteria_ = criteria_ ? criteria_->results() : std::vector<CriterionResult>{};

  State verdict;
  std::string reason = reason_;
  if (forced_verdict_) {
    verdict = *forced_verdict_;
  } else {
    VerdictInput vi;
    vi.why_stopped = reason_;
    vi.criteria = final_criteria_;
    vi.oom_kills = oom_ ? oom_->kills() : 0;
    vi.expect_oom = in_.spec.expect_oom;
    vi.oom_criterion = in_.spec.criteria.max_oom_kills.has_value();
    for (const auto& w : workers_)
      vi.workloads.push_back({w->spec.name, w->status.state, w->ended_early,
                              w->oom_killed || (oom_ && oom_->oom_killed(w->spec.name)),
                              w->ended_s, w->status.exit_status, w->sigkilled_by_us});
    auto v = decide(vi);
    verdict = v.state;
    reason = std::move(v.reason);
  }
  if (!cleanup_error.empty()) {
    verdict = State::error;
    reason += "; cleanup failed: " + cleanup_error;
  }
  state_ = verdict;  // report_data() reads it
  reason_ = reason;
  if (auto st = write_report(report_dir(), to_json(report_data())); !st) {
    spdlog::error("campaign {}: {}", in_.id, st.error().message);
    reason_ += "; report not written: " + st.error().message;
  } else {
    report_written_ = true;
    if (journal_) journal_->remove();  // the report holds it all
  }
  journal_.reset();
  spdlog::info("campaign {}: {}: {}", in_.id, to_string(state_), reason_);
  emit(StateChange{state_, reason_});
  for (const auto& c : final_criteria_) emit(c);
  emit(view());
  on_finished_();
}

std::function<Result<std::chrono::nanoseconds>()> rcu_barrier_call(const RunnerOptions& options) {
  if (options.rcu_barrier) return options.rcu_barrier;
  return [sys = options.sys_root] { return rcu::time_rcu_barrier(sys); };
}

ReportData report_opening(const CampaignInput& in, const HostInfo& host,
                          std::int64_t started_unix_ms, std::int64_t ended_unix_ms,
                          double planned_s, double actual_s, State verdict,
                          const std::string& reason) {
  ReportData r;
  r.id = in.id;
  r.name = in.spec.name;
  r.description = in.spec.description;
  r.file_name = in.file_name;
  r.normalized_yaml = in.normalized_yaml;
  r.started_unix_ms = started_unix_ms;
  r.ended_unix_ms = ended_unix_ms;
  r.duration_planned_s = planned_s;
  r.duration_actual_s = actual_s;
  r.verdict = verdict;
  r.reason = reason;
  r.host = host;
  r.memory_limit_bytes = in.spec.cgroup.memory_limit;
  return r;
}

ReportData CampaignRunner::report_data() const {
  ReportData r = report_opening(in_, opt_.host, started_unix_ms_, ended_unix_ms_,
                                duration<double>(in_.spec.duration).count(), ended_s_, state_,
                                reason_);
  if (cgroup_) {
    r.cgroup_path = cgroup_->memory_path().string();
    if (auto p = cgroup_->pressure_file()) r.psi_cgroup_path = p->parent_path().string();
  }
  r.kernel_peak_bytes = kernel_peak(samples_);
  r.failcnt = samples_.empty() ? 0 : samples_.back().failcnt;
  for (const auto& w : workers_) r.workloads.push_back(w->status);
  r.samples = samples_;
  for (const auto& part : parts_) part->contribute(r);
  r.metrics = metric_defs();
  r.criteria = final_criteria_;  // as the verdict saw them
  return r;
}

std::optional<OomLook> CampaignRunner::oom_look() const {
  for (const auto& part : parts_)
    if (const auto* p = dynamic_cast<const OomProximityPart*>(part.get())) {
      if (!p->cgroup_view() && !p->system_view()) return std::nullopt;
      return OomLook{cgroup_ ? cgroup_->memory_path().string() : std::string(), p->cgroup_view(),
                     p->system_view()};
    }
  return std::nullopt;
}

CampaignView CampaignRunner::view() const {
  CampaignView v;
  v.id = in_.id;
  v.name = in_.spec.name;
  v.state = state_;
  v.elapsed_s = is_final(state_) ? ended_s_ : now_s();
  v.duration_s = duration<double>(in_.spec.duration).count();
  v.reason = reason_;
  if (!samples_.empty()) v.latest = samples_.back();
  const auto memory = summarize_memory(samples_, kernel_peak(samples_));
  v.peak_bytes = memory.peak_bytes;
  v.min_headroom_bytes = memory.min_headroom_bytes;
  v.max_kernel_bytes = memory.max_kernel_bytes;
  v.metrics = metric_defs();
  v.failcnt = memory.failcnt;
  for (const auto& w : workers_) v.workloads.push_back(w->status);
  v.criteria = is_final(state_) ? final_criteria_
               : criteria_      ? criteria_->results()
                                : std::vector<CriterionResult>{};
  v.file_name = in_.file_name;
  v.started_unix_ms = started_unix_ms_;
  // Never a path that does not exist yet.
  if (report_written_) v.report_path = (report_dir() / "report.json").string();
  return v;
}

}  // namespace mt::daemon
