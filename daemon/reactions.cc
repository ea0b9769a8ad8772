#include "daemon/reactions.h"

#include <chrono>
#include <utility>

#include "daemon/metric_catalog.h"

namespace mt::daemon {
namespace {

// Sample times are sums of doubles: a hold of 300 ms met by samples 0.1 s apart is met.
constexpr double kRoundingS = 1e-6;

double seconds(std::chrono::milliseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void FigureBoard::update(const Sample& s) {
  for (const MetricDef& m : core_metrics())
    if (auto v = figure_by_name(m.name, s)) values_[m.name] = *v;
  for (const auto& [name, v] : s.metrics) values_[name] = v;
}

std::optional<double> FigureBoard::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool holds(const campaign::Condition& c, const FigureBoard& board, bool psi_fired) {
  using Kind = campaign::Condition::Kind;
  using Op = campaign::Condition::Op;
  switch (c.kind) {
    case Kind::psi_trigger:
      return psi_fired;
    case Kind::any:
      for (const auto& child : c.children)
        if (holds(child, board, psi_fired)) return true;
      return false;
    case Kind::all:
      for (const auto& child : c.children)
        if (!holds(child, board, psi_fired)) return false;
      return !c.children.empty();
    case Kind::threshold:
      break;
  }
  const auto v = board.get(c.figure);
  if (!v) return false;
  switch (c.op) {
    case Op::gt:
      return *v > c.value;
    case Op::ge:
      return *v >= c.value;
    case Op::lt:
      return *v < c.value;
    case Op::le:
      return *v <= c.value;
  }
  return false;
}

ReactionTracker::Decision ReactionTracker::observe(double t_s, const FigureBoard& board,
                                                   bool psi_fired) {
  const double slack = kRoundingS + tolerance_s_;
  if (active_) {
    const bool clear = spec_.clear ? holds(*spec_.clear, board, psi_fired)
                                   : !holds(spec_.when, board, psi_fired);
    if (!clear) {
      clear_since_.reset();
      return {};
    }
    if (!clear_since_) clear_since_ = t_s;
    if (t_s - *clear_since_ + slack < seconds(spec_.clear_hold)) return {};
    active_ = false;
    true_since_.reset();
    return {Step::clear, *std::exchange(clear_since_, std::nullopt)};
  }
  if (!holds(spec_.when, board, psi_fired)) {
    true_since_.reset();
    return {};
  }
  if (!true_since_) true_since_ = t_s;
  if (t_s - *true_since_ + slack < seconds(spec_.hold)) return {};
  if (spec_.max_firings && firings_ >= *spec_.max_firings) {
    ++held_past_cap_;
    return {};
  }
  if (last_fired_ && t_s - *last_fired_ + slack < seconds(spec_.cooldown)) {
    ++held_in_cooldown_;
    return {};
  }
  active_ = true;
  last_fired_ = t_s;
  ++firings_;
  return {Step::fire, *true_since_};
}

}  // namespace mt::daemon
