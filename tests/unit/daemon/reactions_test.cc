// When reactions fire and clear, on made-up sample times: for:, the clear condition and its
// for: (hysteresis), cooldown, the cap, any/all, PSI trigger events, sparse figures.
#include "daemon/reactions.h"

#include <gtest/gtest.h>

#include "campaign/reactions.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using campaign::Condition;
using campaign::ReactionSpec;
using Step = ReactionTracker::Step;

Condition cond(const std::string& text) {
  auto c = campaign::parse_condition_text(text);
  EXPECT_TRUE(c.ok()) << text;
  return c.ok() ? *c : Condition{};
}

ReactionSpec spec(const std::string& when) {
  ReactionSpec s;
  s.name = "r";
  s.when = cond(when);
  return s;
}

// Feeds `values` of figure "usage_bytes", one per 100 ms from t = 0, and returns the steps.
std::vector<std::pair<double, Step>> run(ReactionTracker& t, const std::vector<double>& values) {
  std::vector<std::pair<double, Step>> steps;
  FigureBoard board;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double at = 0.1 * static_cast<double>(i);
    board.set("usage_bytes", values[i]);
    const auto d = t.observe(at, board, false);
    if (d.step != Step::none) steps.emplace_back(at, d.step);
  }
  return steps;
}

TEST(Conditions, ThresholdsAnyAllAndMissingFigures) {
  FigureBoard b;
  b.set("usage_bytes", 100);
  b.set("psi.some_avg10", 12);
  EXPECT_TRUE(holds(cond("usage_bytes > 99"), b, false));
  EXPECT_FALSE(holds(cond("usage_bytes > 100"), b, false));
  EXPECT_TRUE(holds(cond("usage_bytes >= 100"), b, false));
  EXPECT_TRUE(holds(cond("usage_bytes <= 100"), b, false));
  EXPECT_FALSE(holds(cond("usage_bytes < 100"), b, false));
  EXPECT_FALSE(holds(cond("rcu.pending_bytes > 0"), b, false)) << "never measured";
  EXPECT_FALSE(holds(cond("rcu.pending_bytes < 1"), b, false)) << "either way round";
  Condition any{.kind = Condition::Kind::any,
                .children = {cond("usage_bytes > 1000"), cond("psi.some_avg10 > 10")}};
  Condition all{.kind = Condition::Kind::all,
                .children = {cond("usage_bytes > 1000"), cond("psi.some_avg10 > 10")}};
  EXPECT_TRUE(holds(any, b, false));
  EXPECT_FALSE(holds(all, b, false));
  b.set("usage_bytes", 2000);
  EXPECT_TRUE(holds(all, b, false));
  EXPECT_FALSE(holds(cond("psi_trigger"), b, false));
  EXPECT_TRUE(holds(cond("psi_trigger"), b, true));
}

TEST(Conditions, ASparseFigureKeepsItsLastValue) {
  FigureBoard b;
  Sample s;
  s.metrics["rcu.pending_bytes"] = 9e6;
  b.update(s);
  Sample next;  // no walk in this one
  b.update(next);
  EXPECT_EQ(b.get("rcu.pending_bytes"), 9e6);
  EXPECT_EQ(b.get("usage_bytes"), 0.0) << "core figures come from every sample";
}

TEST(ReactionTracker, FiresOnceTheConditionHeldForItsTimeAndClearsWhenItNoLongerHolds) {
  ReactionSpec s = spec("usage_bytes > 10");
  s.hold = 300ms;
  ReactionTracker t(s);
  const auto steps = run(t, {0, 20, 20, 0, 20, 20, 20, 20, 20, 5, 20});
  // True at 0.1-0.2 (too short), again from 0.4: held 300 ms at 0.7. Clears at 0.9.
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_DOUBLE_EQ(steps[0].first, 0.7);
  EXPECT_EQ(steps[0].second, Step::fire);
  EXPECT_DOUBLE_EQ(steps[1].first, 0.9);
  EXPECT_EQ(steps[1].second, Step::clear);
  EXPECT_EQ(t.firings(), 1u);
  EXPECT_FALSE(t.active()) << "and 1.0 starts a new streak that has not held 300 ms";
}

TEST(ReactionTracker, ASampleALittleEarlyStillMeetsTheHoldWithinTheTolerance) {
  ReactionSpec s = spec("usage_bytes > 10");
  s.hold = 200ms;
  FigureBoard b;
  b.set("usage_bytes", 20);
  ReactionTracker strict(s), tolerant(s, 0.05);
  for (ReactionTracker* t : {&strict, &tolerant}) t->observe(2.4012, b, false);
  EXPECT_EQ(strict.observe(2.6008, b, false).step, Step::none) << "199.6 ms held";
  EXPECT_EQ(tolerant.observe(2.6008, b, false).step, Step::fire);
}

TEST(ReactionTracker, WhileActiveItDoesNotFireAgain) {
  ReactionTracker t(spec("usage_bytes > 10"));
  const auto steps = run(t, {20, 20, 20, 20});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(t.firings(), 1u);
  EXPECT_TRUE(t.active());
}

TEST(ReactionTracker, TheClearConditionAndItsForAreTheHysteresis) {
  ReactionSpec s = spec("usage_bytes > 100");
  s.clear = cond("usage_bytes < 50");
  s.clear_hold = 200ms;
  ReactionTracker t(s);
  // Fires at 0; 80 is no longer "> 100" but not yet "< 50"; 40 at 0.3-0.4 is too short; 40
  // from 0.6 holds 200 ms at 0.8.
  const auto steps = run(t, {200, 80, 80, 40, 40, 80, 40, 40, 40, 40});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0], (std::pair{0.0, Step::fire}));
  EXPECT_EQ(steps[1].second, Step::clear);
  EXPECT_DOUBLE_EQ(steps[1].first, 0.8);
}

TEST(ReactionTracker, CooldownAndCapHoldFiringsBackAndAreCounted) {
  ReactionSpec s = spec("usage_bytes > 10");
  s.cooldown = 500ms;
  s.max_firings = 2;
  ReactionTracker t(s);
  // Fires at 0, clears at 0.1; holds again at 0.2-0.4 inside the cooldown (3 looks); fires at
  // 0.5; clears at 0.6; then holds past the cap.
  const auto steps = run(t, {20, 0, 20, 20, 20, 20, 0, 20, 20, 20, 20, 20, 20});
  std::vector<double> fired;
  for (const auto& [at, step] : steps)
    if (step == Step::fire) fired.push_back(at);
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_DOUBLE_EQ(fired[0], 0.0);
  EXPECT_DOUBLE_EQ(fired[1], 0.5);
  EXPECT_EQ(t.held_in_cooldown(), 3u);
  EXPECT_EQ(t.held_past_cap(), 6u);
  EXPECT_EQ(t.firings(), 2u);
}

TEST(ReactionTracker, APsiTriggerEventFiresAtOnceAndTheNextQuietLookClearsIt) {
  ReactionTracker t(spec("psi_trigger"));
  FigureBoard b;
  EXPECT_EQ(t.observe(1.0, b, false).step, Step::none);
  const auto d = t.observe(1.23, b, true);
  EXPECT_EQ(d.step, Step::fire);
  EXPECT_DOUBLE_EQ(d.since_s, 1.23);
  EXPECT_EQ(t.observe(1.3, b, false).step, Step::clear);
}

}  // namespace
}  // namespace mt::daemon
