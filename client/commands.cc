#include "client/commands.h"

#include <fmt/format.h>

#include <condition_variable>
#include <cstdlib>
#include <thread>
#include <variant>

#include "campaign/parse.h"
#include "client/campaign_file.h"
#include "client/compare.h"
#include "client/daemon_client.h"
#include "client/follow.h"
#include "client/interrupt.h"
#include "client/json_output.h"
#include "client/render.h"
#include "common/fs.h"
#include "common/units.h"
#include "kernel/memory_files.h"

namespace mt::client {
namespace {

constexpr const char* kDefaultSocket = "/run/memtorture/memtorture.sock";

// The campaign's name for the JUnit suite when the daemon gives no result; the file name when
// the file does not parse (the daemon will say why).
std::string suite_name(const std::string& text, const std::string& file) {
  campaign::ParseOptions po;
  po.file_name = file;
  auto parsed = campaign::parse_campaign(text, po);
  return parsed.ok() ? parsed.spec->name : file;
}

// "file:line:col: warning: ..." lines for the daemon's warnings (its host's view of the file).
std::string warning_lines(const google::protobuf::RepeatedPtrField<pb::ConfigError>& ws) {
  std::string out;
  for (const auto& w : ws)
    out += fmt::format("{}:{}:{}: warning: {}\n", w.file(), w.line(), w.column(), w.message());
  return out;
}

// Starts the campaign in `text` (already checked by read_campaign_text): the daemon's answer
// (the id and its warnings), or why not.
std::variant<pb::StartCampaignResponse, Failure> start_campaign(DaemonClient& d,
                                                                const std::string& file,
                                                                const std::string& text,
                                                                Interrupt* interrupt) {
  auto ctx = d.unary_context();
  std::optional<Interrupt::Tracked> tracked;
  if (interrupt) tracked.emplace(*interrupt, ctx.get());
  pb::StartCampaignRequest req;
  req.mutable_source()->set_yaml(text);
  req.mutable_source()->set_file_name(file);
  pb::StartCampaignResponse resp;
  const grpc::Status st = d.stub().StartCampaign(ctx.get(), req, &resp);
  if (st.ok()) return resp;
  if (interrupt && interrupt->cancelled())
    return interrupted(
        fmt::format("while starting {}; the campaign may have started (memtorturectl list)", file));
  // grpc::Status::error_message() returns a copy: keep it, not a view on it.
  const std::string msg = st.error_message();
  if (const auto nl = msg.find('\n');
      st.error_code() == grpc::StatusCode::INVALID_ARGUMENT && nl != std::string::npos) {
    // "source.yaml: invalid campaign:" (the RPC field) then one file:line:col line per error.
    return Failure{
        kInvalid,
        fmt::format("{}\n{}: invalid campaign, refused by memtortured", msg.substr(nl + 1), file),
        /*about_file=*/true};
  }
  if (const auto nl = msg.find('\n');
      st.error_code() == grpc::StatusCode::UNIMPLEMENTED && nl != std::string::npos) {
    // "this host lacks what the campaign requires:" then one file:line:col line per feature.
    return Failure{kNotRun,
                   fmt::format("{}\n{}: not run: memtortured's host lacks what it requires",
                               msg.substr(nl + 1), file),
                   /*about_file=*/true};
  }
  if (const auto nl = msg.find('\n');
      st.error_code() == grpc::StatusCode::FAILED_PRECONDITION && nl != std::string::npos) {
    // "this host cannot run the campaign:" then one file:line:col line per reason.
    return Failure{kUnreachable,
                   fmt::format("{}\n{}: memtortured's host cannot run this campaign",
                               msg.substr(nl + 1), file),
                   /*about_file=*/true};
  }
  return rpc_failure(st, "starting " + file);
}

// `run`'s first Ctrl-C: asks the daemon to stop the campaign, without blocking the signal
// thread (the answer comes after teardown), so that a second Ctrl-C can still cancel.
class StopOnInterrupt {
 public:
  StopOnInterrupt(DaemonClient& d, std::string id, Interrupt& interrupt, Console& console)
      : d_(d), id_(std::move(id)), interrupt_(interrupt), console_(console) {
    req_.set_id(id_);
    interrupt_.on_first([this] { start_stop(); });
  }
  ~StopOnInterrupt() {
    interrupt_.on_first({});
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return !in_flight_; });
  }
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

