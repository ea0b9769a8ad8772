#include "client/commands.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "campaign/parse.h"
#include "client/render.h"
#include "common/units.h"
#include "kernel/memory_files.h"
#include "memtorture/v1/memtorture.grpc.pb.h"

namespace mt::client {
namespace {

constexpr const char* kDefaultSocket = "/run/memtorture/memtorture.sock";
constexpr auto kConnectTimeout = std::chrono::seconds(3);

std::optional<std::string> read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

// A connected stub, or a printed reason and kUnreachable.
class Daemon {
 public:
  explicit Daemon(const GlobalOptions& g) : socket_(resolve_socket(g.socket)) {
    channel_ = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
    stub_ = pb::MemTorture::NewStub(channel_);
  }
  bool connect() {
    struct stat st {};
    if (::stat(socket_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      std::cerr << fmt::format(
          "memtorturectl: cannot reach memtortured at {}: no socket there (is the daemon "
          "running? --socket or MEMTORTURE_SOCKET)\n",
          socket_);
      return false;
    }
    if (channel_->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) return true;
    std::cerr << fmt::format(
        "memtorturectl: cannot reach memtortured at {} (is it running? "
        "--socket or MEMTORTURE_SOCKET)\n",
        socket_);
    return false;
  }
  pb::MemTorture::Stub& stub() { return *stub_; }

  // Prints a failed RPC and gives its exit code.
  int fail(const grpc::Status& st, const std::string& what) const {
    std::cerr << fmt::format("memtorturectl: {}: {}\n", what, st.error_message());
    if (st.error_code() == grpc::StatusCode::INVALID_ARGUMENT) return kInvalid;
    return kUnreachable;
  }

 private:
  std::string socket_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::MemTorture::Stub> stub_;
};

bool write_junit(const std::string& path, const pb::Campaign& c) {
  std::ofstream out(path);
  out << junit_xml(c);
  if (!out) {
    std::cerr << fmt::format("memtorturectl: cannot write JUnit XML to {}\n", path);
    return false;
  }
  return true;
}

// Follows a campaign's events until it finishes, then prints the summary (or the report as
// JSON) and returns the verdict's exit code.
int follow(Daemon& d, const GlobalOptions& g, const std::string& id, const std::string& junit) {
  grpc::ClientContext ctx;
  pb::WatchCampaignRequest req;
  req.set_id(id);
  auto reader = d.stub().WatchCampaign(&ctx, req);
  Progress progress;
  const bool tty = ::isatty(STDERR_FILENO);
  auto last_print = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  pb::CampaignEvent ev;
  while (reader->Read(&ev)) {
    progress.apply(ev);
    if (auto line = Progress::notable(ev); !line.empty())
      std::cerr << (tty ? "\r\033[K" : "") << line << "\n";
    const auto now = std::chrono::steady_clock::now();
    if (tty) {
      std::cerr << "\r\033[K" << progress.line() << std::flush;
    } else if (now - last_print >= std::chrono::seconds(1)) {
      std::cerr << progress.line() << "\n";
      last_print = now;
    }
  }
  if (tty) std::cerr << "\r\033[K" << progress.line() << "\n";
  if (auto st = reader->Finish(); !st.ok()) return d.fail(st, "watching campaign " + id);

  grpc::ClientContext get_ctx;
  pb::GetCampaignRequest get;
  get.set_id(id);
  pb::Campaign c;
  if (auto st = d.stub().GetCampaign(&get_ctx, get, &c); !st.ok())
    return d.fail(st, "getting campaign " + id);
  if (g.json) {
    std::cout << (c.report_json().empty() ? to_json(c) : c.report_json()) << "\n";
  } else {
    std::cout << "\n" << summary(c);
  }
  if (!junit.empty() && !write_junit(junit, c)) return kUnreachable;
  return exit_code_for(c.state());
}

int start_campaign(Daemon& d, const std::string& file, std::string* id) {
  auto text = read_text(file);
  if (!text) {
    std::cerr << fmt::format("memtorturectl: cannot read {}\n", file);
    return kInvalid;
  }
  grpc::ClientContext ctx;
  pb::StartCampaignRequest req;
  req.mutable_source()->set_yaml(*text);
  req.mutable_source()->set_file_name(file);
  pb::StartCampaignResponse resp;
  if (auto st = d.stub().StartCampaign(&ctx, req, &resp); !st.ok()) {
    if (st.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      // "source.yaml: invalid campaign:" (the RPC field) then one file:line:col line per error.
      std::string_view msg = st.error_message();
      const auto nl = msg.find('\n');
      const auto errors = nl == std::string_view::npos ? msg : msg.substr(nl + 1);
      std::cerr << errors << "\n"
                << fmt::format("{}: invalid campaign, refused by memtortured\n", file);
      return kInvalid;
    }
    return d.fail(st, "starting " + file);
  }
  *id = resp.id();
  return kPassed;
}

}  // namespace

std::string resolve_socket(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("MEMTORTURE_SOCKET"); env && *env) return env;
  return kDefaultSocket;
}

int cmd_validate(const GlobalOptions& g, const std::string& file, bool print_normalized) {
  auto text = read_text(file);
  if (!text) {
    std::cerr << fmt::format("memtorturectl: cannot read {}\n", file);
    return kInvalid;
  }
  campaign::ParseOptions po;
  po.file_name = file;
  po.physical_memory_bytes = kernel::read_mem_total().value_or(0);
  auto parsed = campaign::parse_campaign(*text, po);
  if (g.json) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& d : parsed.errors)
      errors.push_back(
          {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
    nlohmann::json out = {{"valid", parsed.ok()}, {"errors", errors}};
    if (parsed.ok()) out["normalized_yaml"] = campaign::to_yaml(*parsed.spec);
    std::cout << out.dump(2) << "\n";
  } else if (parsed.ok()) {
    const auto& s = *parsed.spec;
    if (print_normalized) std::cout << campaign::to_yaml(s);
    std::cerr << fmt::format("{}: valid: campaign {}, {} workload(s), {}, limit {}\n", file, s.name,
                             s.workloads.size(), duration_to_string(s.duration),
                             size_to_string(s.cgroup.memory_limit));
  } else {
    for (const auto& d : parsed.errors) std::cerr << d.str() << "\n";
    std::cerr << fmt::format("{}: {} error(s)\n", file, parsed.errors.size());
  }
  return parsed.ok() ? kPassed : kInvalid;
}

int cmd_run(const GlobalOptions& g, const RunOptions& r) {
  // Ctrl-C / SIGTERM stop the campaign; the stream then runs to its end and the summary prints.
  // Blocked before the channel starts gRPC's threads, so that only sigtimedwait below sees them
  // (blocked signals are also never discarded, even where the shell set them to SIG_IGN).
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  std::string id;
  if (int rc = start_campaign(d, r.file, &id); rc != kPassed) return rc;
  std::cerr << fmt::format("campaign {} started (Ctrl-C stops it)\n", id);

  std::atomic<bool> done{false};
  std::thread stopper([&] {
    timespec tick{0, 200 * 1000 * 1000};
    while (!done) {
      if (sigtimedwait(&sigs, nullptr, &tick) < 0) continue;
      std::cerr << "\nstopping campaign " << id << " ...\n";
      grpc::ClientContext ctx;
      pb::StopCampaignRequest req;
      req.set_id(id);
      pb::Campaign c;
      if (auto st = d.stub().StopCampaign(&ctx, req, &c); !st.ok())
        std::cerr << "memtorturectl: stop failed: " << st.error_message() << "\n";
    }
  });
  int rc = follow(d, g, id, r.junit);
  done = true;
  stopper.join();
  return rc;
}

int cmd_start(const GlobalOptions& g, const std::string& file) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  std::string id;
  if (int rc = start_campaign(d, file, &id); rc != kPassed) return rc;
  std::cout << (g.json ? nlohmann::json({{"id", id}}).dump() : id) << "\n";
  return kPassed;
}

