#include "daemon/engine.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/fs.h"
#include "daemon/journal.h"
#include "daemon/report.h"
#include "daemon/variants_runner.h"

namespace mt::daemon {

using Code = ApiError::Code;

namespace {

// A finished campaign's whole view from its report; its summary (with a warning) when the file
// has gone or does not read back.
CampaignView view_from_file(CampaignView kept) {
  auto text = fs::read_file(kept.report_path);
  if (!text) {
    spdlog::warn("campaign {}: {}; answering with its summary", kept.id, text.error().message);
    return kept;
  }
  auto j = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto view = view_from_report(j, kept.report_path);
  if (!view) {
    spdlog::warn("campaign {}: {}; answering with its summary", kept.id, view.error().message);
    return kept;
  }
  return std::move(view).value();
}

}  // namespace

Engine::Engine(boost::asio::io_context& io, const Clock& clock, EngineOptions options)
    : io_(io), clock_(clock), timers_(io, clock), opt_(std::move(options)) {}

Engine::~Engine() {
  loader_.stop();
  loader_.join();
}

campaign::ParseResult Engine::validate(std::string_view yaml, const std::string& file_name) const {
  campaign::ParseOptions po;
  po.file_name = file_name.empty() ? "<campaign>" : file_name;
  po.physical_memory_bytes = opt_.host.memory_total_bytes;
  po.cpus = opt_.host.cpus;
  return campaign::parse_campaign(yaml, po);
}

campaign::CompileResult Engine::check(std::string_view yaml, const std::string& file_name) const {
  return campaign::compile(validate(yaml, file_name), opt_.host,
                           file_name.empty() ? "<campaign>" : file_name);
}

// "<name>-20261122T074512-3f2a": sortable, readable, and a valid cgroup name (<= 53 chars).
std::string Engine::new_id(const std::string& name) const {
  static std::mt19937 rng{std::random_device{}()};
  for (;;) {
    auto id = fmt::format("{}-{:%Y%m%dT%H%M%S}-{:04x}", name.substr(0, 32),
                          fmt::gmtime(std::time(nullptr)), rng() & 0xffff);
    if (!campaigns_.count(id)) return id;
  }
}

ApiResult<CampaignInput> Engine::prepare(std::string_view yaml,
                                        const std::string& file_name) const {
  auto parsed = validate(yaml, file_name);
  auto lines_of = [](const std::vector<campaign::Diagnostic>& ds) {
    std::vector<std::string> lines;
    for (const auto& d : ds) lines.push_back(d.str());
    return fmt::format("{}", fmt::join(lines, "\n"));
  };
  if (!parsed.ok())
    return ApiResult<CampaignInput>::fail(
        Code::invalid_argument,
        fmt::format("source.yaml: invalid campaign:\n{}", lines_of(parsed.errors)));
  // A valid campaign this host cannot run: the host's refusal, still at file:line:col.
  auto compiled = campaign::compile(parsed, opt_.host, file_name.empty() ? "<campaign>" : file_name);
  if (!compiled.unmet.empty())
    return ApiResult<CampaignInput>::fail(
        Code::unsupported,
        fmt::format("this host lacks what the campaign requires:\n{}", lines_of(compiled.unmet)));
  if (!compiled.plan)
    return ApiResult<CampaignInput>::fail(
        Code::failed_precondition,
        fmt::format("this host cannot run the campaign:\n{}", lines_of(compiled.errors)));
  auto& plan = *compiled.plan;
  auto normalized = campaign::to_yaml(plan.spec);
  return {CampaignInput{"", file_name, std::move(normalized), std::move(plan.spec),
                        std::move(plan.warnings)},
          {}};
}

ApiResult<std::string> Engine::start(std::string_view yaml, const std::string& file_name) {
  auto in = prepare(yaml, file_name);
  if (!in.ok()) return ApiResult<std::string>::fail(in.error.code, in.error.message);
  return start(std::move(*in.value));
}

ApiResult<std::string> Engine::start(CampaignInput in) {
  if (shutting_down_)
    return ApiResult<std::string>::fail(Code::unavailable,
                                        "memtortured is shutting down; no new campaigns");
  if (!running_.empty())
    return ApiResult<std::string>::fail(
        Code::failed_precondition,
        fmt::format("campaign {} is running; RCU state is global to the kernel, so one campaign "
                    "runs at a time (stop it first)",
                    running_));
  const auto id = new_id(in.spec.name);
  in.id = id;
  const auto file_name = in.file_name;
  auto& entry = campaigns_[id];
  auto sink = [this, id](const Event& ev) { broadcast(id, ev); };
  auto end = [this, id] { finished(id); };
  if (in.spec.variants.empty())
    entry.runner = std::make_unique<CampaignRunner>(io_, timers_, opt_.runner, std::move(in),
                                                    std::move(sink), std::move(end));
  else
    entry.runner = std::make_unique<VariantsRunner>(io_, timers_, opt_.runner, std::move(in),
                                                    std::move(sink), std::move(end));
  running_ = id;
  spdlog::info("campaign {} starting ({})", id, file_name);
  entry.runner->start();
  return {id, {}};
}

Engine::Finished::Finished(const CampaignView& v)
    : name(v.name),
      reason(v.reason),
      file_name(v.file_name),
      report_path(v.report_path),
      state(v.state),
      elapsed_s(v.elapsed_s),
      duration_s(v.duration_s),
      peak_bytes(v.peak_bytes),
      min_headroom_bytes(v.min_headroom_bytes),
      max_kernel_bytes(v.max_kernel_bytes),
      failcnt(v.failcnt),
      started_unix_ms(v.started_unix_ms),
      whole(v.report_path.empty() ? std::make_unique<const CampaignView>(v) : nullptr) {}

CampaignView Engine::Finished::view(std::string_view id) const {
  if (whole) return *whole;
  CampaignView v;
  v.id = id;
  v.name = name;
  v.state = state;
  v.elapsed_s = elapsed_s;
  v.duration_s = duration_s;
  v.reason = reason;
  v.peak_bytes = peak_bytes;
  v.min_headroom_bytes = min_headroom_bytes;
  v.max_kernel_bytes = max_kernel_bytes;
  v.failcnt = failcnt;
  v.file_name = file_name;
  v.started_unix_ms = started_unix_ms;
  v.report_path = report_path;
  return v;
}

CampaignView Engine::view_of(std::string_view id, const Entry& e) const {
  return e.runner ? e.runner->view() : e.ended->view(id);
}

void Engine::whole_view(std::string_view id, const Entry& e,
                        std::function<void(CampaignView)> done) {
  if (e.runner || e.ended->whole) return done(view_of(id, e));
  boost::asio::post(loader_, [this, kept = e.ended->view(id), done = std::move(done),
                              alive = std::weak_ptr<bool>(alive_)]() mutable {
    auto whole = view_from_file(kept);
    boost::asio::post(io_, [alive, whole = std::move(whole), done = std::move(done)]() mutable {
      if (alive.lock()) done(std::move(whole));
    });
  });
}

void Engine::view(const std::string& id, std::function<void(ApiResult<CampaignView>)> done) {
  auto it = campaigns_.find(id);
  if (it == campaigns_.end())
    return done(
        ApiResult<CampaignView>::fail(Code::not_found, fmt::format("no campaign '{}'", id)));
  whole_view(it->first, it->second, [done = std::move(done)](CampaignView v) {
    done({std::move(v), {}});
  });
}

ApiResult<CampaignView> Engine::get(const std::string& id) const {
  auto it = campaigns_.find(id);
  if (it == campaigns_.end())
    return ApiResult<CampaignView>::fail(Code::not_found, fmt::format("no campaign '{}'", id));
  return {view_of(id, it->second), {}};
}

ApiResult<std::filesystem::path> Engine::report_file(const std::string& id) const {
  using R = ApiResult<std::filesystem::path>;
  auto v = get(id);
  if (!v.ok()) {
    if (auto run = variant_run_report(id)) return {*run, {}};
    return R::fail(v.error.code, v.error.message);
  }
  if (!is_final(v.value->state))
    return R::fail(Code::failed_precondition,
                   fmt::format("campaign {} is {}; its report is written when it ends", id,
                               to_string(v.value->state)));
  if (v.value->report_path.empty())
    return R::fail(Code::not_found,
                   fmt::format("campaign {} ended ({}) but no report was written for it", id,
                               to_string(v.value->state)));
  return {std::filesystem::path(v.value->report_path), {}};
}

// A variants campaign's run "<id>.<n>": its report under the campaign's, runs/<id>.<n>/.
std::optional<std::filesystem::path> Engine::variant_run_report(const std::string& id) const {
  const auto dot = id.rfind('.');
  if (dot == std::string::npos || dot + 1 == id.size() ||
      id.find_first_not_of("0123456789", dot + 1) != std::string::npos)
    return std::nullopt;
  auto parent = get(id.substr(0, dot));
  if (!parent.ok() || !is_final(parent.value->state) || parent.value->report_path.empty())
    return std::nullopt;
  auto file = std::filesystem::path(parent.value->report_path).parent_path() / "runs" / id /
              "report.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

std::vector<CampaignView> Engine::list() const {
  std::vector<CampaignView> out;
  for (const auto& [id, e] : campaigns_) out.push_back(view_of(id, e));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.started_unix_ms != b.started_unix_ms ? a.started_unix_ms > b.started_unix_ms
                                                  : a.id > b.id;
  });
  return out;
}

