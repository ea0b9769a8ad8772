#include "campaign/regression.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>

namespace mt::campaign {
namespace {

constexpr std::array kFigures = {
    RegressionFigure{"oom_kills", {0, false}, "OOM kills in the campaign cgroup (any increase)"},
    RegressionFigure{"min_headroom_bytes", {-20, true}, "the lowest headroom under the limit"},
    RegressionFigure{"psi_some_max", {+50, true}, "the highest PSI some avg10 of the cgroup"},
    RegressionFigure{"flood_ops_per_s", {-20, true}, "the floods' operations per second"},
    RegressionFigure{"rcu_freed_bytes_per_s", {-20, true},
                     "bytes freed through RCU per second (median over the samples)"},
    RegressionFigure{"rcu_waiting_max", {+50, true}, "the most memory seen waiting in RCU"},
    RegressionFigure{"backlog_p50_bytes", {+50, true}, "the median barrier backlog"},
    RegressionFigure{"gp_p99_us", {+50, true}, "grace-period latency, 99th percentile"},
    RegressionFigure{"reactions_fired", {0, false}, "reactions fired (not judged by default)"},
    RegressionFigure{"lowest_oom_eta_s", {-30, true}, "the lowest time-to-OOM estimate"},
};

}  // namespace

std::span<const RegressionFigure> regression_figures() { return kFigures; }

const RegressionFigure* find_regression_figure(std::string_view key) {
  for (const auto& f : kFigures)
    if (f.key == key) return &f;
  return nullptr;
}

std::string regression_figure_keys() {
  std::string out;
  for (const auto& f : kFigures) out += (out.empty() ? "" : ", ") + std::string(f.key);
  return out;
}

std::optional<Threshold> parse_threshold_value(std::string_view text, std::string* why) {
  std::string value(text);
  Threshold t;
  t.relative = !value.empty() && value.back() == '%';
  if (t.relative) value.pop_back();
  char* end = nullptr;
  t.limit = std::strtod(value.c_str(), &end);
  const bool signed_number = !value.empty() && (value[0] == '+' || value[0] == '-');
  if (!signed_number || end != value.c_str() + value.size() || !std::isfinite(t.limit)) {
    *why = fmt::format(
        "'{}' is not a threshold: a signed number, with % for a relative change (-20%: a drop of "
        "more than 20% regresses; +50%: a rise of more than 50%; +0: any increase)",
        text);
    return std::nullopt;
  }
  return t;
}

std::string threshold_text(const Threshold& t) {
  return fmt::format("{:+g}{}", t.limit, t.relative ? "%" : "");
}

}  // namespace mt::campaign
