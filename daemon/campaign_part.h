// A campaign part: one concern of a running campaign (the PSI trigger, the criteria; next the
// RCU probes, the ledger, reactions, the OOM estimator), in a file of its own. The runner drives
// its parts: setup() once the campaign cgroup exists; for every sample measure() (its named
// figures into the sample) then on_sample(); teardown() in reverse order before the cgroup goes
// (always: also on error and abort); contribute() when the report is written. A part talks to
// the rest only through its PartContext. A new figure is one part's metrics() and measure():
// it reaches the sample, the watch stream, the journal, the report and the live line as is.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/scheduler.h"
#include "daemon/model.h"
#include "daemon/report.h"

namespace mt::daemon {

struct PartContext {
  boost::asio::io_context& io;  // for descriptors a part waits on
  Scheduler& timers;            // every timer; its clock is the campaign's
  std::function<double()> now_s;                 // seconds since the campaign started
  std::function<void(Event::Body)> emit;         // to the watch stream, the journal, the report
  std::optional<std::filesystem::path> pressure_file;  // the cgroup's memory.pressure, if any
};

class CampaignPart {
 public:
  virtual ~CampaignPart() = default;
  virtual std::string_view name() const = 0;
  // The named figures it measures (MetricDef): declared here, filled in by measure().
  virtual std::vector<MetricDef> metrics() const { return {}; }
  virtual void setup(PartContext& cx) {}
  // Adds its figures to a new sample (s.metrics[name]); every part measures before any sees it.
  virtual void measure(Sample& s, PartContext& cx) {}
  virtual void on_sample(const Sample& s, PartContext& cx) {}
  virtual void teardown(PartContext& cx) {}
  virtual void contribute(ReportData& report) const {}
};

}  // namespace mt::daemon
