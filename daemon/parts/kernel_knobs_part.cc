#include "daemon/parts/kernel_knobs_part.h"

#include <fmt/format.h>

namespace mt::daemon {

Status KernelKnobsPart::setup(PartContext& cx) {
  for (const auto& s : settings_) {
    auto in_force = knobs_->set(s.name, s.value);
    if (!in_force) {
      error_ = fmt::format("kernel.{}: {}", s.name, in_force.error().message);
      return make_error(error_);  // teardown puts back what was set before it
    }
    const auto& before = knobs_->changed().back().old_value;
    applied_.push_back({s.name, before, std::to_string(s.value), *in_force});
    cx.emit(LogLine{fmt::format("kernel.{}: {} -> {}{}", s.name, before, *in_force,
                                *in_force == std::to_string(s.value)
                                    ? ""
                                    : fmt::format(" (asked for {})", s.value))});
  }
  return {};
}

Status KernelKnobsPart::teardown(PartContext& cx) {
  if (!knobs_) return {};
  auto st = knobs_->restore();
  knobs_.reset();
  if (!st) {
    error_ = st.error().message;
    return st;
  }
  restored_ = true;
  if (!applied_.empty()) cx.emit(LogLine{"kernel knobs put back"});
  return {};
}

void KernelKnobsPart::contribute(ReportData& report) const {
  auto knobs = nlohmann::ordered_json::object();
  for (const auto& a : applied_)
    knobs[a.name] = {{"before", a.before}, {"asked", a.asked}, {"in_force", a.in_force}};
  report.parts["kernel"] = {{"knobs", knobs}, {"restored", restored_ || settings_.empty()},
                            {"error", error_}};
}

}  // namespace mt::daemon
