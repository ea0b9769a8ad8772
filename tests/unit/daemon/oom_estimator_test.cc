// The time-to-OOM estimator on synthetic series (10 points a second): linear growth, a step,
// a sawtooth, a flat line and noise, each against the true time left.
#include "daemon/oom_estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace mt::daemon {
namespace {

constexpr double Mi = 1048576;
constexpr double kLimit = 256 * Mi;

// Feeds `bytes(t)` for t in [0, until) every 100 ms; the last estimate.
template <class F>
OomEstimate feed(OomEstimator& e, double until, F bytes) {
  OomEstimate last;
  for (int i = 0; i * 0.1 < until - 1e-9; ++i) last = e.add(i * 0.1, bytes(i * 0.1), kLimit);
  return last;
}

TEST(OomEstimator, LinearGrowthGivesTheTimeLeft) {
  OomEstimator e;
  // 32 MiB/s from 64 MiB: at t = 3.9 s, 188.8 MiB; 67.2 MiB left, 2.1 s.
  const auto r = feed(e, 4.0, [](double t) { return 64 * Mi + 32 * Mi * t; });
  ASSERT_TRUE(r.eta_s);
  EXPECT_NEAR(r.growth_bytes_per_s, 32 * Mi, 0.01 * Mi);
  EXPECT_NEAR(*r.eta_s, (kLimit - (64 + 32 * 3.9) * Mi) / (32 * Mi), 0.01);
  ASSERT_TRUE(r.eta_low_s && r.eta_high_s);
  EXPECT_LE(*r.eta_low_s, *r.eta_s);
  EXPECT_GE(*r.eta_high_s, *r.eta_s);
}

TEST(OomEstimator, AFlatLineHasNoEta) {
  OomEstimator e;
  const auto r = feed(e, 6.0, [](double) { return 200 * Mi; });
  EXPECT_FALSE(r.eta_s);
  EXPECT_NEAR(r.headroom_bytes, 56 * Mi, 1);
  EXPECT_NEAR(r.growth_bytes_per_s, 0, 1);
}

TEST(OomEstimator, NoiseDoesNotMakeAFlatLineGrowNorMoveAGrowingOneMuch) {
  std::normal_distribution<double> noise(0, 2 * Mi);
  int false_etas = 0;
  for (unsigned seed = 1; seed <= 20; ++seed) {  // 20 series of 10 s: 2000 looks
    std::mt19937 rng(seed);
    OomEstimator flat;
    for (int i = 0; i < 100; ++i)
      false_etas += flat.add(i * 0.1, 100 * Mi + noise(rng), kLimit).eta_s ? 1 : 0;
  }
  // Measured: 8 of 2000 (0.4%).
  EXPECT_LE(false_etas, 20) << "of 2000 looks at a flat line with 2 MiB of noise";
  std::mt19937 rng(7);
  OomEstimator growing;
  OomEstimate r;
  for (int i = 0; i < 50; ++i) r = growing.add(i * 0.1, 50 * Mi + 20 * Mi * i * 0.1 + noise(rng), kLimit);
  ASSERT_TRUE(r.eta_s);
  const double truth = (kLimit - (50 + 20 * 4.9) * Mi) / (20 * Mi);
  EXPECT_NEAR(*r.eta_s, truth, 0.15 * truth);
}

TEST(OomEstimator, AStepIsReadAsGrowthOnlyWhileItIsInTheWindow) {
  OomEstimator e;
  // Flat at 100 MiB, a 50 MiB step at 2 s, flat again: growth while the step is in the
  // window, none once it has left it (window 5 s).
  const auto during = feed(e, 4.0, [](double t) { return t < 2 ? 100 * Mi : 150 * Mi; });
  EXPECT_GT(during.growth_bytes_per_s, 0);
  OomEstimator later;
  const auto after = feed(later, 9.0, [](double t) { return t < 2 ? 100 * Mi : 150 * Mi; });
  EXPECT_FALSE(after.eta_s);
}

TEST(OomEstimator, ASawtoothIsAveragedNotReadOffItsRisingEdge) {
  OomEstimator e;
  // Rises 40 MiB/s for 1 s, drops 30 MiB, again: net 10 MiB/s, from 60 MiB.
  auto saw = [](double t) {
    const double cycles = std::floor(t);
    return 60 * Mi + cycles * 10 * Mi + (t - cycles) * 40 * Mi;
  };
  const auto r = feed(e, 6.0, saw);
  ASSERT_TRUE(r.eta_s);
  EXPECT_NEAR(r.growth_bytes_per_s, 10 * Mi, 4 * Mi) << "not the 40 MiB/s of a rising edge";
}

TEST(OomEstimator, PastTheLimitTheEtaIsZero) {
  OomEstimator e;
  const auto r = feed(e, 2.0, [](double t) { return 250 * Mi + 20 * Mi * t; });
  ASSERT_TRUE(r.eta_s);
  EXPECT_EQ(*r.eta_s, 0);
  EXPECT_LT(r.headroom_bytes, 0);
}

}  // namespace
}  // namespace mt::daemon