void Engine::stop(const std::string& id, std::function<void(ApiResult<CampaignView>)> done) {
  auto it = campaigns_.find(id);
  if (it == campaigns_.end())
    return done(
        ApiResult<CampaignView>::fail(Code::not_found, fmt::format("no campaign '{}'", id)));
  Entry& e = it->second;
  if (!e.runner || is_final(e.runner->state()))
    return whole_view(id, e, [done](CampaignView v) { done({std::move(v), {}}); });
  e.on_finished.push_back([this, id, done] { done({view_of(id, campaigns_.at(id)), {}}); });
  e.runner->stop("stopped by request");
}

void Engine::control(const std::string& id, const std::string& workload,
                     const workloads::Control& command,
                     std::function<void(ApiResult<WorkloadStatus>)> done) {
  using R = ApiResult<WorkloadStatus>;
  auto it = campaigns_.find(id);
  if (it == campaigns_.end()) return done(R::fail(Code::not_found, fmt::format("no campaign '{}'", id)));
  Entry& e = it->second;
  if (!e.runner || is_final(e.runner->state()))
    return done(R::fail(
        Code::failed_precondition,
        fmt::format("campaign {} is not running ({})", id, to_string(view_of(id, e).state))));
  e.runner->control(workload, command, [done](ControlOutcome o) {
    using C = ControlOutcome::Code;
    switch (o.code) {
      case C::applied:
        return done({std::move(o.status), {}});
      case C::no_such_workload:
        return done(R::fail(Code::not_found, o.message));
      case C::not_running:
      case C::refused:
        return done(R::fail(Code::failed_precondition, o.message));
    }
  });
}