 private:
  void start_stop() {
    if (ctx_) return;  // asked once already
    console_.err(fmt::format("\nstopping campaign {} ... (Ctrl-C again exits at once)\n", id_));
    ctx_ = d_.stop_context();
    tracked_.emplace(interrupt_, ctx_.get());
    {
      std::lock_guard lock(mu_);
      in_flight_ = true;
    }
    d_.stub().async()->StopCampaign(ctx_.get(), &req_, &resp_, [this](grpc::Status st) {
      if (!st.ok() && st.error_code() != grpc::StatusCode::CANCELLED)
        console_.err(rpc_failure(st, "stopping campaign " + id_).printed());
      std::lock_guard lock(mu_);
      in_flight_ = false;
      done_.notify_all();
    });
  }

  DaemonClient& d_;
  const std::string id_;
  Interrupt& interrupt_;
  Console& console_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::optional<Interrupt::Tracked> tracked_;
  pb::StopCampaignRequest req_;
  pb::Campaign resp_;
  std::mutex mu_;
  std::condition_variable done_;
  bool in_flight_ = false;
};

// A unary call on a fresh context with the usual deadline.
template <class Req, class Resp, class Method>
grpc::Status call(DaemonClient& d, Method method, const Req& req, Resp* resp) {
  auto ctx = d.unary_context();
  return (d.stub().*method)(ctx.get(), req, resp);
}

}  // namespace

std::string resolve_socket(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MEMTORTURE_SOCKET"); env && *env) return env;
  return kDefaultSocket;
}

