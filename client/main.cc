// memtorturectl: runs and watches memtorture campaigns through memtortured.
#include <CLI/CLI.hpp>
#include <optional>

#include "client/commands.h"
#include "client/render.h"

int main(int argc, char** argv) {
  using namespace mt::client;
  GlobalOptions g;
  CLI::App app{"memtorturectl: run and watch memtorture campaigns"};
  app.require_subcommand(1);
  app.add_option(
      "--socket", g.socket,
      "daemon socket (default $MEMTORTURE_SOCKET, else /run/memtorture/memtorture.sock)");
  app.add_flag("--json", g.json, "machine-readable output on stdout");

  std::string file, id, junit;
  bool print_normalized = false;
  auto* validate = app.add_subcommand("validate", "check a campaign file (no daemon needed)");
  validate->add_option("FILE", file, "campaign YAML")->required();
  validate->add_flag("--print", print_normalized, "print the normalized campaign");
  auto* run = app.add_subcommand("run", "start a campaign, show it live, exit with its verdict");
  run->add_option("FILE", file, "campaign YAML")->required();
  run->add_option("--junit", junit, "write a JUnit XML file (one test case per criterion)");
  auto* start = app.add_subcommand("start", "start a campaign and print its id");
  start->add_option("FILE", file, "campaign YAML")->required();
  auto* status = app.add_subcommand("status", "a campaign's state (default: running or newest)");
  status->add_option("ID", id, "campaign id");
  auto* list = app.add_subcommand("list", "all campaigns, newest first");
  auto* watch = app.add_subcommand("watch", "follow a campaign live, exit with its verdict");
  watch->add_option("ID", id, "campaign id")->required();
  watch->add_option("--junit", junit, "write a JUnit XML file (one test case per criterion)");
  auto* stop = app.add_subcommand("stop", "stop a campaign (verdict aborted, report written)");
  stop->add_option("ID", id, "campaign id")->required();
  auto* report = app.add_subcommand("report", "print a finished campaign's report.json");
  report->add_option("ID", id, "campaign id")->required();
  auto* system = app.add_subcommand("system", "what the daemon's host offers");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kPassed : kInvalid;
  }
  if (*validate) return cmd_validate(g, file, print_normalized);
  if (*run) return cmd_run(g, {file, junit});
  if (*start) return cmd_start(g, file);
  if (*status) return cmd_status(g, id.empty() ? std::nullopt : std::optional<std::string>(id));
  if (*list) return cmd_list(g);
  if (*watch) return cmd_watch(g, id, junit);
  if (*stop) return cmd_stop(g, id);
  if (*report) return cmd_report(g, id);
  if (*system) return cmd_system(g);
  return kInvalid;
}
