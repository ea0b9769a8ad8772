#include "workloads/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <sstream>

#include "campaign/parse.h"
#include "workloads/floods/flood_kind.h"
#include "workloads/runner.h"

namespace mt::workloads {
namespace {

CliExit usage_error(const std::string& message) {
  return CliExit{kExitUsage, fmt::format("{}\nRun with --help for more information.\n", message)};
}

}  // namespace

std::variant<WorkerOptions, CliExit> parse_command_line(int argc, const char* const* argv) {
  CLI::App app{"memtorture worker: the load that runs inside a campaign's memory cgroup",
               "memtorture-worker"};
  std::string workload;
  std::string dir;
  long long max_runtime_ms = 0;
  WorkerOptions options;
  app.add_option("--workload", workload,
                 "The workload, one YAML map as in a campaign file's `workloads:` list "
                 "(e.g. '{name: f, type: flood, kind: udp_socket, threads: 2}')")
      ->required();
  app.add_option("--dir", dir,
                 "Directory to work in, for a workload that needs one (the dentry flood: one "
                 "subdirectory per thread, removed on exit)");
  app.add_option("--max-runtime-ms", max_runtime_ms,
                 "Stop on its own after this many milliseconds (0: no bound)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--report-fd", options.report_fd, "Descriptor to write the report lines to")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--control-fd", options.control_fd,
                 "Descriptor to read the daemon's control lines from (pause, resume, rate N); "
                 "ignored when not open")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    int code = app.exit(e, out, err);
    if (code == 0) return CliExit{0, out.str()};
    return CliExit{kExitUsage, err.str()};
  }

  campaign::WorkloadParseResult parsed =
      campaign::parse_workload(workload, campaign::ParseOptions{.file_name = "--workload"});
  if (!parsed.spec) {
    std::string text;
    for (const auto& e : parsed.errors) text += (text.empty() ? "" : "\n") + e.str();
    return usage_error(text);
  }
  options.workload = std::move(*parsed.spec);
  if (options.workload.needs_dir()) {
    if (dir.empty())
      return usage_error(fmt::format("--dir is required for a {} workload{}",
                                     options.workload.type_name(),
                                     options.workload.flood()
                                         ? " of kind " + std::string(options.workload.flood()->kind->name)
                                         : std::string()));
    options.dir = dir;
  }
  options.max_runtime = std::chrono::milliseconds(max_runtime_ms);
  return options;
}

}  // namespace mt::workloads
