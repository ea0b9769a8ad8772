#include "workloads/floods/kinds.h"
#include "workloads/rcutorture.h"
#include "daemon/daemon.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <csignal>
#include <future>
#include <thread>

#include "cgroup/cgroup.h"
#include "cgroup/delegation.h"
#include "cgroup/layout.h"
#include "common/fs.h"
#include "common/host_port.h"
#include "rcu/knobs.h"
#include "rcu/ledger_probe.h"
#include "daemon/dirs.h"
#include "daemon/engine.h"
#include "daemon/grpc_service.h"
#include "daemon/prometheus_edge.h"
#include "daemon/metric_catalog.h"
#include "kernel/system_probe.h"

#ifndef MEMTORTURE_VERSION
#define MEMTORTURE_VERSION "dev"
#endif

namespace mt::daemon {
namespace asio = boost::asio;
namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(2);
constexpr auto kCampaignStopWait = std::chrono::seconds(30);

// An flock'd file holding our pid. A second daemon on the same state directory or socket gets
// a clear refusal instead of silently stealing the socket (gRPC unlinks and rebinds it).
class LockFile {
 public:
  static Result<LockFile> acquire(const std::filesystem::path& path, const std::string& what) {
    // O_NOFOLLOW: as root, a symlink planted at the path must not make us write elsewhere.
    bool created = true;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
      created = false;
      fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      const int err = errno;
      return make_error(fmt::format("cannot open lock file {}: {}{}", path.string(),
                                    fs::errno_text(err),
                                    err == ELOOP ? " (it is a symbolic link; refusing to follow it)"
                                                 : ""));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return make_error(fmt::format("lock file {} is not a regular file", path.string()));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      std::string holder;
      if (auto text = fs::read_line(path); text && !text->empty()) holder = " (pid " + *text + ")";
      ::close(fd);
      if (err == EWOULDBLOCK)
        return make_error(
            fmt::format("another memtortured{} is using {}; lock {} is held; refusing to start",
                        holder, what, path.string()));
      return make_error(fmt::format("cannot lock {}: {}", path.string(), fs::errno_text(err)));
    }
    // Only now that the lock is ours: never truncate a file another daemon holds.
    auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      spdlog::warn("cannot record our pid in {}", path.string());
    }
    return LockFile(fd, path, created);
  }
  LockFile(LockFile&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), created_(o.created_) {}
  LockFile(const LockFile&) = delete;
  // The file stays: unlinking it would let a daemon that opened it just before take a lock on
  // a dead inode while a third one creates a new file.
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  // For a daemon that refuses to start after all: removes the file if this start created it.
  void discard() {
    if (created_) ::unlink(path_.c_str());
    ::close(std::exchange(fd_, -1));
  }

 private:
  LockFile(int fd, std::filesystem::path path, bool created)
      : fd_(fd), path_(std::move(path)), created_(created) {}
  int fd_;
  std::filesystem::path path_;
  bool created_;
};

// Lock files for cgroup prefixes live in a directory every daemon on the host sees, and that
// only root may write to (never a world-writable fallback such as /tmp).
Result<std::filesystem::path> prefix_lock_path(const std::string& prefix) {
  for (const char* dir : {"/run/lock", "/run"}) {
    struct stat st {};
    if (::stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir, W_OK) == 0)
      return std::filesystem::path(dir) / (prefix + ".lock");
  }
  return make_error("neither /run/lock nor /run is a writable directory: nowhere to keep the "
                    "cgroup prefix's lock file");
}

// What compile() checks campaigns against, probed once.
// Why page_cache workloads cannot do what they are for with this state directory, or empty:
// their files go under <state-dir>/run, and on tmpfs (or ramfs) those pages are shared memory,
// which without swap only an OOM kill frees, not page cache that reclaim can drop (seen with a
// state directory under a qemu guest's /tmp: the page-cache campaign was OOM-killed).
std::string page_cache_unavailable(const std::filesystem::path& state_dir) {
  constexpr long kTmpfsMagic = 0x01021994, kRamfsMagic = static_cast<long>(0x858458f6);
  struct statfs st {};
  if (::statfs(state_dir.c_str(), &st) != 0) return {};
  if (st.f_type != kTmpfsMagic && st.f_type != kRamfsMagic) return {};
  return fmt::format(
      "its files would go under {}/run, which is on {} here: those pages are shared memory, not "
      "page cache reclaim can drop; start memtortured with a --state-dir on a disk filesystem",
      state_dir.string(), st.f_type == kTmpfsMagic ? "tmpfs" : "ramfs");
}