int cmd_validate(const GlobalOptions& g, const std::string& file, bool print_normalized) {
  Console& con = *g.console;
  campaign::ParseResult parsed;
  std::string text;
  if (auto bad = read_campaign_text(file, &text)) {
    parsed.errors.push_back(std::move(*bad));
  } else {
    campaign::ParseOptions po;
    po.file_name = file;
    po.physical_memory_bytes = kernel::read_mem_total().value_or(0);
    po.cpus = std::thread::hardware_concurrency();
    parsed = campaign::parse_campaign(text, po);
  }
  if (g.json) {
    const auto diagnostics = [](const std::vector<campaign::Diagnostic>& ds) {
      Json out = Json::array();
      for (const auto& d : ds)
        out.push_back(
            {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
      return out;
    };
    con.out(dump_json({{"valid", parsed.ok()},
                       {"errors", diagnostics(parsed.errors)},
                       {"warnings", diagnostics(parsed.warnings)},
                       {"normalized_yaml", parsed.ok() ? campaign::to_yaml(*parsed.spec) : ""}}));
    return parsed.ok() ? kPassed : kInvalid;
  }
  std::string err;
  for (const auto& w : parsed.warnings)
    err += fmt::format("{}:{}:{}: warning: {}\n", w.file, w.line, w.column, w.message);
  if (parsed.ok()) {
    const auto& s = *parsed.spec;
    if (print_normalized) con.out(campaign::to_yaml(s));
    err += fmt::format("{}: valid: campaign {}, {}, {}, limit {}\n", file, s.name,
                       counted(s.workloads.size(), "workload"), duration_to_string(s.duration),
                       size_to_string(s.cgroup.memory_limit));
  } else {
    for (const auto& d : parsed.errors) err += diagnostic_text(d) + "\n";
    // "x.yaml: is a directory" needs no "x.yaml: 1 error" after it.
    if (parsed.errors.size() != 1 || parsed.errors[0].line > 0)
      err += fmt::format("{}: {}\n", file, counted(parsed.errors.size(), "error"));
  }
  con.err(err);
  return parsed.ok() ? kPassed : kInvalid;
}

Outcome start_and_follow(const GlobalOptions& g, const std::string& file, Interrupt& interrupt,
                         std::string* name, std::string* id) {
  *name = file;
  // The file is checked before anything is sent: a directory, a missing, huge or binary file is
  // refused here with exit code 2.
  std::string text;
  if (auto bad = read_campaign_text(file, &text))
    return Outcome::failed(Failure{kInvalid, diagnostic_text(*bad), /*about_file=*/true});
  *name = suite_name(text, file);
  DaemonClient d(g);
  if (auto f = d.connect()) return Outcome::failed(std::move(*f));
  auto started = start_campaign(d, file, text, &interrupt);
  if (auto* f = std::get_if<Failure>(&started)) return Outcome::failed(std::move(*f));
  const auto& resp = std::get<pb::StartCampaignResponse>(started);
  *id = resp.id();
  g.console->err(warning_lines(resp.warnings()) +
                 fmt::format("campaign {} started (Ctrl-C stops it)\n", *id));
  StopOnInterrupt stopper(d, *id, interrupt, *g.console);
  return follow(d, g, *id, interrupt);
}

int run_campaign(const GlobalOptions& g, const RunOptions& r, Interrupt& interrupt) {
  std::string suite, id;
  const Outcome outcome = start_and_follow(g, r.file, interrupt, &suite, &id);
  return conclude(g, outcome, r.junit, suite, id);
}

int cmd_run(const GlobalOptions& g, const RunOptions& r) {
  Interrupt interrupt(/*signals_to_cancel=*/2);
  SignalThread signals(interrupt);  // before the first channel starts gRPC's threads
  return run_campaign(g, r, interrupt);
}

int cmd_start(const GlobalOptions& g, const std::string& file) {
  std::string text;
  if (auto bad = read_campaign_text(file, &text))
    return print_failure(g, {kInvalid, diagnostic_text(*bad), /*about_file=*/true});
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  auto started = start_campaign(d, file, text, nullptr);
  if (auto* f = std::get_if<Failure>(&started)) return print_failure(g, *f);
  const auto& resp = std::get<pb::StartCampaignResponse>(started);
  g.console->err(warning_lines(resp.warnings()));
  g.console->out(g.json ? dump_json(to_json(resp)) : resp.id() + "\n");
  return kPassed;
}

int cmd_status(const GlobalOptions& g, const std::optional<std::string>& id_arg) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  std::string id;
  if (id_arg) {
    id = *id_arg;
  } else {  // the running campaign, else the newest
    pb::ListCampaignsResponse list;
    if (auto st = call(d, &pb::MemTorture::Stub::ListCampaigns, pb::ListCampaignsRequest{}, &list);
        !st.ok())
      return print_failure(g, rpc_failure(st, "listing campaigns"));
    if (list.campaigns().empty()) return print_failure(g, {kUnreachable, "no campaigns yet"});
    id = list.campaigns(0).id();
    for (const auto& c : list.campaigns())
      if (c.state() == pb::RUNNING) id = c.id();
  }
  pb::GetCampaignRequest req;
  req.set_id(id);
  pb::Campaign c;
  if (auto st = call(d, &pb::MemTorture::Stub::GetCampaign, req, &c); !st.ok())
    return print_failure(g, rpc_failure(st, "campaign " + id));
  g.console->out(g.json ? dump_json(to_json(c)) : summary(c) + "\n");
  return kPassed;
}

int cmd_list(const GlobalOptions& g) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::ListCampaignsResponse list;
  if (auto st = call(d, &pb::MemTorture::Stub::ListCampaigns, pb::ListCampaignsRequest{}, &list);
      !st.ok())
    return print_failure(g, rpc_failure(st, "listing campaigns"));
  if (g.json) {
    g.console->out(dump_json(to_json(list)));
    return kPassed;
  }
  std::string out = fmt::format("{:<52} {:<8} {:>9}  {}\n", "id", "state", "elapsed", "file");
  for (const auto& c : list.campaigns())
    out += fmt::format("{:<52} {:<8} {:>8.1f}s  {}\n", c.id(), state_name(c.state()), c.elapsed_s(),
                       c.file_name());
  g.console->out(out);
  return kPassed;
}

int watch_campaign(const GlobalOptions& g, const std::string& id, const std::string& junit,
                   Interrupt& interrupt) {
  const Outcome outcome = [&]() -> Outcome {
    DaemonClient d(g);
    if (auto f = d.connect()) return Outcome::failed(std::move(*f));
    return follow(d, g, id, interrupt);
  }();
  return conclude(g, outcome, junit, id, id);
}

int cmd_watch(const GlobalOptions& g, const std::string& id, const std::string& junit) {
  Interrupt interrupt(/*signals_to_cancel=*/1);  // watching only: nothing to stop
  SignalThread signals(interrupt);
  return watch_campaign(g, id, junit, interrupt);
}