ApiResult<OomLook> Engine::oom_look(const std::string& id) const {
  using R = ApiResult<OomLook>;
  auto it = campaigns_.find(id);
  if (it == campaigns_.end()) return R::fail(Code::not_found, fmt::format("no campaign '{}'", id));
  const Entry& e = it->second;
  if (!e.runner || is_final(e.runner->state()))
    return R::fail(Code::failed_precondition,
                   fmt::format("campaign {} is not running ({}); its report has the OOM proximity "
                               "it saw (parts.oom_proximity)",
                               id, to_string(view_of(id, e).state)));
  std::optional<OomLook> look = e.runner->oom_look();
  if (!look)
    return R::fail(Code::failed_precondition,
                   fmt::format("campaign {} has no sample to look at yet; ask again in a moment", id));
  return {std::move(look), {}};
}

ApiResult<Engine::SubscriptionId> Engine::subscribe(const std::string& id, EventFn on_event,
                                                    EndFn on_end) {
  auto it = campaigns_.find(id);
  if (it == campaigns_.end())
    return ApiResult<SubscriptionId>::fail(Code::not_found, fmt::format("no campaign '{}'", id));
  const Entry& e = it->second;
  const auto sid = next_subscription_++;
  if (e.runner && !is_final(e.runner->state())) {
    auto view = e.runner->view();
    on_event(Event{view.elapsed_s, view});
    subscribers_[sid] = Subscriber{id, std::move(on_event), std::move(on_end)};
    return {sid, {}};
  }
  // Ended: its snapshot, then the end; unless unsubscribed while its report is read back.
  subscribers_[sid] = Subscriber{id, std::move(on_event), std::move(on_end)};
  whole_view(id, e, [this, sid](CampaignView view) {
    auto s = subscribers_.find(sid);
    if (s == subscribers_.end()) return;
    auto sub = std::move(s->second);
    subscribers_.erase(s);
    sub.on_event(Event{view.elapsed_s, view});
    sub.on_end();
  });
  return {sid, {}};
}

void Engine::unsubscribe(SubscriptionId id) {
  subscribers_.erase(id);
}

void Engine::broadcast(const std::string& campaign, const Event& ev) {
  for (auto& [sid, s] : subscribers_)
    if (s.campaign == campaign) s.on_event(ev);
}

