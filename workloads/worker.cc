#include "workloads/worker.h"

#include <sys/mman.h>

#include <iostream>

#include "workloads/anon.h"
#include "workloads/flood.h"
#include "workloads/page_cache.h"
#include "workloads/report.h"
#include "workloads/rcutorture.h"
#include "workloads/runner.h"
#include "workloads/stress_ng.h"

namespace mt::workloads {

namespace {

int madvise_advice(campaign::AnonSpec::Madvise m) {
  switch (m) {
    case campaign::AnonSpec::Madvise::none:
      return 0;
    case campaign::AnonSpec::Madvise::cold:
      return MADV_COLD;
    case campaign::AnonSpec::Madvise::pageout:
      return MADV_PAGEOUT;
  }
  return 0;
}

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
                                                              .churn_free = a.churn_free,
                                                              .madvise_advice = madvise_advice(a.madvise),
                                                              .madvise_fraction = a.madvise_fraction},
                                         clock);
  }
  std::unique_ptr<Workload> operator()(const campaign::PageCacheSpec& p) const {
    return std::make_unique<PageCacheWorkload>(
        PageCacheOptions{.size = p.size, .dirty = p.dirty, .dir = options.dir}, clock);
  }
  std::unique_ptr<Workload> operator()(const campaign::StressNgSpec& s) const {
    StressNgOptions o;
    o.dir = options.dir;
    for (const auto& option : s.options) o.options.push_back({option.name, option.value});
    return std::make_unique<StressNgWorkload>(std::move(o));
  }
  std::unique_ptr<Workload> operator()(const campaign::RcutortureSpec& r) const {
    return std::make_unique<RcutortureWorkload>(RcutortureOptions{.spec = r});
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
