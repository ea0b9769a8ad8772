#include "workloads/worker.h"

#include <iostream>

#include "workloads/anon.h"
#include "workloads/flood.h"
#include "workloads/report.h"
#include "workloads/runner.h"

namespace mt::workloads {

std::unique_ptr<Workload> make_workload(const WorkerOptions& options, const Clock& clock) {
  if (const auto* flood = std::get_if<FloodOptions>(&options.workload)) {
    return std::make_unique<FloodWorkload>(*flood, clock);
  }
  return std::make_unique<AnonWorkload>(std::get<AnonOptions>(options.workload), clock);
}

int run_worker(const WorkerOptions& options) {
  if (!ReportWriter::is_open(options.report_fd)) {
    std::cerr << "memtorture-worker: report fd " << options.report_fd
              << " is not open (the daemon passes the write end of a pipe there)" << std::endl;
    return kExitUsage;
  }
  SteadyClock clock;
  std::unique_ptr<Workload> workload = make_workload(options, clock);
  Runner runner(*workload,
                RunOptions{.report_fd = options.report_fd,
                           .control_fd = options.control_fd,
                           .max_runtime = options.max_runtime},
                clock);
  return runner.run();
}

}  // namespace mt::workloads