int cmd_status(const GlobalOptions& g, const std::optional<std::string>& id_arg) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  std::string id;
  if (id_arg) {
    id = *id_arg;
  } else {  // the running campaign, else the newest
    grpc::ClientContext ctx;
    pb::ListCampaignsResponse list;
    if (auto st = d.stub().ListCampaigns(&ctx, {}, &list); !st.ok())
      return d.fail(st, "listing campaigns");
    if (list.campaigns().empty()) {
      std::cerr << "memtorturectl: no campaigns yet\n";
      return kUnreachable;
    }
    id = list.campaigns(0).id();
    for (const auto& c : list.campaigns())
      if (c.state() == pb::RUNNING) id = c.id();
  }
  grpc::ClientContext ctx;
  pb::GetCampaignRequest req;
  req.set_id(id);
  pb::Campaign c;
  if (auto st = d.stub().GetCampaign(&ctx, req, &c); !st.ok()) return d.fail(st, "campaign " + id);
  c.clear_report_json();
  std::cout << (g.json ? to_json(c) : summary(c)) << "\n";
  return kPassed;
}

int cmd_list(const GlobalOptions& g) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  grpc::ClientContext ctx;
  pb::ListCampaignsResponse list;
  if (auto st = d.stub().ListCampaigns(&ctx, {}, &list); !st.ok())
    return d.fail(st, "listing campaigns");
  if (g.json) {
    std::cout << to_json(list) << "\n";
    return kPassed;
  }
  std::cout << fmt::format("{:<52} {:<8} {:>9}  {}\n", "id", "state", "elapsed", "file");
  for (const auto& c : list.campaigns())
    std::cout << fmt::format("{:<52} {:<8} {:>8.1f}s  {}\n", c.id(), state_name(c.state()),
                             c.elapsed_s(), c.file_name());
  return kPassed;
}

