#include "workloads/worker.h"

#include <iostream>

#include "workloads/anon.h"
#include "workloads/flood.h"
#include "workloads/page_cache.h"
#include "workloads/report.h"
#include "workloads/runner.h"

namespace mt::workloads {

namespace {

// The driver of each workload type (campaign/workload_types/): one overload per alternative of
// WorkloadSpec::params, so a type without a driver does not compile.
struct Driver {
  const WorkerOptions& options;
  const Clock& clock;

  std::unique_ptr<Workload> operator()(const campaign::FloodSpec& f) const {
    return std::make_unique<FloodWorkload>(
        FloodOptions{.kind = f.kind,
                     .threads = f.threads,
                     .rate = f.rate ? static_cast<double>(*f.rate) : 0.0,
                     .dir = options.dir},
        clock);
  }
  std::unique_ptr<Workload> operator()(const campaign::AnonSpec& a) const {
    return std::make_unique<AnonWorkload>(AnonOptions{.size = a.size,
                                                              .ramp = a.ramp,
                                                              .churn_every = a.churn_every,
                                                              .churn_free = a.churn_free}, clock);
  }
  std::unique_ptr<Workload> operator()(const campaign::PageCacheSpec& p) const {
    return std::make_unique<PageCacheWorkload>(
        PageCacheOptions{.size = p.size, .dirty = p.dirty, .dir = options.dir}, clock);
  }
};

}  // namespace

std::unique_ptr<Workload> make_workload(const WorkerOptions& options, const Clock& clock) {
  return std::visit(Driver{options, clock}, options.workload.params);
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
