#include "daemon/grpc_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "campaign/parse.h"
#include "campaign/source.h"
#include "common/units.h"
#include "daemon/convert.h"
#include "daemon/oom_probe.h"
#include "rcu/knobs.h"
#include "rcu/probe.h"

namespace mt::daemon {

namespace asio = boost::asio;

// How often a probe's ledger window looks whether its call was cancelled.
constexpr std::chrono::milliseconds kProbePoll{50};

grpc::Status to_grpc(const ApiError& e) {
  switch (e.code) {
    case ApiError::Code::invalid_argument:
      return {grpc::StatusCode::INVALID_ARGUMENT, e.message};
    case ApiError::Code::not_found:
      return {grpc::StatusCode::NOT_FOUND, e.message};
    case ApiError::Code::failed_precondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, e.message};
    case ApiError::Code::unavailable:
      return {grpc::StatusCode::UNAVAILABLE, e.message};
    case ApiError::Code::internal:
      return {grpc::StatusCode::INTERNAL, e.message};
    case ApiError::Code::unsupported:
      return {grpc::StatusCode::UNIMPLEMENTED, e.message};
  }
  return {grpc::StatusCode::UNKNOWN, e.message};
}

namespace {

grpc::Status invalid(const std::string& field, const std::string& what) {
  return {grpc::StatusCode::INVALID_ARGUMENT, field + ": " + what};
}

// An id is what Engine::new_id makes: a cgroup-safe name.
grpc::Status check_id(const std::string& id, const std::string& field = "id") {
  if (id.empty()) return invalid(field, "must not be empty");
  if (id.size() > 128 || id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789_.-") != std::string::npos)
    return invalid(field, "'" + id + "' is not a campaign id");
  return grpc::Status::OK;
}

grpc::Status check_source(const pb::CampaignSource& s) {
  if (s.yaml().empty()) return invalid("source.yaml", "must not be empty");
  if (s.yaml().size() > campaign::kMaxCampaignBytes)
    return invalid("source.yaml", fmt::format("is {} bytes; a campaign file may have at most {}",
                                              s.yaml().size(),
                                              size_to_string(campaign::kMaxCampaignBytes)));
  if (s.file_name().size() > 4096) return invalid("source.file_name", "longer than 4096 bytes");
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* finish_now(grpc::CallbackServerContext* ctx, grpc::Status st) {
  auto* r = ctx->DefaultReactor();
  r->Finish(std::move(st));
  return r;
}

// A stream refused before it starts (a bad request).
template <class Message>
struct Refused final : grpc::ServerWriteReactor<Message> {
  explicit Refused(grpc::Status st) { this->Finish(std::move(st)); }
  void OnDone() override { delete this; }
};

// Runs `f` on the io thread and finishes the RPC with its status.
template <class F>
grpc::ServerUnaryReactor* on_io(asio::io_context& io, grpc::CallbackServerContext* ctx, F f) {
  auto* r = ctx->DefaultReactor();
  asio::post(io, [r, f = std::move(f)]() mutable { r->Finish(f()); });
  return r;
}

// Runs `f(reply)` on the io thread for an engine call that answers later (when a campaign has
// stopped, when a worker has answered): `reply(ApiResult<T>)` fills `resp` and finishes the RPC.
template <class T, class Response, class F>
grpc::ServerUnaryReactor* on_io_later(asio::io_context& io, grpc::CallbackServerContext* ctx,
                                      Response* resp, F f) {
  auto* r = ctx->DefaultReactor();
  asio::post(io, [r, resp, f = std::move(f)]() mutable {
    f([r, resp](ApiResult<T> v) {
      if (!v.ok()) return r->Finish(to_grpc(v.error));
      to_pb(*v.value, resp);
      r->Finish(grpc::Status::OK);
    });
  });
  return r;
}

// Streams a campaign's events. Engine callbacks arrive on the io thread; gRPC callbacks on its
// own threads; a mutex guards the queue between them. Deleted on the io thread after
// unsubscribing, so no engine callback can reach a deleted reactor.
class WatchReactor final : public grpc::ServerWriteReactor<pb::CampaignEvent> {
 public:
  WatchReactor(asio::io_context& io, Engine& engine, std::string id) : io_(io), engine_(engine) {
    asio::post(io_, [this, id = std::move(id)] {
      auto sub = engine_.subscribe(
          id,
          [this](const Event& ev) {
            pb::CampaignEvent out;
            to_pb(ev, &out);
            push(std::move(out));
          },
          [this] { end(grpc::Status::OK); });
      if (!sub.ok()) return end(to_grpc(sub.error));
      subscription_ = *sub.value;
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {  // the client went away
      queue_.clear();
      queued_bytes_ = 0;
      ended_ = true;
      status_ = grpc::Status::CANCELLED;
    }
    pump();
  }
  void OnCancel() override { end(grpc::Status::CANCELLED); }
  void OnDone() override {
    asio::post(io_, [this] {
      engine_.unsubscribe(subscription_);
      delete this;
    });
  }

 private:
  // What a client that does not read may cost here: it loses the oldest events beyond this
  // (~0.6 s of a campaign sampled every 10 ms). By bytes, not events: 100 stalled watchers of
  // such a campaign held 175 MB when the bound was 4096 events each
  // (tests/integration/faults/faults_test.sh). gRPC's transport buffers up to the client's
  // window on top.
  static constexpr std::size_t kMaxQueuedBytes = 64 * 1024;

  void push(pb::CampaignEvent ev) {
    std::lock_guard lock(mu_);
    if (ended_) return;
    queued_bytes_ += ev.ByteSizeLong();
    queue_.push_back(std::move(ev));
    while (queued_bytes_ > kMaxQueuedBytes && queue_.size() > 1) {
      queued_bytes_ -= queue_.front().ByteSizeLong();
      queue_.pop_front();
    }
    pump();
  }
  void end(grpc::Status st) {
    std::lock_guard lock(mu_);
    if (ended_) return;
    ended_ = true;
    status_ = std::move(st);
    if (!status_.ok()) {
      queue_.clear();
      queued_bytes_ = 0;
    }
    pump();
  }
  void pump() {  // with mu_ held
    if (writing_ || finished_) return;
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= std::min(queued_bytes_, current_.ByteSizeLong());
      writing_ = true;
      StartWrite(&current_);
    } else if (ended_) {
      finished_ = true;
      Finish(status_);
    }
  }

  asio::io_context& io_;
  Engine& engine_;
  Engine::SubscriptionId subscription_ = 0;  // io thread only
  std::mutex mu_;
  std::deque<pb::CampaignEvent> queue_;
  std::size_t queued_bytes_ = 0;  // of queue_
  pb::CampaignEvent current_;
  bool writing_ = false, ended_ = false, finished_ = false;
  grpc::Status status_;
};

// Streams a report file in chunks. The engine only says where the file is (on the io thread);
// reading it happens here, on gRPC's threads, one chunk per write.
class ReportReactor final : public grpc::ServerWriteReactor<pb::ReportChunk> {
 public:
  ReportReactor(asio::io_context& io, Engine& engine, std::string id) {
    asio::post(io, [this, &engine, id = std::move(id)] {
      auto file = engine.report_file(id);
      if (!file.ok()) return Finish(to_grpc(file.error));
      open(*file.value);
    });
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    next();
  }
  void OnDone() override { delete this; }

 private:
  void open(const std::filesystem::path& path) {
    in_.open(path, std::ios::binary);
    std::error_code ec;
    total_ = std::filesystem::file_size(path, ec);
    if (!in_ || ec)
      return Finish({grpc::StatusCode::NOT_FOUND,
                     fmt::format("report file {} is missing or unreadable", path.string())});
    next();
  }
  void next() {
    chunk_.mutable_data()->resize(kReportChunkBytes);
    in_.read(chunk_.mutable_data()->data(), static_cast<std::streamsize>(kReportChunkBytes));
    const auto n = static_cast<std::size_t>(in_.gcount());
    if (n == 0) return Finish(in_.bad() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                                       "reading the report file failed")
                                        : grpc::Status::OK);
    chunk_.mutable_data()->resize(n);
    chunk_.set_total_bytes(total_);
    StartWrite(&chunk_);
  }

  std::ifstream in_;
  std::uint64_t total_ = 0;
  pb::ReportChunk chunk_;
};

}  // namespace

Service::Service(asio::io_context& io, Engine& engine, SystemFacts facts)
    : io_(io), engine_(engine), facts_(std::move(facts)) {}

grpc::ServerUnaryReactor* Service::ValidateCampaign(grpc::CallbackServerContext* ctx,
                                                    const pb::ValidateCampaignRequest* req,
                                                    pb::ValidateCampaignResponse* resp) {
  if (auto st = check_source(req->source()); !st.ok()) return finish_now(ctx, st);
  // Parsing and compiling are pure: no need to go through the io thread.
  auto checked = engine_.check(req->source().yaml(), req->source().file_name());
  resp->set_valid(checked.plan.has_value());
  for (const auto& d : checked.unmet) to_pb(d, resp->add_errors());
  for (const auto& d : checked.errors) to_pb(d, resp->add_errors());
  if (checked.plan) {
    for (const auto& d : checked.plan->warnings) to_pb(d, resp->add_warnings());
    resp->set_normalized_yaml(campaign::to_yaml(checked.plan->spec));
  }
  return finish_now(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* Service::StartCampaign(grpc::CallbackServerContext* ctx,
                                                 const pb::StartCampaignRequest* req,
                                                 pb::StartCampaignResponse* resp) {
  if (auto st = check_source(req->source()); !st.ok()) return finish_now(ctx, st);
  // Parsed here, on gRPC's thread: only the parsed campaign goes to the io thread.
  auto prepared = engine_.prepare(req->source().yaml(), req->source().file_name());
  if (!prepared.ok()) return finish_now(ctx, to_grpc(prepared.error));
  for (const auto& d : prepared.value->warnings) to_pb(d, resp->add_warnings());
  return on_io(io_, ctx, [this, resp, in = std::move(*prepared.value)]() mutable {
    auto id = engine_.start(std::move(in));
    if (!id.ok()) return to_grpc(id.error);
    resp->set_id(*id.value);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* Service::GetCampaign(grpc::CallbackServerContext* ctx,
                                               const pb::GetCampaignRequest* req,
                                               pb::Campaign* resp) {
  if (auto st = check_id(req->id()); !st.ok()) return finish_now(ctx, st);
  return on_io_later<CampaignView>(io_, ctx, resp, [this, req](auto reply) {
    engine_.view(req->id(), std::move(reply));
  });
}

grpc::ServerUnaryReactor* Service::ListCampaigns(grpc::CallbackServerContext* ctx,
                                                 const pb::ListCampaignsRequest*,
                                                 pb::ListCampaignsResponse* resp) {
  return on_io(io_, ctx, [this, resp] {
    for (const auto& v : engine_.list()) to_pb(v, resp->add_campaigns());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* Service::StopCampaign(grpc::CallbackServerContext* ctx,
                                                const pb::StopCampaignRequest* req,
                                                pb::Campaign* resp) {
  if (auto st = check_id(req->id()); !st.ok()) return finish_now(ctx, st);
  return on_io_later<CampaignView>(io_, ctx, resp, [this, req](auto reply) {
    engine_.stop(req->id(), std::move(reply));
  });
}

grpc::ServerWriteReactor<pb::CampaignEvent>* Service::WatchCampaign(
    grpc::CallbackServerContext* ctx, const pb::WatchCampaignRequest* req) {
  if (auto st = check_id(req->id()); !st.ok()) return new Refused<pb::CampaignEvent>(st);
  return new WatchReactor(io_, engine_, req->id());
}

grpc::ServerUnaryReactor* Service::ControlWorkload(grpc::CallbackServerContext* ctx,
                                                   const pb::ControlWorkloadRequest* req,
                                                   pb::WorkloadStatus* resp) {
  if (auto st = check_id(req->id()); !st.ok()) return finish_now(ctx, st);
  if (req->workload().empty()) return finish_now(ctx, invalid("workload", "must not be empty"));
  workloads::Control command;
  switch (req->action()) {
    case pb::ControlWorkloadRequest::PAUSE:
      command.kind = workloads::Control::Kind::pause;
      break;
    case pb::ControlWorkloadRequest::RESUME:
      command.kind = workloads::Control::Kind::resume;
      break;
    case pb::ControlWorkloadRequest::SET_RATE:
      if (!std::isfinite(req->rate()) || req->rate() < 0 ||
          req->rate() > static_cast<double>(campaign::kMaxRate))
        return finish_now(ctx, invalid("rate", fmt::format("must be 0 (unlimited) to {} ops/s",
                                                           campaign::kMaxRate)));
      command.kind = workloads::Control::Kind::rate;
      command.rate = req->rate();
      break;
    default:
      return finish_now(ctx, invalid("action", "must be PAUSE, RESUME or SET_RATE"));
  }
  return on_io_later<WorkloadStatus>(io_, ctx, resp, [this, req, command](auto reply) {
    engine_.control(req->id(), req->workload(), command, std::move(reply));
  });
}

grpc::ServerWriteReactor<pb::ReportChunk>* Service::ReadReport(
    grpc::CallbackServerContext* ctx, const pb::ReadReportRequest* req) {
  if (auto st = check_id(req->id()); !st.ok()) return new Refused<pb::ReportChunk>(st);
  return new ReportReactor(io_, engine_, req->id());
}

grpc::ServerUnaryReactor* Service::GetSystem(grpc::CallbackServerContext* ctx,
                                             const pb::GetSystemRequest*, pb::SystemInfo* resp) {
  return on_io(io_, ctx, [this, resp] {
    const auto& p = facts_.probe;
    resp->set_daemon_version(facts_.daemon_version);
    resp->set_kernel_release(p.kernel_release);
    resp->set_cgroup_mode(std::string(cgroup::to_string(facts_.layout.mode)));
    resp->set_memory_controller(facts_.layout.memory_root.string());
    resp->set_memory_controller_version(facts_.layout.memory_v2 ? "v2" : "v1");
    resp->set_unified_root(facts_.layout.unified_root.string());
    resp->set_psi_available(p.psi_available);
    resp->set_psi_sub_2s_windows(p.cap_sys_resource);
    // Read now, from the one list a campaign's `kernel:` is checked against.
    for (const rcu::KnobState& k : rcu::describe_knobs("/sys")) {
      auto* out = resp->add_rcu_knobs();
      out->set_name(std::string(k.def->name));
      out->set_path("/sys/" + std::string(k.def->path));
      out->set_readable(k.present);
      out->set_writable(k.present && k.writable);
      out->set_value(k.value);
    }
    resp->set_stress_ng_path(p.stress_ng_path);
    resp->set_stress_ng_version(p.stress_ng_version);
    resp->set_memory_total_bytes(p.memory_total_bytes);
    resp->set_cpus(p.cpus);
    resp->set_running_campaign(engine_.running_id());
    resp->set_libcgroup_memory_mount(facts_.libcgroup_memory_mount);
    resp->set_campaign_cgroups((facts_.layout.campaign_root() / facts_.cgroup_prefix).string());
    resp->set_campaign_cgroups_why(facts_.campaign_parent_why);
    resp->set_daemon_cgroup(facts_.daemon_cgroup);
    set_ledger_availability(facts_.ledger_unavailable, facts_.ledger_unsized, resp);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* Service::GetOomProximity(grpc::CallbackServerContext* ctx,
                                                   const pb::GetOomProximityRequest* req,
                                                   pb::GetOomProximityResponse* resp) {
  using T = pb::GetOomProximityRequest;
  if (req->target_case() == T::kCampaignId) {
    if (auto st = check_id(req->campaign_id(), "campaign_id"); !st.ok()) return finish_now(ctx, st);
    return on_io(io_, ctx, [this, req, resp] {
      ApiResult<OomLook> look = engine_.oom_look(req->campaign_id());
      if (!look.ok()) return to_grpc(look.error);
      resp->set_campaign_id(req->campaign_id());
      if (look.value->cgroup) to_pb(*look.value->cgroup, "cgroup " + look.value->cgroup_dir, resp->add_looks());
      if (look.value->system) to_pb(*look.value->system, "system", resp->add_looks());
      return grpc::Status::OK;
    });
  }
  std::chrono::milliseconds window = kOomProbeDefaultWindow;
  if (req->window_ms() != 0) {
    window = std::chrono::milliseconds(req->window_ms());
    if (window < kOomProbeMinWindow || window > kOomProbeMaxWindow)
      return finish_now(ctx, invalid("window_ms", fmt::format("is {}; {} to {} (0: {})",
                                                              req->window_ms(),
                                                              kOomProbeMinWindow.count(),
                                                              kOomProbeMaxWindow.count(),
                                                              kOomProbeDefaultWindow.count())));
  }
  OomProbeTarget target{"system", std::nullopt, false, std::nullopt};
  if (req->target_case() == T::kCgroup) {
    // A path that is not one of ours is the request's fault; one of ours that is not there is
    // NOT_FOUND.
    if (auto p = oom_cgroup_relative_path(facts_.layout, facts_.cgroup_prefix, req->cgroup()); !p)
      return finish_now(ctx, invalid("cgroup", p.error().message));
    auto t = resolve_oom_cgroup(facts_.layout, facts_.cgroup_prefix, req->cgroup());
    if (!t)
      return finish_now(
          ctx, grpc::Status(grpc::StatusCode::NOT_FOUND, "cgroup: " + t.error().message));
    target = std::move(t).value();
  } else if (req->target_case() != T::kSystem) {
    return finish_now(ctx, invalid("target", "give one of campaign_id, cgroup or system"));
  }
  auto* r = ctx->DefaultReactor();
  asio::post(oom_probes_, [ctx, r, resp, target = std::move(target), window] {
    OomProbeEnv env;
    env.wait = [ctx](std::chrono::milliseconds d) {
      std::this_thread::sleep_for(d);
      return !ctx->IsCancelled();
    };
    const OomProbeResult result = probe_oom(target, window, env);
    if (!result.error.empty()) {
      return r->Finish(grpc::Status(
          result.cgroup_gone ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::INTERNAL,
          result.error));
    }
    if (result.cgroup) to_pb(*result.cgroup, target.label, resp->add_looks());
    if (result.system) to_pb(*result.system, "system", resp->add_looks());
    resp->set_note(
        "a probe's look: memory waiting in RCU is not counted (no ledger outside a campaign); "
        "the ETA is over the probe's window");
    r->Finish(grpc::Status::OK);
  });
  return r;
}

grpc::ServerUnaryReactor* Service::ProbeRcu(grpc::CallbackServerContext* ctx,
                                            const pb::ProbeRcuRequest* req,
                                            pb::ProbeRcuResponse* resp) {
  if (req->gp() > static_cast<unsigned>(rcu::kMaxProbeGracePeriods))
    return finish_now(ctx, invalid("gp", fmt::format("is {}; at most {} grace periods", req->gp(),
                                                     rcu::kMaxProbeGracePeriods)));
  if (req->ledger_seconds() > static_cast<unsigned>(rcu::kMaxProbeLedgerSeconds))
    return finish_now(
        ctx, invalid("ledger_seconds",
                     fmt::format("is {}; {} to {} seconds (0: no ledger)", req->ledger_seconds(),
                                 rcu::kMinProbeLedgerSeconds, rcu::kMaxProbeLedgerSeconds)));
  auto* r = ctx->DefaultReactor();
  const rcu::ProbeRequest request{static_cast<int>(req->gp()), req->barrier(),
                                  static_cast<int>(req->ledger_seconds())};
  asio::post(probes_, [this, ctx, r, request, resp] {
    rcu::ProbeEnv env;
    env.cpus = facts_.probe.cpus;
    // The probe's own ledger, opened and closed on this thread.
    env.open_ledger = [this]() -> Result<std::unique_ptr<rcu::Ledger>> {
      if (!facts_.ledger_unavailable.empty()) return make_error(facts_.ledger_unavailable);
      return rcu::Ledger::open();
    };
    // The window ends early when the call is cancelled (the client went away, or the server
    // shuts down): the ledger is then closed at once.
    env.wait = [ctx](std::chrono::nanoseconds window) {
      const auto end = std::chrono::steady_clock::now() + window;
      while (!ctx->IsCancelled()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= end) return true;
        std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(end - now, kProbePoll));
      }
      return false;
    };
    to_pb(rcu::probe(request, env), resp);
    r->Finish(grpc::Status::OK);
  });
  return r;
}

}  // namespace mt::daemon