int cmd_stop(const GlobalOptions& g, const std::string& id) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::StopCampaignRequest req;
  req.set_id(id);
  pb::Campaign c;
  auto ctx = d.stop_context();
  if (auto st = d.stub().StopCampaign(ctx.get(), req, &c); !st.ok())
    return print_failure(g, rpc_failure(st, "stopping " + id));
  g.console->out(g.json ? dump_json(to_json(c))
                        : fmt::format("campaign {}: {}\n", id, state_name(c.state())));
  return kPassed;
}

int cmd_control(const GlobalOptions& g, const std::string& id, const std::string& workload,
                ControlAction action, double rate) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::ControlWorkloadRequest req;
  req.set_id(id);
  req.set_workload(workload);
  req.set_action(action == ControlAction::pause    ? pb::ControlWorkloadRequest::PAUSE
                 : action == ControlAction::resume ? pb::ControlWorkloadRequest::RESUME
                                                   : pb::ControlWorkloadRequest::SET_RATE);
  req.set_rate(rate);
  pb::WorkloadStatus w;
  if (auto st = call(d, &pb::MemTorture::Stub::ControlWorkload, req, &w); !st.ok())
    return print_failure(g, rpc_failure(st, fmt::format("workload {} of {}", workload, id)));
  if (g.json) {
    g.console->out(dump_json(to_json(w)));
    return kPassed;
  }
  const std::string pace = w.rate() > 0 ? human_count(w.rate()) + " ops/s per thread"
                                        : std::string("unlimited rate");
  g.console->out(fmt::format("workload {} of campaign {}: {}, {}\n", workload, id,
                             w.paused() ? "paused" : "running", pace));
  return kPassed;
}

int cmd_system(const GlobalOptions& g) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::SystemInfo s;
  if (auto st = call(d, &pb::MemTorture::Stub::GetSystem, pb::GetSystemRequest{}, &s); !st.ok())
    return print_failure(g, rpc_failure(st, "system"));
  if (g.json) {
    g.console->out(dump_json(to_json(s)));
    return kPassed;
  }
  std::string out =
      fmt::format("daemon            {}\n", s.daemon_version()) +
      fmt::format("kernel            {}\n", s.kernel_release()) +
      fmt::format("cpus, memory      {}, {}\n", s.cpus(),
                  human_bytes(static_cast<double>(s.memory_total_bytes()))) +
      fmt::format("cgroups           {}; memory controller {} at {}\n", s.cgroup_mode(),
                  s.memory_controller_version(), s.memory_controller()) +
      fmt::format("cgroup2           {}\n", s.unified_root().empty() ? "-" : s.unified_root()) +
      fmt::format("libcgroup         {}\n", s.libcgroup_memory_mount()) +
      fmt::format("campaigns go      {}{}\n", s.campaign_cgroups(),
                  s.campaign_cgroups_why().empty() ? "" : ": " + s.campaign_cgroups_why()) +
      (s.daemon_cgroup().empty() ? std::string()
                                 : fmt::format("daemon runs in    {}\n", s.daemon_cgroup())) +
      fmt::format("PSI               {}; trigger windows below 2 s: {}\n",
                  s.psi_available() ? "available" : "unavailable",
                  s.psi_sub_2s_windows() ? "allowed" : "not allowed (no CAP_SYS_RESOURCE)") +
      fmt::format("stress-ng         {}\n",
                  s.stress_ng_path().empty()
                      ? "not installed"
                      : s.stress_ng_path() + " (" + s.stress_ng_version() + ")") +
      fmt::format("running campaign  {}\n",
                  s.running_campaign().empty() ? "-" : s.running_campaign()) +
      fmt::format("RCU ledger        {}\n", !s.ledger_available()
                                                ? "unavailable: " + s.ledger_unavailable_reason()
                                            : s.ledger_unsized_reason().empty()
                                                ? std::string("available")
                                                : "counts only: " + s.ledger_unsized_reason()) +
      "RCU knobs\n";
  for (const auto& k : s.rcu_knobs())
    out += fmt::format("  {:<24} {:<3} {:<6} {}\n", k.name(),
                       !k.readable() ? "-" : k.writable() ? "rw" : "ro",
                       k.readable() ? k.value() : "absent", k.path());
  g.console->out(out);
  return kPassed;
}

namespace {

std::string latency_text(double us) {
  if (us < 1000) return fmt::format("{:.1f} µs", us);
  return fmt::format("{:.1f} ms", us / 1000);
}

}  // namespace

