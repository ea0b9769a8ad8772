// The worker's command line (the daemon builds it; see worker_main.cc):
//   memtorture-worker --workload YAML [--dir DIR] [--max-runtime-ms MS] [--report-fd FD]
//                     [--control-fd FD]
// YAML is one workload map, normalized, as campaign::workload_to_yaml() writes it (for example
// `{name: flood, type: flood, kind: udp_socket, threads: 2, rate: unlimited, start_after: 0ms}`),
// read with the campaign file's own schema: the worker is told its workload, not a command line
// built for each type by hand.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>

#include "campaign/spec.h"
#include "workloads/protocol.h"

namespace mt::workloads {

struct WorkerOptions {
  campaign::WorkloadSpec workload;
  std::filesystem::path dir;  // a workload that needs_dir() works here
  std::chrono::milliseconds max_runtime{0};  // 0: no bound
  int report_fd = kReportFd;
  int control_fd = kControlFd;  // the daemon's commands; not open when run by hand: none
};

// Parsing stopped without options: print `text` (help on stdout when exit_code is 0, a usage
// error on stderr otherwise) and exit with `exit_code`.
struct CliExit {
  int exit_code = 0;
  std::string text;
};

std::variant<WorkerOptions, CliExit> parse_command_line(int argc, const char* const* argv);

}  // namespace mt::workloads
