// CriteriaEvaluator on a FakeClock: which figure each criterion reads, when it first fails, and
// what the result says.
#include "daemon/criteria.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "common/clock.h"
#include "daemon/metric_catalog.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using testing::Mi;
using testing::psi;
using testing::sample;
using ::testing::SizeIs;

class CriteriaTest : public ::testing::Test {
 protected:
  CriteriaEvaluator evaluator(const campaign::Criteria& c) {
    return CriteriaEvaluator(c, clock_, clock_.now());
  }
  FakeClock clock_;
};

TEST_F(CriteriaTest, NoCriteriaMeansNothingToFailAndAllPass) {
  auto e = evaluator({});
  EXPECT_THAT(e.observe(sample(0, 10 * Mi, 64 * Mi, 0, 5)), IsEmpty());
  EXPECT_THAT(e.results(), IsEmpty());
  EXPECT_TRUE(e.all_pass());
}

TEST_F(CriteriaTest, ResultsComeInAFixedOrderWhateverIsConfigured) {
  campaign::Criteria c;
  c.min_headroom = 1 * Mi;
  c.max_psi_full_avg10 = 5;
  c.max_psi_some_avg10 = 10;
  c.max_oom_kills = 0;
  auto e = evaluator(c);
  EXPECT_THAT(e.results(), ElementsAre(Field(&CriterionResult::name, "max_oom_kills"),
                                       Field(&CriterionResult::name, "max_psi_some_avg10"),
                                       Field(&CriterionResult::name, "max_psi_full_avg10"),
                                       Field(&CriterionResult::name, "min_headroom")));
}

TEST_F(CriteriaTest, MinHeadroomUsesTheKernelPeakNotOnlyTheUsageSampled) {
  campaign::Criteria c;
  c.min_headroom = 1 * Mi;
  auto e = evaluator(c);
  auto s = sample(0.1, 3 * Mi, 64 * Mi);  // 61Mi headroom at the sample...
  s.peak_bytes = 64 * Mi;                 // ...but usage reached the limit in between
  ASSERT_THAT(e.observe(s), SizeIs(1));
  EXPECT_FALSE(e.results()[0].pass);
  EXPECT_EQ(e.results()[0].value, 0);
}

TEST_F(CriteriaTest, OomKillsPassAtTheLimitAndSayHowTheyCompare) {
  campaign::Criteria c;
  c.max_oom_kills = 1;
  auto e = evaluator(c);
  EXPECT_THAT(e.observe(sample(0.1, 0, 64 * Mi, 0, 0)), IsEmpty());
  EXPECT_THAT(e.observe(sample(0.2, 0, 64 * Mi, 0, 1)), IsEmpty());  // == limit is allowed
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_TRUE(r[0].pass);
  EXPECT_EQ(r[0].limit, 1);
  EXPECT_EQ(r[0].value, 1);
  EXPECT_EQ(r[0].detail, "worst 1 <= limit 1");
  EXPECT_TRUE(e.all_pass());
}

TEST_F(CriteriaTest, FirstViolationIsReportedOnceWithTheClockTimeSinceStart) {
  campaign::Criteria c;
  c.max_oom_kills = 0;
  auto e = evaluator(c);
  clock_.advance(1s);
  EXPECT_THAT(e.observe(sample(1.0, 0, 64 * Mi, 0, 0)), IsEmpty());
  clock_.advance(1500ms);
  auto failed = e.observe(sample(2.5, 0, 64 * Mi, 0, 1));
  ASSERT_THAT(failed, SizeIs(1));
  EXPECT_EQ(failed[0].name, "max_oom_kills");
  EXPECT_FALSE(failed[0].pass);
  EXPECT_EQ(failed[0].value, 1);
  EXPECT_EQ(failed[0].detail, "worst 1 > limit 0 (first at 2.5 s)");

  // Later, worse samples are folded in but do not fail "for the first time" again.
  clock_.advance(3s);
  EXPECT_THAT(e.observe(sample(5.5, 0, 64 * Mi, 0, 3)), IsEmpty());
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_FALSE(r[0].pass);
  EXPECT_EQ(r[0].value, 3);
  EXPECT_EQ(r[0].detail, "worst 3 > limit 0 (first at 2.5 s)");
  EXPECT_FALSE(e.all_pass());
}

TEST_F(CriteriaTest, TimeIsMeasuredFromTheGivenStartNotFromConstruction) {
  campaign::Criteria c;
  c.max_oom_kills = 0;
  const auto start = clock_.now();
  clock_.advance(4s);
  CriteriaEvaluator e(c, clock_, start);
  clock_.advance(200ms);
  auto failed = e.observe(sample(4.2, 0, 64 * Mi, 0, 2));
  ASSERT_THAT(failed, SizeIs(1));
  EXPECT_EQ(failed[0].detail, "worst 2 > limit 0 (first at 4.2 s)");
}

