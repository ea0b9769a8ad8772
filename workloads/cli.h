// The worker's command line (the daemon builds it; see worker_main.cc):
//   memtorture-worker flood --kind udp_socket|dentry --threads N [--rate OPS] [--dir DIR]
//                           [--max-runtime-ms MS] [--report-fd FD]
//   memtorture-worker anon --size BYTES [--ramp-ms MS] [--max-runtime-ms MS] [--report-fd FD]
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "workloads/anon.h"
#include "workloads/flood.h"
#include "workloads/protocol.h"

namespace mt::workloads {

inline constexpr int kMaxFloodThreads = 1024;

struct WorkerOptions {
  std::variant<FloodOptions, AnonOptions> workload;
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
