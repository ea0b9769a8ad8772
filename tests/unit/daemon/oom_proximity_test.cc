// The OOM proximity rule on synthetic signals (10 looks a second): each level and what raises
// it, leaving a level only after the settle time, the score, the reason's words, memory waiting
// in RCU counted as headroom, and a kill starting the estimate afresh. Also the system's signals
// from /proc/meminfo and reclaim rates.
#include "daemon/oom_proximity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double Mi = 1048576;
constexpr double kLimit = 100 * Mi;

OomSignals at(double t_s, double usage, double reclaimable = 0, double rcu = 0) {
  OomSignals s;
  s.t_s = t_s;
  s.usage_bytes = usage;
  s.limit_bytes = kLimit;
  s.reclaimable_bytes = reclaimable;
  s.rcu_waiting_bytes = rcu;
  return s;
}

// Looks at a flat cgroup for `seconds` from `from`; the last look.
OomProximity hold(OomProximityRule& r, double from, double seconds, OomSignals s) {
  OomProximity p;
  for (int i = 0; i * 0.1 < seconds - 1e-9; ++i) {
    s.t_s = from + i * 0.1;
    p = r.look(s);
  }
  return p;
}

TEST(OomProximityRule, FlatAndRoomyIsOkWithScoreZeroAndNoEta) {
  OomProximityRule r;
  const auto p = hold(r, 0, 6, at(0, 40 * Mi));
  EXPECT_EQ(p.level, OomLevel::ok);
  EXPECT_EQ(p.score, 0);
  EXPECT_FALSE(p.estimate.eta_s);
  EXPECT_FALSE(p.changed);
  EXPECT_THAT(p.reason, HasSubstr("headroom 60%"));
  EXPECT_THAT(p.reason, Not(HasSubstr("falling")));
}

TEST(OomProximityRule, HeadroomAloneRaisesElevatedThenCritical) {
  OomProximityRule r;
  EXPECT_EQ(hold(r, 0, 3, at(0, 85 * Mi)).level, OomLevel::elevated);  // 15% left
  OomProximityRule r2;  // (in r the step from 85 to 97 would read as growth for a while)
  const auto p = hold(r2, 0, 3, at(0, 97 * Mi));                       // 3% left
  EXPECT_EQ(p.level, OomLevel::critical);
  EXPECT_NEAR(p.score, (0.25 - 0.03) / 0.25, 1e-9);
}

TEST(OomProximityRule, ReclaimableAndRcuWaitingMemoryAreHeadroom) {
  OomProximityRule r;
  // 97% used, but 20 MiB is page cache and 5 MiB waits for a grace period: 28% effective.
  const auto p = hold(r, 0, 3, at(0, 97 * Mi, 20 * Mi, 5 * Mi));
  EXPECT_EQ(p.level, OomLevel::ok);
  EXPECT_NEAR(p.effective_headroom_bytes, 28 * Mi, 1);
  EXPECT_NEAR(p.unreclaimable_bytes, 72 * Mi, 1);
  EXPECT_THAT(p.reason, HasSubstr("5.0Mi of it waiting in RCU"));
}

TEST(OomProximityRule, GrowthGivesAnEtaAndTheEtaRaisesTheLevel) {
  OomProximityRule r;
  OomProximity p;
  // 10 MiB/s from 10 MiB: ETA < 30 s from the first estimate (elevated), < 5 s at 85 MiB.
  bool saw_elevated = false;
  for (int i = 0; i <= 75; ++i) {
    p = r.look(at(i * 0.1, 10 * Mi + 10 * Mi * i * 0.1));
    if (p.level == OomLevel::elevated) saw_elevated = true;
    if (i == 30) {  // 40 MiB: 60 MiB left at 10 MiB/s
      ASSERT_TRUE(p.estimate.eta_s);
      EXPECT_NEAR(*p.estimate.eta_s, 6.0, 0.05);
      EXPECT_EQ(p.level, OomLevel::elevated) << "ETA under 30 s, headroom 60%";
      EXPECT_NEAR(p.score, 1 - 6.0 / 60, 0.01);
      EXPECT_THAT(p.reason, HasSubstr("falling 10.0Mi/s; oom in ~6.0 s"));
    }
  }
  EXPECT_TRUE(saw_elevated);
  ASSERT_TRUE(p.estimate.eta_s);  // 85 MiB: 1.5 s left
  EXPECT_NEAR(*p.estimate.eta_s, 1.5, 0.05);
  EXPECT_EQ(p.level, OomLevel::critical);
}

TEST(OomProximityRule, PsiAndVmpressureRaiseTheLevel) {
  OomProximityRule r;
  auto s = at(0, 30 * Mi);
  s.psi_some_avg10 = 12;
  EXPECT_EQ(r.look(s).level, OomLevel::elevated);
  s.t_s = 0.1;
  s.psi_full_avg10 = 21;
  const auto p = r.look(s);
  EXPECT_EQ(p.level, OomLevel::critical);
  EXPECT_THAT(p.reason, HasSubstr("PSI some 12% full 21%"));
  EXPECT_NEAR(p.score, 21.0 / 25, 1e-9);

  OomProximityRule v;
  auto w = at(0, 30 * Mi);
  w.vmpressure_critical = true;
  const auto q = v.look(w);
  EXPECT_EQ(q.level, OomLevel::elevated);
  EXPECT_THAT(q.reason, HasSubstr("vmpressure critical"));
}