campaign::HostFeatures host_features(const kernel::SystemProbe& probe, const cgroup::Layout& layout,
                                     const std::filesystem::path& state_dir) {
  campaign::HostFeatures h;
  h.metrics = all_metric_names();
  h.memory_v2 = layout.memory_v2;
  h.memory_root = layout.memory_root.string();
  h.per_cgroup_psi = probe.psi_available && (layout.memory_v2 || !layout.unified_root.empty());
  h.cap_sys_resource = probe.cap_sys_resource;
  h.cpus = probe.cpus;
  h.memory_total_bytes = probe.memory_total_bytes;
  for (const rcu::KnobState& k : rcu::describe_knobs("/sys")) {
    if (k.present) h.knobs_present.emplace_back(k.def->name);
    if (k.present && k.writable) h.knobs_writable.emplace_back(k.def->name);
  }
  const rcu::LedgerHostFacts ledger = rcu::probe_ledger_host();
  h.ledger_unavailable = rcu::unavailable_reason(ledger).value_or("");
  h.ledger_unsized = rcu::unsized_reason(ledger).value_or("");
  h.rcu_barrier = ::access("/sys/module/rcutree/parameters/do_rcu_barrier", W_OK) == 0;
  h.flood_kinds_unavailable = workloads::unavailable_flood_kinds();
  if (probe.stress_ng_path.empty())
    h.workload_types_unavailable.emplace_back(
        "stress_ng", "stress-ng is not installed (not on the daemon's PATH; the Debian package is "
                     "stress-ng)");
  if (std::string why = page_cache_unavailable(state_dir); !why.empty())
    h.workload_types_unavailable.emplace_back("page_cache", why);
  if (std::string why = workloads::rcutorture_unavailable(); !why.empty())
    h.workload_types_unavailable.emplace_back("rcutorture", why);
  h.stress_ng_version = probe.stress_ng_version;
  h.stress_ng_stressors = probe.stress_ng_stressors;
  return h;
}

int fail(const std::string& message) {
  spdlog::critical("{}", message);
  return 1;
}

}  // namespace

std::filesystem::path default_worker_path(const std::filesystem::path& self_exe) {
  const auto dir = self_exe.parent_path();
  // Beside it, in a build tree, or installed (/usr/sbin -> /usr/lib/memtorture).
  for (const auto& candidate :
       {dir / "memtorture-worker", dir / ".." / "workloads" / "memtorture-worker",
        dir / ".." / "lib" / "memtorture" / "memtorture-worker"})
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal();
  return dir / "memtorture-worker";
}

constexpr std::size_t kGrpcMemoryQuotaBytes = 32u << 20;

