// memtorturectl's subcommands. Each returns the process exit code (see render.h ExitCode).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client/console.h"

namespace mt::client {

class Interrupt;

// How long the client waits before it gives up (DEADLINE_EXCEEDED, exit code 3).
inline constexpr std::chrono::seconds kConnectTimeout{3};
// Every unary call but StopCampaign: the daemon answers them from memory.
inline constexpr std::chrono::seconds kRpcDeadline{10};
// StopCampaign is answered after teardown: SIGTERM to the workers, SIGKILL after the daemon's
// grace period (3 s), the last sample, cgroup removal, the report written.
inline constexpr std::chrono::seconds kStopDeadline{60};
// Reading a whole report (ReadReport streams it in 1 MiB chunks; a one-hour campaign's is ~12 MB).
inline constexpr std::chrono::milliseconds kReportDeadline{60'000};
// WatchCampaign has no deadline (a campaign may run for an hour); Ctrl-C cancels it.

struct Deadlines {
  std::chrono::milliseconds connect = kConnectTimeout;
  std::chrono::milliseconds unary = kRpcDeadline;
  std::chrono::milliseconds stop = kStopDeadline;
  std::chrono::milliseconds report = kReportDeadline;
};

struct GlobalOptions {
  std::string socket;  // --socket, else $MEMTORTURE_SOCKET, else the daemon's default
  bool json = false;   // machine-readable output on stdout
  // Not flags: what tests replace.
  Console* console = &Console::standard();
  Deadlines deadlines;
};

struct RunOptions {
  std::string file;
  std::string junit;  // write JUnit XML here when set
};

int cmd_validate(const GlobalOptions& g, const std::string& file, bool print_normalized);
// Ctrl-C/SIGTERM: the first stops the campaign (the summary still prints), the second exits.
int cmd_run(const GlobalOptions& g, const RunOptions& r);
int cmd_start(const GlobalOptions& g, const std::string& file);
int cmd_status(const GlobalOptions& g, const std::optional<std::string>& id);
int cmd_list(const GlobalOptions& g);
// Ctrl-C/SIGTERM stop watching (the campaign runs on), exit code 3.
int cmd_watch(const GlobalOptions& g, const std::string& id, const std::string& junit);
int cmd_stop(const GlobalOptions& g, const std::string& id);
int cmd_report(const GlobalOptions& g, const std::string& id);
// pause, resume, throttle: one workload of the running campaign (rate: ops/s per thread, 0 =
// unlimited; only for throttle).
enum class ControlAction { pause, resume, throttle };
int cmd_control(const GlobalOptions& g, const std::string& id, const std::string& workload,
                ControlAction action, double rate);
int cmd_system(const GlobalOptions& g);
// ProbeRcu: `gp` grace periods timed, and an rcu_barrier() if `barrier`.
int cmd_probe(const GlobalOptions& g, int gp, bool barrier);

// cmd_run and cmd_watch without their signal thread: `interrupt` is what a signal would hit.
int run_campaign(const GlobalOptions& g, const RunOptions& r, Interrupt& interrupt);
int watch_campaign(const GlobalOptions& g, const std::string& id, const std::string& junit,
                   Interrupt& interrupt);

std::string resolve_socket(const std::string& flag);

}  // namespace mt::client