TEST(OomProximityRule, UpAtOnceDownOnlyAfterTheSettleTime) {
  OomProximityRule r;  // settle 2 s
  auto s = at(0, 97 * Mi);
  auto p = r.look(s);
  EXPECT_EQ(p.level, OomLevel::critical);
  EXPECT_TRUE(p.changed);
  EXPECT_EQ(p.previous, OomLevel::ok);
  // Back to roomy: still critical for 2 s, then one change straight to ok.
  int changes = 0;
  for (int i = 1; i <= 25; ++i) {
    p = r.look(at(i * 0.1, 40 * Mi));
    if (p.changed) {
      ++changes;
      EXPECT_GE(i * 0.1, 2.1 - 1e-9);
      EXPECT_EQ(p.previous, OomLevel::critical);
      EXPECT_EQ(p.level, OomLevel::ok);
    }
  }
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(p.level, OomLevel::ok);
  // A dip that does not last does not lower the level: critical, 1 s roomy, critical again.
  OomProximityRule flicker;
  flicker.look(at(0, 97 * Mi));
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(flicker.look(at(i * 0.1, 40 * Mi)).level, OomLevel::critical);
  EXPECT_FALSE(flicker.look(at(1.1, 97 * Mi)).changed);
  for (int i = 12; i <= 30; ++i) EXPECT_EQ(flicker.look(at(i * 0.1, 40 * Mi)).level, OomLevel::critical);
}

TEST(OomProximityRule, AKillIsTheOomLevelForTwoSecondsAndStartsTheEstimateAfresh) {
  OomProximityRule r;
  for (int i = 0; i < 40; ++i) r.look(at(i * 0.1, 20 * Mi + 20 * Mi * i * 0.1));
  auto s = at(4.0, 1 * Mi);  // the grower was killed
  s.oom_kills = 1;
  auto p = r.look(s);
  EXPECT_EQ(p.level, OomLevel::oom);
  EXPECT_EQ(p.score, 1);
  EXPECT_THAT(p.reason, HasSubstr("OOM kill"));
  EXPECT_FALSE(p.estimate.eta_s) << "the window before the kill is forgotten";
  for (int i = 41; i <= 60; ++i) {
    s.t_s = i * 0.1;
    p = r.look(s);
    EXPECT_EQ(p.level, OomLevel::oom) << s.t_s;
    EXPECT_FALSE(p.estimate.eta_s) << s.t_s;
  }
  for (int i = 61; i <= 90; ++i) {
    s.t_s = i * 0.1;
    p = r.look(s);
  }
  EXPECT_EQ(p.level, OomLevel::ok) << "2 s of oom, then 2 s of settling";
}

TEST(SystemSignals, FromMeminfo) {
  const auto s = system_signals(
      {{"MemTotal", 1000 * Mi}, {"MemFree", 300 * Mi}, {"MemAvailable", 700 * Mi}}, 1.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->t_s, 1.5);
  EXPECT_EQ(s->limit_bytes, 1000 * Mi);
  EXPECT_EQ(s->usage_bytes, 700 * Mi);
  EXPECT_EQ(s->reclaimable_bytes, 400 * Mi);
  EXPECT_FALSE(system_signals({{"MemTotal", 1}, {"MemFree", 1}}, 0)) << "no MemAvailable";
  // MemAvailable below MemFree (it subtracts reserves): nothing reclaimable, not negative.
  EXPECT_EQ(system_signals({{"MemTotal", 100}, {"MemFree", 50}, {"MemAvailable", 40}}, 0)
                ->reclaimable_bytes,
            0);
}

TEST(ReclaimRates, PagesPerSecondBetweenReadingsNoneAfterAReset) {
  ReclaimRates rates;
  OomProximityView v;
  rates.update({100, 50}, 1.0, v);
  EXPECT_FALSE(v.scan_pages_per_s) << "one reading is no rate";
  rates.update({300, 150}, 1.5, v);
  ASSERT_TRUE(v.scan_pages_per_s && v.steal_pages_per_s);
  EXPECT_NEAR(*v.scan_pages_per_s, 400, 1e-9);
  EXPECT_NEAR(*v.steal_pages_per_s, 200, 1e-9);
  OomProximityView w;
  rates.update({10, 5}, 2.0, w);  // counters went backwards (another cgroup with the name)
  EXPECT_FALSE(w.scan_pages_per_s);
}

TEST(MakeView, CarriesTheSignalsAndTheLook) {
  OomProximityRule r;
  auto s = at(2.0, 97 * Mi, 1 * Mi, 2 * Mi);
  s.psi_some_avg10 = 3;
  s.oom_kills = 0;
  const auto p = r.look(s);
  const auto v = make_view(s, p);
  EXPECT_EQ(v.t_s, 2.0);
  EXPECT_EQ(v.level, p.level);
  EXPECT_EQ(v.reason, p.reason);
  EXPECT_EQ(v.usage_bytes, 97 * Mi);
  EXPECT_EQ(v.rcu_waiting_bytes, 2 * Mi);
  EXPECT_NEAR(v.effective_headroom_bytes, 6 * Mi, 1);
  EXPECT_EQ(v.psi_some_avg10, 3);
  EXPECT_FALSE(v.psi_full_avg10);
}

}  // namespace
}  // namespace mt::daemon
