#include "client/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <tuple>
#include <ostream>

#include "client/daemon_client.h"
#include "client/render.h"
#include "common/units.h"

namespace mt::client {
namespace {

constexpr const char* kSocketHelp =
    "daemon socket (default $MEMTORTURE_SOCKET, else /run/memtorture/memtorture.sock)";
constexpr const char* kJsonHelp = "machine-readable output on stdout";

// --socket and --json on the app and on every command, so that either place works and each
// command's --help lists them.
void add_global_options(CLI::App* app, GlobalOptions& g) {
  app->add_option("--socket", g.socket, kSocketHelp);
  app->add_option("--target", g.target.address,
                  "a remote daemon (memtortured --listen) at HOST:PORT, over mutual TLS");
  app->add_option("--tls-cert", g.target.cert, "this client's certificate (PEM) for --target");
  app->add_option("--tls-key", g.target.key, "its private key (PEM)");
  app->add_option("--tls-ca", g.target.ca, "the CA certificate (PEM) that signed the daemon's");
  app->add_flag("--json", g.json, kJsonHelp);
}

}  // namespace

std::optional<Invocation> parse_command_line(const std::vector<std::string>& args, int* exit_code,
                                             std::ostream& out, std::ostream& err) {
  Invocation inv;
  std::string id;
  CLI::App app{"memtorturectl: run and watch memtorture campaigns", "memtorturectl"};
  app.require_subcommand(1);
  add_global_options(&app, inv.global);

  struct Sub {
    Command command;
    CLI::App* app;
  };
  std::vector<Sub> subs;
  const auto sub = [&](Command c, const char* name, const char* help) {
    auto* s = app.add_subcommand(name, help);
    add_global_options(s, inv.global);
    subs.push_back({c, s});
    return s;
  };
  auto* compare = sub(Command::compare, "compare",
                      "compare two reports of one campaign (no daemon needed): exit 1 when B regressed");
  compare->add_option("A", inv.file, "the earlier report.json")->required();
  compare->add_option("B", inv.file_b, "the later report.json")->required();
  compare->add_option("--threshold", inv.thresholds,
                      "FIGURE=LIMIT, e.g. rcu_freed_p50=-20% or oom_kills=+0 (repeatable)");
  auto* suite = sub(Command::suite, "suite",
                    "run campaign files one after the other (a folder: its *.yaml, sorted), for "
                    "nightly CI: one JUnit file, an artifact folder, a history");
  suite->add_option("CAMPAIGNS", inv.suite.inputs, "campaign files and folders")->required();
  suite->add_option("--junit", inv.suite.junit,
                    "write one JUnit XML file (a testsuite per campaign, a testcase per "
                    "criterion and per variant)");
  suite->add_option("--out", inv.suite.out,
                    "artifact folder: each campaign's report.json and report.html, junit.xml, "
                    "index.html");
  suite->add_option("--history", inv.suite.history,
                    "folder of history.jsonl: tonight's headline figures are appended, and its "
                    "index.html plots them over the nights");
  std::string budget;
  suite->add_option("--time-budget", budget,
                    "skip campaigns that would not end within this (30m, 1h)");
  suite->add_option("--name", inv.suite.name, "the suite's name in the JUnit file (memtorture)");
  auto* index = sub(Command::index, "index",
                    "one page with a column per suite folder, e.g. one suite on several kernels "
                    "(no daemon needed)");
  index->add_option("COLUMNS", inv.columns, "LABEL=DIR: a suite's --out folder (its suite.json)")
      ->required();
  index->add_option("--out", inv.html, "the page to write (index.html)")->required();
  auto* validate = sub(Command::validate, "validate", "check a campaign file (no daemon needed)");
  validate->add_option("FILE", inv.file, "campaign YAML")->required();
  validate->add_flag("--print", inv.print_normalized, "print the normalized campaign");
  auto* run = sub(Command::run, "run", "start a campaign, show it live, exit with its verdict");
  run->add_option("FILE", inv.file, "campaign YAML")->required();
  run->add_option("--junit", inv.junit, "write a JUnit XML file (one test case per criterion)");
  auto* start = sub(Command::start, "start", "start a campaign and print its id");
  start->add_option("FILE", inv.file, "campaign YAML")->required();
  auto* status = sub(Command::status, "status", "a campaign's state (default: running or newest)");
  status->add_option("ID", id, "campaign id");
  sub(Command::list, "list", "all campaigns, newest first");
  auto* watch = sub(Command::watch, "watch", "follow a campaign live, exit with its verdict");
  watch->add_option("ID", id, "campaign id")->required();
  watch->add_option("--junit", inv.junit, "write a JUnit XML file (one test case per criterion)");
  auto* stop = sub(Command::stop, "stop", "stop a campaign (verdict aborted, report written)");
  stop->add_option("ID", id, "campaign id")->required();
  auto* report = sub(Command::report, "report",
                     "a finished campaign's report.json, printed or as an HTML page");
  auto* report_id = report->add_option("ID", id, "campaign id (from the daemon)");
  auto* report_file = report->add_option(
      "--file", inv.file, "a report.json instead (no daemon needed; its runs/ read beside it)");
  report_id->excludes(report_file);
  report->add_option("--html", inv.html,
                     "write a self-contained HTML report (plots, events, verdict) to this file");
  sub(Command::system, "system", "what the daemon's host offers");
  auto* probe = sub(Command::probe, "probe",
                    "time RCU grace periods and an rcu_barrier(), read the RCU ledger, now "
                    "(changes no knob)");
  probe->add_option("--gp", inv.gp, "grace periods to time, one after the other (default 10)")
      ->check(CLI::Range(0, 1000));
  probe->add_flag("--barrier", inv.barrier, "also time an rcu_barrier() (do_rcu_barrier)");
  probe
      ->add_option("--ledger", inv.ledger_seconds,
                   "also read the RCU ledger (BPF) for SECONDS: freed through RCU per cache, "
                   "pending callbacks and bytes, a barrier's backlog")
      ->option_text("SECONDS")
      ->check(CLI::Range(1, 60));  // rcu::kMin/kMaxProbeLedgerSeconds; the daemon checks too
  auto* oom = sub(Command::oom, "oom",
                  "how close to OOM, why, and when: the running campaign (or ID), a cgroup under "
                  "the daemon's prefix, or the system");
  oom->add_option("ID", id, "campaign id (default: the running campaign, else the system)");
  auto* oom_cgroup =
      oom->add_option("--cgroup", inv.oom_cgroup,
                      "a memory cgroup under the daemon's prefix (memtorture/...), sampled over "
                      "the window");
  auto* oom_system = oom->add_flag("--system", inv.oom_system, "the system alone, sampled over the window");
  oom->add_option("--window", inv.oom_window_ms,
                  "milliseconds a cgroup or the system is sampled for (default 3000)")
      ->option_text("MS")
      ->check(CLI::Range(1000, 10000));  // kOomProbeMin/MaxWindow; the daemon checks too
  oom_cgroup->excludes(oom_system);
  for (auto [c, name, help] : {std::tuple{Command::pause, "pause", "pause a workload of the running campaign"},
                               std::tuple{Command::resume, "resume", "resume a paused workload"},
                               std::tuple{Command::throttle, "throttle",
                                          "set a flood's rate (ops/s per thread; 0: unlimited)"}}) {
    auto* s = sub(c, name, help);
    s->add_option("ID", id, "campaign id")->required();
    s->add_option("WORKLOAD", inv.workload, "workload name")->required();
    if (c == Command::throttle)
      s->add_option("RATE", inv.rate, "operations per second per thread; 0: unlimited")
          ->required()
          ->check(CLI::NonNegativeNumber);
  }

  try {
    // CLI11 wants argv order reversed for parse(vector).
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, out, err);
    *exit_code = rc == 0 ? kPassed : kInvalid;
    return std::nullopt;
  }
  for (const auto& s : subs)
    if (s.app->parsed()) inv.command = s.command;
  if (auto st = check_remote_target(inv.global.target); !st) {
    err << st.error().message << "\n";
    *exit_code = kInvalid;
    return std::nullopt;
  }
  if (!budget.empty()) {
    auto d = parse_duration(budget);
    if (!d || d->count() <= 0) {
      err << "--time-budget: '" << budget << "' is not a duration (e.g. 30m, 1h)\n";
      *exit_code = kInvalid;
      return std::nullopt;
    }
    inv.suite.time_budget = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  if (inv.command == Command::report && id.empty() && inv.file.empty()) {
    err << "report: give a campaign ID or --file REPORT.json\nRun with --help for more "
           "information.\n";
    *exit_code = kInvalid;
    return std::nullopt;
  }
  if (!id.empty()) inv.id = id;
  *exit_code = kPassed;
  return inv;
}

int run(const Invocation& inv) {
  const GlobalOptions& g = inv.global;
  switch (inv.command) {
    case Command::validate:
      return cmd_validate(g, inv.file, inv.print_normalized);
    case Command::suite:
      return cmd_suite(g, inv.suite);
    case Command::compare:
      return cmd_compare(g, inv.file, inv.file_b, inv.thresholds);
    case Command::index:
      return cmd_index(g, inv.html, inv.columns);
    case Command::run:
      return cmd_run(g, {inv.file, inv.junit});
    case Command::start:
      return cmd_start(g, inv.file);
    case Command::status:
      return cmd_status(g, inv.id);
    case Command::list:
      return cmd_list(g);
    case Command::watch:
      return cmd_watch(g, inv.id.value_or(""), inv.junit);
    case Command::stop:
      return cmd_stop(g, inv.id.value_or(""));
    case Command::report:
      return cmd_report(g, {inv.id.value_or(""), inv.file, inv.html});
    case Command::system:
      return cmd_system(g);
    case Command::probe:
      return cmd_probe(
          g, {inv.gp == 0 && !inv.barrier ? 10 : inv.gp, inv.barrier, inv.ledger_seconds});
    case Command::oom:
      return cmd_oom(g, {inv.id, inv.oom_cgroup, inv.oom_system, inv.oom_window_ms});
    case Command::pause:
      return cmd_control(g, inv.id.value_or(""), inv.workload, ControlAction::pause, 0);
    case Command::resume:
      return cmd_control(g, inv.id.value_or(""), inv.workload, ControlAction::resume, 0);
    case Command::throttle:
      return cmd_control(g, inv.id.value_or(""), inv.workload, ControlAction::throttle, inv.rate);
  }
  return kInvalid;
}

}  // namespace mt::client
