#include "workloads/cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <sstream>

#include "common/units.h"
#include "workloads/runner.h"

namespace mt::workloads {
namespace {

// Options both subcommands take.
struct CommonArgs {
  long long max_runtime_ms = 0;
  int report_fd = kReportFd;
  int control_fd = kControlFd;
};

void add_common(CLI::App& sub, CommonArgs& args) {
  sub.add_option("--max-runtime-ms", args.max_runtime_ms,
                 "Stop on its own after this many milliseconds (0: no bound)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--report-fd", args.report_fd, "Descriptor to write the report lines to")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--control-fd", args.control_fd,
                 "Descriptor to read the daemon's control lines from (pause, resume, rate N); "
                 "ignored when not open")
      ->check(CLI::NonNegativeNumber);
}

CliExit usage_error(const std::string& message) {
  return CliExit{kExitUsage, fmt::format("{}\nRun with --help for more information.\n", message)};
}

}  // namespace

std::variant<WorkerOptions, CliExit> parse_command_line(int argc, const char* const* argv) {
  CLI::App app{"memtorture worker: the load that runs inside a campaign's memory cgroup",
               "memtorture-worker"};
  app.require_subcommand(1);

  CommonArgs common;

  auto* flood = app.add_subcommand("flood", "Loop over system calls that queue RCU callbacks");
  std::string kind;
  int threads = 0;
  double rate = 0;
  std::string dir;
  flood->add_option("--kind", kind, "udp_socket or dentry")
      ->required()
      ->check(CLI::IsMember({"udp_socket", "dentry"}));
  flood->add_option("--threads", threads, "Number of threads")
      ->required()
      ->check(CLI::Range(1, kMaxFloodThreads));
  flood->add_option("--rate", rate, "Operations per second per thread (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  flood->add_option("--dir", dir,
                    "dentry: directory to work in (one subdirectory per thread, removed on exit)");
  add_common(*flood, common);

  auto* anon = app.add_subcommand("anon", "Hold anonymous memory, touching every page");
  std::string size;
  long long ramp_ms = 0;
  anon->add_option("--size", size, "Bytes to map and touch (a number, or e.g. 64Mi)")->required();
  anon->add_option("--ramp-ms", ramp_ms, "Grow to --size linearly over this many milliseconds")
      ->check(CLI::NonNegativeNumber);
  add_common(*anon, common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    int code = app.exit(e, out, err);
    if (code == 0) return CliExit{0, out.str()};
    return CliExit{kExitUsage, err.str()};
  }

  WorkerOptions options;
  options.max_runtime = std::chrono::milliseconds(common.max_runtime_ms);
  options.report_fd = common.report_fd;
  options.control_fd = common.control_fd;
  if (flood->parsed()) {
    FloodOptions f;
    f.kind = *parse_flood_kind(kind);  // checked by IsMember
    f.threads = threads;
    f.rate = rate;
    if (f.kind == FloodKind::dentry) {
      if (dir.empty()) return usage_error("--dir is required for --kind dentry");
      f.dir = dir;
    }
    options.workload = f;
  } else {
    auto bytes = parse_size(size);
    if (!bytes) return usage_error("--size: " + bytes.error().message);
    if (*bytes == 0) return usage_error("--size must be more than 0");
    options.workload = AnonOptions{.size = *bytes, .ramp = std::chrono::milliseconds(ramp_ms)};
  }
  return options;
}

}  // namespace mt::workloads
