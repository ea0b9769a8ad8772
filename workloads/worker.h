// The worker process as a whole: options in, exit code out. worker_main.cc is a thin shell
// around parse_command_line() and run_worker().
#pragma once

#include <memory>

#include "common/clock.h"
#include "workloads/cli.h"
#include "workloads/workload.h"

namespace mt::workloads {

std::unique_ptr<Workload> make_workload(const WorkerOptions& options, const Clock& clock);

// Checks the report descriptor, then runs the workload (runner.h). Returns the exit code.
int run_worker(const WorkerOptions& options);

}  // namespace mt::workloads
