// memtorturectl's command line: argv -> which command with which options, and running it.
// --socket and --json are accepted before the command and after it (`run FILE --json`).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "client/commands.h"

namespace mt::client {

enum class Command {
  validate, run, start, status, list, watch, stop, report, system, pause, resume, throttle, probe,
  oom, compare, suite, index
};

struct Invocation {
  Command command = Command::validate;
  GlobalOptions global;
  std::string file;               // validate, run, start; report --file
  std::optional<std::string> id;  // status (optional), watch, stop, report
  std::string junit;              // run, watch
  bool print_normalized = false;  // validate --print
  std::string workload;           // pause, resume, throttle
  double rate = 0;                // throttle: ops/s per thread, 0 = unlimited
  int gp = 0;                     // probe --gp (10 when neither --gp nor --barrier is given)
  bool barrier = false;           // probe --barrier
  int ledger_seconds = 0;         // probe --ledger SECONDS (1..60)
  std::string oom_cgroup;         // oom --cgroup PATH
  bool oom_system = false;        // oom --system
  int oom_window_ms = 0;          // oom --window MS
  std::string html;               // report --html
  std::string file_b;             // compare: the second report (`file` is the first)
  std::vector<std::string> thresholds;  // compare --threshold FIGURE=LIMIT
  std::vector<std::string> columns;     // index: LABEL=DIR, one per column
  SuiteOptions suite;
};

// The invocation, or nothing after --help (exit code 0) or a usage error (2); *exit_code says
// which, and help or the error went to `out` or `err`.
std::optional<Invocation> parse_command_line(const std::vector<std::string>& args, int* exit_code,
                                             std::ostream& out, std::ostream& err);

int run(const Invocation& inv);

}  // namespace mt::client