TEST_F(CriteriaTest, AViolationIsNotForgivenWhenTheFigureRecovers) {
  campaign::Criteria c;
  c.min_headroom = 16 * Mi;
  auto e = evaluator(c);
  EXPECT_THAT(e.observe(sample(0, 8 * Mi, 64 * Mi)), IsEmpty());  // 56Mi free
  clock_.advance(700ms);
  EXPECT_THAT(e.observe(sample(0.7, 60 * Mi, 64 * Mi)), SizeIs(1));  // 4Mi free
  clock_.advance(700ms);
  EXPECT_THAT(e.observe(sample(1.4, 8 * Mi, 64 * Mi)), IsEmpty());  // recovered
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_FALSE(r[0].pass);
  EXPECT_EQ(r[0].value, static_cast<double>(4 * Mi));
  EXPECT_EQ(r[0].detail, "lowest 4.0Mi < limit 16.0Mi (first at 0.7 s)");
}

TEST_F(CriteriaTest, MinHeadroomIsTheLowerIsWorseDirectionAndPassesAtTheLimit) {
  campaign::Criteria c;
  c.min_headroom = 16 * Mi;
  auto e = evaluator(c);
  EXPECT_THAT(e.observe(sample(0, 16 * Mi, 64 * Mi)), IsEmpty());    // 48Mi free
  EXPECT_THAT(e.observe(sample(0.1, 48 * Mi, 64 * Mi)), IsEmpty());  // exactly 16Mi free
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_TRUE(r[0].pass);
  EXPECT_EQ(r[0].value, static_cast<double>(16 * Mi));
  EXPECT_EQ(r[0].detail, "lowest 16.0Mi >= limit 16.0Mi");
}

TEST_F(CriteriaTest, PsiCriteriaReadTheCgroupPressureWhenTheSampleHasIt) {
  campaign::Criteria c;
  c.max_psi_some_avg10 = 10;
  c.max_psi_full_avg10 = 5;
  auto e = evaluator(c);
  Sample s = sample(0, 0, 64 * Mi);
  s.cgroup_psi = psi(2.5, 1.25);
  s.system_psi = psi(80, 70);  // would fail both, but the cgroup's own figures win
  EXPECT_THAT(e.observe(s), IsEmpty());
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(2));
  EXPECT_TRUE(r[0].pass);
  EXPECT_EQ(r[0].value, 2.5);
  EXPECT_EQ(r[0].detail, "worst 2.50% <= limit 10.00%");
  EXPECT_TRUE(r[1].pass);
  EXPECT_EQ(r[1].value, 1.25);
}

TEST_F(CriteriaTest, PsiCriteriaFallBackToSystemPressure) {
  campaign::Criteria c;
  c.max_psi_some_avg10 = 10;
  c.max_psi_full_avg10 = 5;
  auto e = evaluator(c);
  Sample s = sample(0, 0, 64 * Mi);
  s.system_psi = psi(12.5, 3);
  clock_.advance(300ms);
  auto failed = e.observe(s);
  ASSERT_THAT(failed, SizeIs(1));
  EXPECT_EQ(failed[0].name, "max_psi_some_avg10");
  // The fallback is said, not silent.
  EXPECT_EQ(failed[0].detail,
            "worst 12.50% > limit 10.00% (first at 0.3 s) (system PSI: the campaign cgroup's PSI "
            "could not be read at some samples)");
  EXPECT_TRUE(e.used_system_psi());
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(2));
  EXPECT_FALSE(r[0].pass);
  EXPECT_TRUE(r[1].pass);
  EXPECT_EQ(r[1].value, 3);
}

TEST_F(CriteriaTest, NoFallbackNoteWhenEverySampleHadCgroupPsi) {
  campaign::Criteria c;
  c.max_psi_some_avg10 = 10;
  auto e = evaluator(c);
  Sample s = sample(0, 0, 64 * Mi);
  s.cgroup_psi = psi(1, 0);
  s.system_psi = psi(1, 0);
  e.observe(s);
  EXPECT_FALSE(e.used_system_psi());
  EXPECT_THAT(e.results()[0].detail, ::testing::Not(::testing::HasSubstr("system PSI")));
}

TEST_F(CriteriaTest, APsiCriterionNoSampleCouldAnswerFails) {
  campaign::Criteria c;
  c.max_psi_full_avg10 = 5;
  c.max_oom_kills = 0;
  auto e = evaluator(c);
  EXPECT_THAT(e.observe(sample(0, 0, 64 * Mi)), IsEmpty());  // no PSI at all on this "host"
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(2));
  EXPECT_TRUE(r[0].pass);  // max_oom_kills had its figure
  EXPECT_EQ(r[1].name, "max_psi_full_avg10");
  EXPECT_FALSE(r[1].pass);
  EXPECT_EQ(r[1].detail, "no sample carried this figure (limit 5.00%)");
  EXPECT_FALSE(e.all_pass());
}

TEST_F(CriteriaTest, BeforeAnySampleEveryCriterionIsUnanswered) {
  campaign::Criteria c;
  c.max_oom_kills = 0;
  c.min_headroom = 1 * Mi;
  auto e = evaluator(c);
  auto r = e.results();
  ASSERT_THAT(r, SizeIs(2));
  EXPECT_FALSE(r[0].pass);
  EXPECT_EQ(r[0].detail, "no sample carried this figure (limit 0)");
  EXPECT_EQ(r[1].detail, "no sample carried this figure (limit 1.0Mi)");
}

