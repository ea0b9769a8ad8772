// When a campaign's reactions fire and clear (`reactions:`, campaign/reactions.h), decided from
// the sampled figures alone: no clock of its own, no side effects, so every rule (for:, clear
// and its for:, cooldown, the cap, any/all) runs in unit tests on made-up times. The actions
// themselves are daemon/parts/reactions_part.h's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "campaign/spec.h"
#include "daemon/model.h"

namespace mt::daemon {

// The latest value of every figure seen: a figure measured less often than every sample (a walk
// of the callback lists, a barrier backlog) keeps its last value until the next one.
class FigureBoard {
 public:
  void update(const Sample& s);
  void set(const std::string& name, double value) { values_[name] = value; }
  std::optional<double> get(const std::string& name) const;

 private:
  std::map<std::string, double> values_;
};

// Whether `c` holds now; `psi_fired`: a PSI trigger event arrived since the last look. A figure
// never seen does not hold (either way round).
bool holds(const campaign::Condition& c, const FigureBoard& board, bool psi_fired);

class ReactionTracker {
 public:
  // `tolerance_s`: how much sooner than its `for:` a condition may count as held, since samples
  // come a little late or early (the reactions part gives half a sample interval).
  explicit ReactionTracker(campaign::ReactionSpec spec, double tolerance_s = 0)
      : spec_(std::move(spec)), tolerance_s_(tolerance_s) {}

  enum class Step { none, fire, clear };
  struct Decision {
    Step step = Step::none;
    double since_s = 0;  // fire: when `when` began to hold; clear: when the clear condition did
  };
  // A look at time `t_s` (the data's time, seconds since the campaign started).
  Decision observe(double t_s, const FigureBoard& board, bool psi_fired);

  bool active() const { return active_; }  // fired and not yet cleared
  std::uint32_t firings() const { return firings_; }
  // Looks at which `when` had held long enough but the reaction did not fire, and why.
  std::uint64_t held_in_cooldown() const { return held_in_cooldown_; }
  std::uint64_t held_past_cap() const { return held_past_cap_; }

 private:
  campaign::ReactionSpec spec_;
  double tolerance_s_ = 0;
  bool active_ = false;
  std::optional<double> true_since_, clear_since_, last_fired_;
  std::uint32_t firings_ = 0;
  std::uint64_t held_in_cooldown_ = 0, held_past_cap_ = 0;
};

}  // namespace mt::daemon
