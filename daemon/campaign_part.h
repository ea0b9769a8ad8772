// A campaign part: one concern of a running campaign (the PSI trigger, the criteria; next the
// RCU probes, the ledger, reactions, the OOM estimator), in a file of its own. The runner drives
// its parts: setup() once the campaign cgroup exists, on_sample() for every sample, teardown()
// in reverse order before the cgroup goes (always: also on error and abort), contribute() when
// the report is written. A part talks to the rest only through its PartContext.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

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
  virtual void setup(PartContext& cx) {}
  virtual void on_sample(const Sample& s, PartContext& cx) {}
  virtual void teardown(PartContext& cx) {}
  virtual void contribute(ReportData& report) const {}
};

}  // namespace mt::daemon