int run(const DaemonOptions& o) {
  if (!cgroup::valid_prefix(o.cgroup_prefix))
    return fail(
        fmt::format("--cgroup-prefix '{}': must start with 'memtorture' and use only "
                    "[A-Za-z0-9_.-]",
                    o.cgroup_prefix));
  if (auto st = check_remote_listen(o.remote); !st) return fail(st.error().message);
  std::shared_ptr<grpc::ServerCredentials> remote_credentials;
  if (!o.remote.address.empty()) {
    auto creds = mutual_tls_credentials(o.remote);
    if (!creds) return fail(creds.error().message);
    remote_credentials = std::move(*creds);
  }
  if (!o.metrics_listen.empty())
    if (auto st = check_host_port(o.metrics_listen); !st)
      return fail(fmt::format("--metrics-listen {}", st.error().message));
  if (o.socket.string().size() >= 108)
    return fail(fmt::format("--socket '{}': longer than a unix socket path may be (107 bytes)",
                            o.socket.string()));
  auto worker = o.worker_path;
  if (worker.empty()) worker = default_worker_path(std::filesystem::read_symlink("/proc/self/exe"));
  if (::access(worker.c_str(), X_OK) != 0)
    return fail(fmt::format("worker executable {} not found or not executable (--worker)",
                            worker.string()));

  // Signals are taken by sigwait in this thread; block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // The prefix lock comes first: start-up sweeps every cgroup under the prefix, which must never
  // hit a campaign of another daemon that shares it.
  auto lock_path = prefix_lock_path(o.cgroup_prefix);
  if (!lock_path) return fail(lock_path.error().message);
  // A daemon that refuses to start leaves nothing behind: the socket and state lock files it
  // created are removed, then the directories it made (MadeDirs). The prefix lock file stays,
  // like every daemon's (see LockFile).
  MadeDirs made;
  std::vector<LockFile*> locks;
  auto refuse = [&](const std::string& message) {
    for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->discard();
    return fail(message);
  };
  auto prefix_lock = LockFile::acquire(*lock_path, "cgroup prefix " + o.cgroup_prefix);
  if (!prefix_lock) return fail(prefix_lock.error().message);
  if (auto st = made.make(o.socket.parent_path(), 0750); !st) return refuse(st.error().message);
  if (auto st = check_socket_dir(o.socket.parent_path()); !st) return refuse(st.error().message);
  auto socket_lock = LockFile::acquire(o.socket.string() + ".lock", "socket " + o.socket.string());
  if (!socket_lock) return refuse(socket_lock.error().message);
  locks.push_back(&*socket_lock);
  if (auto st = made.make(o.state_dir, 0755); !st) return refuse(st.error().message);
  auto state_lock = LockFile::acquire(o.state_dir / "memtortured.lock",
                                      "state directory " + o.state_dir.string());
  if (!state_lock) return refuse(state_lock.error().message);
  locks.push_back(&*state_lock);
  if (auto st = made.make(o.state_dir / "reports", 0755); !st) return refuse(st.error().message);
  made.keep();

  // Crash recovery, before anything else: the RCU knobs a daemon that died left changed are put
  // back (the state lock says no other daemon owns the journal).
  const rcu::KnobJournal knob_journal(o.state_dir / rcu::kKnobJournalFile);
  if (auto restored = rcu::restore_from_journal(knob_journal, "/sys"); !restored) {
    spdlog::error("RCU knobs left changed by an earlier run: {}", restored.error().message);
  } else {
    for (const auto& k : *restored)
      spdlog::warn("RCU knob {} put back to {} (an earlier run left it at {})", k.name,
                   k.new_value, k.old_value);
  }

  auto layout = cgroup::detect_layout({o.mountinfo, "/"});
  if (!layout) return fail(layout.error().message);
  spdlog::info("cgroups: {}, memory controller at {} ({}), cgroup2 at {}",
               cgroup::to_string(layout->mode), layout->memory_root.string(),
               layout->memory_v2 ? "v2" : "v1",
               layout->unified_root.empty() ? "-" : layout->unified_root.string());
  // Campaigns go inside a cgroup v2 subtree delegated to the daemon (systemd's Delegate=yes),
  // which it takes over before any campaign cgroup exists.
  auto parent = cgroup::choose_campaign_parent(*layout, o.cgroup_parent,
                                               cgroup::host_delegation_facts());
  if (!parent) return refuse(parent.error().message);
  if (!parent->dir.empty() && o.cgroup_prefix == cgroup::kDaemonLeaf)
    return refuse(fmt::format("--cgroup-prefix '{}' is the name of the daemon's own leaf in {}; "
                              "choose another prefix",
                              o.cgroup_prefix, parent->dir.string()));
  std::unique_ptr<cgroup::DelegatedSubtree> subtree;
  if (!parent->dir.empty()) {
    auto adopted = cgroup::DelegatedSubtree::adopt(parent->dir, ::getpid(), cgroup::kernel_ops());
    if (!adopted) return refuse(adopted.error().message);
    subtree = std::move(*adopted);
    layout->campaign_parent = parent->dir;
    if (!subtree->leaf().empty())
      spdlog::info("moved the daemon into {} (cgroup v2: no processes where controllers are "
                   "enabled for children)",
                   subtree->leaf().string());
  }
  spdlog::info("campaign cgroups go under {}/{}: {}", layout->campaign_root().string(),
               o.cgroup_prefix, parent->why);
  // Crash recovery: a previous daemon that died mid-campaign left its cgroup behind.
  if (auto swept = cgroup::sweep_prefix(*layout, o.cgroup_prefix); !swept) {
    spdlog::warn("sweeping leftovers under {}: {}", o.cgroup_prefix, swept.error().message);
  } else {
    for (const auto& name : *swept)
      spdlog::warn("removed cgroup {}/{} left by an earlier run", o.cgroup_prefix, name);
  }
  std::error_code ec;
  std::filesystem::remove_all(o.state_dir / "run", ec);  // dentry flood files of a crashed run

  SystemFacts facts;
  facts.daemon_version = MEMTORTURE_VERSION;
  facts.probe = kernel::probe_system();
  facts.layout = *layout;
  auto check = cgroup::cross_check_with_libcgroup(*layout);
  facts.libcgroup_memory_mount = check ? "agrees with mountinfo" : check.error().message;

  SteadyClock clock;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  EngineOptions eo;
  eo.runner.state_dir = o.state_dir;
  eo.runner.worker_path = worker;
  eo.runner.layout = *layout;
  eo.runner.cgroup_prefix = o.cgroup_prefix;
  eo.runner.host = {facts.probe.kernel_release, std::string(cgroup::to_string(layout->mode)),
                    layout->memory_root.string(), facts.probe.cpus, facts.probe.memory_total_bytes};
  eo.host = host_features(facts.probe, *layout, o.state_dir);
  facts.ledger_unavailable = eo.host.ledger_unavailable;  // GetSystem and ProbeRcu say the same
  facts.ledger_unsized = eo.host.ledger_unsized;
  eo.runner.ledger_unavailable = eo.host.ledger_unavailable;  // and campaigns do not try
  facts.cgroup_prefix = o.cgroup_prefix;
  facts.campaign_parent_why = parent->why;
  if (subtree) facts.daemon_cgroup = subtree->leaf().string();
  Engine engine(io, clock, eo);
  engine.load_reports();
  std::thread io_thread([&io] { io.run(); });

  Service service(io, engine, facts);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // An upper bound on what gRPC's transport may hold for all clients together (a client that
  // stops reading leaves its stream's window full); each watch stream's own queue is bounded in
  // grpc_service.cc.
  grpc::ResourceQuota quota("memtortured");
  quota.Resize(kGrpcMemoryQuotaBytes);
  builder.SetResourceQuota(quota);
  int port_ok = 0;
  builder.AddListeningPort("unix:" + o.socket.string(), grpc::InsecureServerCredentials(),
                           &port_ok);
  int remote_port = 0;
  if (remote_credentials)
    builder.AddListeningPort(o.remote.address, remote_credentials, &remote_port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  int rc = 0;
  std::unique_ptr<PrometheusEdge> metrics;
  if (server && port_ok && !o.metrics_listen.empty()) {
    auto edge = PrometheusEdge::start(o.metrics_listen, io, engine, MEMTORTURE_VERSION);
    if (edge)
      metrics = std::move(*edge);
    else
      rc = fail(fmt::format("--metrics-listen: {}", edge.error().message));
  }
  if (rc != 0) {
    // refused above
  } else if (!server || !port_ok) {
    rc = fail(fmt::format("cannot listen on {}{}", o.socket.string(),
                          remote_credentials ? " or " + o.remote.address + " (in use?)" : ""));
  } else if (remote_credentials && remote_port == 0) {
    rc = fail(fmt::format("--listen: cannot listen on {}", o.remote.address));
  } else if (::chmod(o.socket.c_str(), 0660) != 0) {
    rc = fail(fmt::format("cannot chmod {}: {}", o.socket.string(), fs::errno_text(errno)));
  } else {
    spdlog::info("memtortured {} listening on unix:{} (state {}, worker {})", MEMTORTURE_VERSION,
                 o.socket.string(), o.state_dir.string(), worker.string());
    if (remote_credentials)
      spdlog::info("also listening on {} (port {}), mutual TLS: clients need a certificate "
                   "signed by {}",
                   o.remote.address, remote_port, o.remote.client_ca.string());
    if (metrics)
      spdlog::info("serving Prometheus metrics on http://{}/metrics (port {})", o.metrics_listen,
                   metrics->port());
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("{} received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  }

  // Teardown, always in this order.
  std::promise<void> stopped;
  asio::post(io, [&] { engine.shutdown([&] { stopped.set_value(); }); });
  if (stopped.get_future().wait_for(kCampaignStopWait) != std::future_status::ready)
    spdlog::error("the running campaign did not stop within {} s", kCampaignStopWait.count());
  if (server) server->Shutdown(std::chrono::system_clock::now() + kShutdownDeadline);
  metrics.reset();  // before the io thread stops: a scrape may be waiting on it
  work.reset();
  asio::post(io, [&io] { io.stop(); });  // after reactors queued by Shutdown have been deleted
  io_thread.join();
  if (subtree)
    if (Status st = subtree->release(); !st) spdlog::error("{}", st.error().message);
  if (server) ::unlink(o.socket.c_str());
  spdlog::info("memtortured stopped");
  return rc;
}

}  // namespace mt::daemon