TEST_F(CriteriaTest, SeveralCriteriaCanFailWithTheSameSample) {
  campaign::Criteria c;
  c.max_oom_kills = 0;
  c.min_headroom = 16 * Mi;
  c.max_psi_full_avg10 = 1;
  auto e = evaluator(c);
  Sample s = sample(0, 60 * Mi, 64 * Mi, 0, 1);
  s.cgroup_psi = psi(40, 30);
  EXPECT_THAT(e.observe(s), ElementsAre(Field(&CriterionResult::name, "max_oom_kills"),
                                        Field(&CriterionResult::name, "max_psi_full_avg10"),
                                        Field(&CriterionResult::name, "min_headroom")));
}

}  // namespace
}  // namespace mt::daemon

namespace mt::daemon {
namespace {

TEST(MetricCriteria, ABoundOnAPartsMetricReadsItByNameWithItsUnit) {
  FakeClock clock;
  campaign::Criteria c;
  c.max = {{"rcu.gp_latency_us", 1000}};
  c.min = {{"headroom_bytes", 8.0 * testing::Mi}};
  CriteriaEvaluator e(c, clock, clock.now());

  Sample s = testing::sample(0, 10 * testing::Mi, 64 * testing::Mi);
  EXPECT_THAT(e.observe(s), ::testing::IsEmpty());  // no latency yet: not a violation
  s.metrics["rcu.gp_latency_us"] = 900;
  EXPECT_THAT(e.observe(s), ::testing::IsEmpty());
  clock.advance(std::chrono::seconds(2));
  s.metrics["rcu.gp_latency_us"] = 2500;
  const auto failed = e.observe(s);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].name, "max rcu.gp_latency_us");
  EXPECT_EQ(failed[0].detail, "worst 2500 us > limit 1000 us (first at 2.0 s)");

  const auto results = e.results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].pass);
  EXPECT_EQ(results[1].name, "min headroom_bytes");
  EXPECT_TRUE(results[1].pass) << results[1].detail;
  EXPECT_FALSE(e.all_pass());
}

TEST(MetricCriteria, ABoundNoSampleCarriedFails) {
  FakeClock clock;
  campaign::Criteria c;
  c.max = {{"rcu.gp_latency_us", 1000}};
  CriteriaEvaluator e(c, clock, clock.now());
  e.observe(testing::sample(0, 0, 64 * testing::Mi));
  ASSERT_EQ(e.results().size(), 1u);
  EXPECT_FALSE(e.results()[0].pass);
  EXPECT_THAT(e.results()[0].detail, ::testing::HasSubstr("no sample carried"));
}

// oom.eta_s is there only while memory grows: a campaign that never grew passes
// min_oom_eta_s, one whose ETA fell under the bound fails it.
TEST(MetricCriteria, MinOomEtaPassesWithNoEtaAndFailsUnderTheBound) {
  FakeClock clock;
  campaign::Criteria c;
  c.min_oom_eta_s = 10;
  CriteriaEvaluator flat(c, clock, clock.now());
  for (int i = 0; i < 5; ++i) flat.observe(testing::sample(i, 10 * testing::Mi, 64 * testing::Mi));
  ASSERT_EQ(flat.results().size(), 1u);
  EXPECT_EQ(flat.results()[0].name, "min_oom_eta_s");
  EXPECT_TRUE(flat.results()[0].pass);
  EXPECT_THAT(flat.results()[0].detail, ::testing::HasSubstr("no sample had one"));

  CriteriaEvaluator growing(c, clock, clock.now());
  Sample s = testing::sample(0, 10 * testing::Mi, 64 * testing::Mi);
  s.metrics["oom.eta_s"] = 30;
  EXPECT_THAT(growing.observe(s), ::testing::IsEmpty());
  s.metrics["oom.eta_s"] = 4;
  const auto failed = growing.observe(s);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed[0].detail, ::testing::HasSubstr("lowest 4 s < limit 10 s"));
}

TEST(MetricCatalog, EveryFigureHasOneDeclarationAndCoreFiguresAreReadFromTheSample) {
  const auto names = all_metric_names();
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  EXPECT_TRUE(unique.count("rcu.gp_latency_us"));
  for (const char* oom : {"oom.proximity", "oom.eta_s", "oom.score", "oom.system.proximity"})
    EXPECT_TRUE(unique.count(oom)) << oom;
  Sample s = testing::sample(0, 10 * testing::Mi, 64 * testing::Mi);
  s.oom_kills = 3;
  EXPECT_EQ(figure_by_name("usage_bytes", s), 10.0 * testing::Mi);
  EXPECT_EQ(figure_by_name("oom_kills", s), 3.0);
  bool from_system = true;
  s.cgroup_psi.reset();
  s.system_psi = PsiFigures{.some_avg10 = 4.5};
  EXPECT_EQ(figure_by_name("psi.some_avg10", s, &from_system), 4.5);
  EXPECT_TRUE(from_system);
  EXPECT_EQ(figure_by_name("nothing.here", s), std::nullopt);
}

}  // namespace
}  // namespace mt::daemon
