// memtorture-worker: the process the daemon starts inside a campaign's memory cgroup (the daemon
// sets up the cgroup, oom_score_adj and the parent-death signal before exec). See cli.h for the
// command line and protocol.h for what it writes on the report descriptor.
#include <iostream>
#include <variant>

#include "workloads/cli.h"
#include "workloads/worker.h"

int main(int argc, char** argv) {
  auto parsed = mt::workloads::parse_command_line(argc, argv);
  if (const auto* exit = std::get_if<mt::workloads::CliExit>(&parsed)) {
    (exit->exit_code == 0 ? std::cout : std::cerr) << exit->text;
    return exit->exit_code;
  }
  return mt::workloads::run_worker(std::get<mt::workloads::WorkerOptions>(parsed));
}