int cmd_watch(const GlobalOptions& g, const std::string& id, const std::string& junit) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  return follow(d, g, id, junit);
}

int cmd_stop(const GlobalOptions& g, const std::string& id) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  grpc::ClientContext ctx;
  pb::StopCampaignRequest req;
  req.set_id(id);
  pb::Campaign c;
  if (auto st = d.stub().StopCampaign(&ctx, req, &c); !st.ok()) return d.fail(st, "stopping " + id);
  std::cout << (g.json ? to_json(c) : fmt::format("campaign {}: {}", id, state_name(c.state())))
            << "\n";
  return kPassed;
}

int cmd_report(const GlobalOptions& g, const std::string& id) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  grpc::ClientContext ctx;
  pb::GetCampaignRequest req;
  req.set_id(id);
  pb::Campaign c;
  if (auto st = d.stub().GetCampaign(&ctx, req, &c); !st.ok()) return d.fail(st, "campaign " + id);
  if (c.report_json().empty()) {
    std::cerr << fmt::format(
        "memtorturectl: campaign {} is {}; its report is written when it ends\n", id,
        state_name(c.state()));
    return kUnreachable;
  }
  std::cout << c.report_json() << (c.report_json().back() == '\n' ? "" : "\n");
  return kPassed;
}

int cmd_system(const GlobalOptions& g) {
  Daemon d(g);
  if (!d.connect()) return kUnreachable;
  grpc::ClientContext ctx;
  pb::SystemInfo s;
  if (auto st = d.stub().GetSystem(&ctx, {}, &s); !st.ok()) return d.fail(st, "system");
  if (g.json) {
    std::cout << to_json(s) << "\n";
    return kPassed;
  }
  std::cout << fmt::format("daemon            {}\n", s.daemon_version())
            << fmt::format("kernel            {}\n", s.kernel_release())
            << fmt::format("cpus, memory      {}, {}\n", s.cpus(),
                           human_bytes(static_cast<double>(s.memory_total_bytes())))
            << fmt::format("cgroups           {}; memory controller {} at {}\n", s.cgroup_mode(),
                           s.memory_controller_version(), s.memory_controller())
            << fmt::format("cgroup2           {}\n",
                           s.unified_root().empty() ? "-" : s.unified_root())
            << fmt::format("libcgroup         {}\n", s.libcgroup_memory_mount())
            << fmt::format("PSI               {}; trigger windows below 2 s: {}\n",
                           s.psi_available() ? "available" : "unavailable",
                           s.psi_sub_2s_windows() ? "allowed" : "not allowed (no CAP_SYS_RESOURCE)")
            << fmt::format("stress-ng         {}\n",
                           s.stress_ng_path().empty()
                               ? "not installed"
                               : s.stress_ng_path() + " (" + s.stress_ng_version() + ")")
            << fmt::format("running campaign  {}\n",
                           s.running_campaign().empty() ? "-" : s.running_campaign())
            << "RCU knobs\n";
  for (const auto& k : s.rcu_knobs())
    std::cout << fmt::format("  {:<56} {:<3} {}\n", k.path(), k.writable() ? "rw" : "ro",
                             k.value());
  return kPassed;
}

}  // namespace mt::client
