// memtortured: the memtorture daemon (see daemon/daemon.h for its life).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "daemon/daemon.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Buffers of megabytes (/proc/kallsyms, the kernel's BTF, reports) are mapped and unmapped
  // whole, and a heap's free top goes back to the system. glibc's default thresholds slide up
  // once such a buffer is freed: after that each campaign left ~13 MB resident in a thread's
  // arena with 1 MB in use (bench/soak.sh, malloc_stats()).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  // Two arenas, not one per thread (up to 8 per CPU): each campaign's short-lived threads (the
  // ledger's, the report writer's) otherwise leave free but resident pages in arenas of their
  // own, and anonymous memory crept up ~80 KB a minute over a soak with 2 MB in use.
  mallopt(M_ARENA_MAX, 2);
#endif
  mt::daemon::DaemonOptions o;
  std::string log_level = "info";
  std::string socket = o.socket, state_dir = o.state_dir, worker;
  CLI::App app{"memtortured: runs memtorture campaigns, controlled over gRPC"};
  app.add_option("--socket", socket, "unix socket to listen on")->capture_default_str();
  app.add_option("--state-dir", state_dir, "reports, lock file and run files")
      ->capture_default_str();
  app.add_option("--cgroup-prefix", o.cgroup_prefix, "every cgroup is created under this name")
      ->capture_default_str();
  app.add_option("--cgroup-parent", o.cgroup_parent,
                 "cgroup v2 directory the prefix is created in: auto (the subtree systemd "
                 "delegated to the daemon, else the root) or a path under the cgroup2 mount")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical"}))
      ->capture_default_str();
  app.add_option("--worker", worker, "memtorture-worker executable (default: next to this one)");
  app.add_option("--listen", o.remote.address,
                 "also serve gRPC on HOST:PORT over TCP, only with mutual TLS (the three --tls-*)");
  app.add_option("--tls-cert", o.remote.cert, "the daemon's certificate (PEM) for --listen");
  app.add_option("--tls-key", o.remote.key, "its private key (PEM)");
  app.add_option("--tls-client-ca", o.remote.client_ca,
                 "CA certificate (PEM): clients must present a certificate it signed");
  app.add_option("--metrics-listen", o.metrics_listen,
                 "serve /metrics for Prometheus on HOST:PORT (e.g. 127.0.0.1:9464)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("memtortured"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  o.socket = socket;
  o.state_dir = state_dir;
  o.worker_path = worker;
  return mt::daemon::run(o);
}
