#include "daemon/parts/rcu_stall_part.h"

#include <fmt/format.h>

#include "common/fs.h"

namespace mt::daemon {

std::vector<MetricDef> RcuStallPart::declared() {
  return {{"rcu.stalls", "",
           "RCU CPU stall warnings since the campaign started (/sys/kernel/rcu_stall_count)",
           "rcu stalls"}};
}

Status RcuStallPart::setup(PartContext&) {
  auto n = fs::read_u64(file_);
  if (!n) {
    error_ = n.error().message;
    return {};
  }
  before_ = last_ = *n;
  return {};
}

Status RcuStallPart::measure(Sample& s, PartContext& cx) {
  if (!before_) return {};
  auto n = fs::read_u64(file_);
  if (!n) return {};  // the file was there a moment ago: a figure missing from one sample
  if (*n > *last_)
    cx.emit(LogLine{fmt::format("RCU CPU stall warning: {} since the campaign started (see the "
                                "kernel log)",
                                *n - *before_)});
  last_ = *n;
  s.metrics["rcu.stalls"] = static_cast<double>(*n - *before_);
  return {};
}

void RcuStallPart::contribute(ReportData& report) const {
  nlohmann::ordered_json j = {{"file", file_.string()}, {"error", error_}};
  if (before_) {
    j["before"] = *before_;
    j["after"] = *last_;
    j["stalls"] = *last_ - *before_;
  }
  report.parts["rcu_stalls"] = std::move(j);
}

}  // namespace mt::daemon
