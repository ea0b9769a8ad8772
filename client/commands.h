// memtorturectl's subcommands. Each returns the process exit code (see render.h ExitCode).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "client/console.h"

namespace mt::client {

class Interrupt;
struct Outcome;  // client/follow.h

// How long the client waits before it gives up (DEADLINE_EXCEEDED, exit code 3).
inline constexpr std::chrono::seconds kConnectTimeout{3};
// Every unary call but StopCampaign: the daemon answers them from memory.
inline constexpr std::chrono::seconds kRpcDeadline{10};
// StopCampaign is answered after teardown: SIGTERM to the workers, SIGKILL after the daemon's
// grace period (3 s), the last sample, cgroup removal, the report written.
inline constexpr std::chrono::seconds kStopDeadline{60};
// Reading a whole report (ReadReport streams it in 1 MiB chunks; a one-hour campaign's is ~12 MB).
inline constexpr std::chrono::milliseconds kReportDeadline{60'000};
// ProbeRcu gets the unary deadline plus its own time: per grace period asked for (a stall can
// take seconds), and with --ledger the window itself plus opening the ledger (a BTF parse, the BPF
// loads, up to 1 s finding each CPU's runqueue), a walk and a barrier (hundreds of ms under a
// flood).
inline constexpr std::chrono::milliseconds kProbePerGracePeriod{200};
inline constexpr std::chrono::seconds kProbeMargin{5};
inline constexpr std::chrono::seconds kProbeLedgerMargin{15};
// WatchCampaign has no deadline (a campaign may run for an hour); Ctrl-C cancels it.

struct Deadlines {
  std::chrono::milliseconds connect = kConnectTimeout;
  std::chrono::milliseconds unary = kRpcDeadline;
  std::chrono::milliseconds stop = kStopDeadline;
  std::chrono::milliseconds report = kReportDeadline;
};

// A remote daemon (memtortured --listen): TCP with mutual TLS.
struct RemoteTarget {
  std::string address;           // --target HOST:PORT; empty: the unix socket
  std::string cert, key;         // --tls-cert, --tls-key: this client's (both or neither)
  std::string ca;                // --tls-ca: the CA that signed the daemon's certificate
};

struct GlobalOptions {
  std::string socket;  // --socket, else $MEMTORTURE_SOCKET, else the daemon's default
  RemoteTarget target;
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
// Two report.json files: the comparison table; exit 1 when B regressed, 2 for a bad file or
// threshold.
// One page with a column per suite folder ("LABEL=DIR": a suite's --out with its suite.json),
// e.g. the same suite on several kernels (scripts/nightly.sh --kernels). No daemon needed.
int cmd_index(const GlobalOptions& g, const std::string& out,
              const std::vector<std::string>& columns);
int cmd_compare(const GlobalOptions& g, const std::string& a, const std::string& b,
                const std::vector<std::string>& thresholds);
// Ctrl-C/SIGTERM: the first stops the campaign (the summary still prints), the second exits.
int cmd_run(const GlobalOptions& g, const RunOptions& r);
int cmd_start(const GlobalOptions& g, const std::string& file);
int cmd_status(const GlobalOptions& g, const std::optional<std::string>& id);
int cmd_list(const GlobalOptions& g);
// Ctrl-C/SIGTERM stop watching (the campaign runs on), exit code 3.
int cmd_watch(const GlobalOptions& g, const std::string& id, const std::string& junit);
int cmd_stop(const GlobalOptions& g, const std::string& id);
struct ReportOptions {
  std::string id = {};    // from the daemon, or
  std::string file = {};  // from a report.json (no daemon)
  std::string html = {};  // write the HTML report here instead of printing the JSON
};
int cmd_report(const GlobalOptions& g, const ReportOptions& o);
// pause, resume, throttle: one workload of the running campaign (rate: ops/s per thread, 0 =
// unlimited; only for throttle).
enum class ControlAction { pause, resume, throttle };
int cmd_control(const GlobalOptions& g, const std::string& id, const std::string& workload,
                ControlAction action, double rate);
int cmd_system(const GlobalOptions& g);
struct ProbeOptions {
  int gp = 0;              // grace periods to time
  bool barrier = false;    // time an rcu_barrier()
  int ledger_seconds = 0;  // read the RCU ledger over this window (1..60); 0: not
};
// ProbeRcu; exit code 3 when something asked for could not be measured.
int cmd_probe(const GlobalOptions& g, const ProbeOptions& p);
// What ProbeRcu's deadline adds to the unary one for `p`.
std::chrono::milliseconds probe_extra_time(const ProbeOptions& p);

struct OomOptions {
  std::optional<std::string> id;  // a running campaign
  std::string cgroup;             // --cgroup: any memory cgroup under the daemon's prefix
  bool system = false;            // --system
  int window_ms = 0;              // a cgroup's or the system's look: 1000..10000 (0: 3000)
};
// GetOomProximity. With no target: the running campaign, else the system.
int cmd_oom(const GlobalOptions& g, const OomOptions& o);

struct SuiteOptions {
  std::vector<std::string> inputs;  // campaign files and folders (their *.yaml, sorted)
  std::string junit;                // --junit: one JUnit file for the whole suite
  std::string out;                  // --out: the artifact folder
  std::string history;              // --history: the folder of history.jsonl
  std::optional<std::chrono::seconds> time_budget;  // campaigns that would end later: skipped
  std::string name;                 // the suite's name in the JUnit file and the index page
};
// The campaigns one after the other; exit code the worst campaign's. Ctrl-C stops the running
// campaign and skips the rest (the artifacts are still written); a second exits at once.
int cmd_suite(const GlobalOptions& g, const SuiteOptions& o);
int run_suite(const GlobalOptions& g, const SuiteOptions& o, Interrupt& interrupt);

// Starts the campaign in `file` and follows it to its end, live on stderr (the first interrupt
// stops it): what `run` then prints and exits with. `name` gets the campaign's name (the file's
// when it does not parse), `id` its id once started.
Outcome start_and_follow(const GlobalOptions& g, const std::string& file, Interrupt& interrupt,
                         std::string* name, std::string* id);

// cmd_run and cmd_watch without their signal thread: `interrupt` is what a signal would hit.
int run_campaign(const GlobalOptions& g, const RunOptions& r, Interrupt& interrupt);
int watch_campaign(const GlobalOptions& g, const std::string& id, const std::string& junit,
                   Interrupt& interrupt);

std::string resolve_socket(const std::string& flag);

}  // namespace mt::client
