// memtortured's ordered start-up and teardown:
//   lock the state directory and the socket -> detect cgroups -> take over a delegated cgroup v2
//   subtree (the daemon moves into a leaf) -> sweep leftovers of a crashed
//   run -> start the io thread, the gRPC server and the /metrics server -> wait for
//   SIGTERM/SIGINT -> abort the running campaign (ABORTED, report written, cgroups removed) ->
//   stop the servers -> stop the io thread -> give the delegated subtree back -> remove the
//   socket.
#pragma once

#include <filesystem>
#include <string>

#include "daemon/remote_listen.h"

namespace mt::daemon {

struct DaemonOptions {
  std::filesystem::path socket = "/run/memtorture/memtorture.sock";
  std::filesystem::path state_dir = "/var/lib/memtorture";
  std::string cgroup_prefix = "memtorture";
  // "auto" or a cgroup v2 directory: where <prefix>/ goes (cgroup/delegation.h).
  std::string cgroup_parent = "auto";
  std::filesystem::path worker_path;  // empty: next to the daemon, or ../workloads/ in a build tree
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
  std::string metrics_listen;  // HOST:PORT for Prometheus' /metrics; empty: not served
  RemoteListen remote;         // --listen with mutual TLS; empty address: the socket only
};

// The daemon's whole life; returns the process exit code.
int run(const DaemonOptions& options);

// Where memtorture-worker is, given the daemon's own executable path.
std::filesystem::path default_worker_path(const std::filesystem::path& self_exe);

}  // namespace mt::daemon