void Engine::finished(const std::string& campaign) {
  if (running_ == campaign) running_.clear();
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    if (it->second.campaign != campaign) {
      ++it;
      continue;
    }
    auto end = std::move(it->second.on_end);
    it = subscribers_.erase(it);
    end();
  }
  auto waiters = std::move(campaigns_.at(campaign).on_finished);
  for (auto& w : waiters) w();
  // A finished campaign keeps only its summary in memory; its samples and report are on disk.
  // After the runner's own handler has unwound.
  boost::asio::post(io_, [this, campaign] {
    auto& e = campaigns_.at(campaign);
    if (!e.runner || !is_final(e.runner->state())) return;
    // Copied out, the runner freed, then kept: the few long-lived blocks are allocated where
    // the campaign's megabytes were, not above them, where they would pin its freed pages.
    const auto view = e.runner->view();
    e.runner.reset();
#if defined(__GLIBC__)
    // A campaign frees megabytes in many small blocks (samples, parts, protobufs), on the io
    // thread and on gRPC's, each with its own malloc arena: give them back to the system, or a
    // daemon's resident size reads as a leak for hours (bench/soak.sh).
    malloc_trim(0);
#endif
    e.ended = std::make_unique<const Finished>(view);
  });
}

void Engine::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  if (running_.empty()) return done();
  auto& e = campaigns_.at(running_);
  e.on_finished.push_back(std::move(done));
  e.runner->stop("daemon shutting down");
}

std::string Engine::running_id() const {
  return running_;
}

// A campaign whose daemon died before it ended has campaign.yaml but no report.json. Its
// cgroups were swept at start-up; what is left to do is to say so in a report.
bool Engine::write_crash_report(const std::filesystem::path& dir) const {
  auto yaml = fs::read_file(dir / kCampaignFile);
  if (!yaml) return false;
  campaign::ParseOptions po;
  po.file_name = (dir / kCampaignFile).string();
  auto parsed = campaign::parse_campaign(*yaml, po);
  ReportData r;
  r.id = dir.filename().string();
  r.file_name = po.file_name;
  r.normalized_yaml = *yaml;
  if (parsed.ok()) {
    r.name = parsed.spec->name;
    r.description = parsed.spec->description;
    r.duration_planned_s = std::chrono::duration<double>(parsed.spec->duration).count();
    r.memory_limit_bytes = parsed.spec->cgroup.memory_limit;
  }
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(dir / kCampaignFile, ec);
  if (!ec)
    r.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::file_clock::to_sys(written).time_since_epoch())
                            .count();
  r.ended_unix_ms = r.started_unix_ms;
  r.verdict = State::error;
  r.reason =
      "memtortured stopped during this campaign (crashed or was killed); its cgroups were "
      "removed when the daemon started again";
  if (auto j = read_journal(dir); j && !j->samples.empty()) {
    r.samples = std::move(j->samples);
    r.workloads = std::move(j->workloads);
    r.oom_kill_times_s = std::move(j->oom_kill_times_s);
    r.psi_trigger.events_s = std::move(j->psi_trigger_events_s);
    r.psi_trigger.armed = !r.psi_trigger.events_s.empty();
    r.duration_actual_s = j->last_t_s;
    r.ended_unix_ms = r.started_unix_ms + static_cast<std::int64_t>(j->last_t_s * 1000);
    r.reason += fmt::format("; what it measured up to {:.1f} s was saved ({} samples{})",
                            j->last_t_s, r.samples.size(),
                            j->samples_truncated ? ", the journal's size bound cut later ones"
                                                 : "");
  } else {
    r.reason += "; no samples were saved";
  }
  r.host = opt_.runner.host;
  if (auto st = write_report(dir, to_json(r)); !st) {
    spdlog::warn("{}", st.error().message);
    return false;
  }
  std::error_code ec_journal;
  std::filesystem::remove(dir / kJournalFile, ec_journal);  // in the report now
  spdlog::warn("campaign {} was cut short by a daemon exit; wrote an error report", r.id);
  return true;
}

void Engine::load_reports() {
  const auto dir = opt_.runner.state_dir / "reports";
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(dir, ec)) {
    const auto path = d.path() / "report.json";
    if (!std::filesystem::exists(path) && !write_crash_report(d.path())) continue;
    auto text = fs::read_file(path);
    if (!text) {
      spdlog::warn("skipping {}: {}", path.string(), text.error().message);
      continue;
    }
    auto j = nlohmann::ordered_json::parse(*text, nullptr, /*allow_exceptions=*/false);
    auto view = view_from_report(j, path.string());
    if (!view) {
      spdlog::warn("{}", view.error().message);
      continue;
    }
    auto id = view->id;
    campaigns_[id].ended = std::make_unique<const Finished>(*view);
  }
  if (!campaigns_.empty()) spdlog::info("{} earlier campaign report(s) loaded", campaigns_.size());
}

}  // namespace mt::daemon