int cmd_oom(const GlobalOptions& g, const OomOptions& o) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::GetOomProximityRequest req;
  if (o.id) {
    req.set_campaign_id(*o.id);
  } else if (!o.cgroup.empty()) {
    req.set_cgroup(o.cgroup);
  } else if (o.system) {
    req.set_system(true);
  } else {  // the running campaign, else the system
    pb::SystemInfo s;
    if (auto st = call(d, &pb::MemTorture::Stub::GetSystem, pb::GetSystemRequest{}, &s); !st.ok())
      return print_failure(g, rpc_failure(st, "oom"));
    if (s.running_campaign().empty())
      req.set_system(true);
    else
      req.set_campaign_id(s.running_campaign());
  }
  req.set_window_ms(static_cast<unsigned>(o.window_ms));
  pb::GetOomProximityResponse r;
  const auto window = std::chrono::milliseconds(o.window_ms > 0 ? o.window_ms : 3000);
  auto ctx = d.unary_context_plus(window + kProbeMargin);
  if (auto st = d.stub().GetOomProximity(ctx.get(), req, &r); !st.ok())
    return print_failure(g, rpc_failure(st, "oom"));
  if (g.json) {
    g.console->out(dump_json(to_json(r)));
    return kPassed;
  }
  std::string out;
  if (!r.campaign_id().empty()) out += fmt::format("campaign {}\n", r.campaign_id());
  for (const auto& look : r.looks()) out += oom_look_text(look);
  if (!r.note().empty()) out += fmt::format("note: {}\n", r.note());
  g.console->out(out);
  return kPassed;
}

std::chrono::milliseconds probe_extra_time(const ProbeOptions& p) {
  std::chrono::milliseconds extra = kProbePerGracePeriod * p.gp + kProbeMargin;
  if (p.ledger_seconds > 0) extra += std::chrono::seconds(p.ledger_seconds) + kProbeLedgerMargin;
  return extra;
}

int cmd_probe(const GlobalOptions& g, const ProbeOptions& p) {
  DaemonClient d(g);
  if (auto f = d.connect()) return print_failure(g, *f);
  pb::ProbeRcuRequest req;
  req.set_gp(static_cast<unsigned>(p.gp));
  req.set_barrier(p.barrier);
  req.set_ledger_seconds(static_cast<unsigned>(p.ledger_seconds));
  pb::ProbeRcuResponse r;
  auto ctx = d.unary_context_plus(probe_extra_time(p));
  if (auto st = d.stub().ProbeRcu(ctx.get(), req, &r); !st.ok())
    return print_failure(g, rpc_failure(st, "probe"));
  if (g.json) {
    g.console->out(dump_json(to_json(r)));
    return kPassed;
  }
  std::string out = fmt::format("RCU now ({})\n", r.knobs());
  if (p.gp > 0) {
    if (r.gp_latency_us_size() > 0)
      out += fmt::format("grace periods   {} timed: p50 {}, p90 {}, p99 {}, max {}\n",
                         r.gp_latency_us_size(), latency_text(r.gp_p50_us()),
                         latency_text(r.gp_p90_us()), latency_text(r.gp_p99_us()),
                         latency_text(r.gp_max_us()));
    if (!r.gp_error().empty()) out += fmt::format("grace periods   not timed: {}\n", r.gp_error());
  }
  if (p.barrier) {
    if (r.barrier_timed())
      out += fmt::format("rcu_barrier     {} ({})\n", latency_text(r.barrier_us()), r.barrier_note());
    else
      out += fmt::format("rcu_barrier     not timed: {}\n", r.barrier_error());
  }
  if (p.ledger_seconds > 0) {
    if (r.has_ledger()) out += ledger_text(r.ledger());
    if (!r.ledger_error().empty())
      out += fmt::format("RCU ledger      {}: {}\n", r.has_ledger() ? "incomplete" : "not read",
                         r.ledger_error());
  }
  g.console->out(out);
  const bool gp_failed = p.gp > 0 && r.gp_latency_us_size() == 0;
  const bool barrier_failed = p.barrier && !r.barrier_timed();
  const bool ledger_failed = p.ledger_seconds > 0 && !r.ledger_error().empty();
  return gp_failed || barrier_failed || ledger_failed ? kUnreachable : kPassed;
}

}  // namespace mt::client
