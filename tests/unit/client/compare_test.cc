// `memtorturectl compare`: headline figures of two made-up reports, each figure's change against
// its threshold, variants by their medians with "within spread", and what is refused.
#include "client/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mt::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

// A run's report with a flood and a few samples carrying the ledger's rate.
Json report(const std::string& verdict, double freed, double oom_kills, double flood_ops) {
  Json samples = Json::array();
  for (int i = 0; i < 5; ++i)
    samples.push_back({{"t_s", i * 0.1}, {"metrics", {{"rcu.freed_bytes_per_s", freed}}}});
  return {{"campaign", "nightly-udp"},
          {"verdict", verdict},
          {"oom_kills", oom_kills},
          {"memory", {{"min_headroom_bytes", 64.0 * 1048576}}},
          {"samples", samples},
          {"workloads", Json::array({{{"name", "flood"}, {"type", "flood"}, {"ops_per_s", flood_ops}}})},
          {"parts", Json::object()}};
}

const FigureComparison& figure(const ReportComparison& c, const std::string& key,
                               const std::string& scope = "") {
  for (const auto& f : c.figures)
    if (f.key == key && f.scope == scope) return f;
  static const FigureComparison none;
  ADD_FAILURE() << "no figure " << key;
  return none;
}

TEST(Compare, TheSameRunTwiceHasNoRegression) {
  auto c = compare_reports(report("passed", 100e6, 0, 2e5), report("passed", 100e6, 0, 2e5),
                           default_thresholds());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->regressions.empty());
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s").verdict, "ok");
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s").change, "+0.0%");
  EXPECT_THAT(comparison_text(*c), HasSubstr("no regression"));
}

TEST(Compare, ADropBeyondTheThresholdRegressesAndNamesTheFigure) {
  auto c = compare_reports(report("passed", 100e6, 0, 2e5), report("passed", 70e6, 0, 2e5),
                           default_thresholds());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s").verdict, "regressed");
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s").change, "-30.0%");
  ASSERT_EQ(c->regressions.size(), 1u);
  EXPECT_THAT(c->regressions[0], HasSubstr("rcu_freed_bytes_per_s: 95.4Mi/s -> 66.8Mi/s (-30.0%; limit -20%)"));
  auto looser = default_thresholds();
  looser["rcu_freed_bytes_per_s"] = parse_threshold("rcu_freed_bytes_per_s=-40%").value().second;
  c = compare_reports(report("passed", 100e6, 0, 2e5), report("passed", 70e6, 0, 2e5), looser);
  EXPECT_TRUE(c->regressions.empty());
  // The other way is better, not a regression.
  c = compare_reports(report("passed", 70e6, 0, 2e5), report("passed", 100e6, 0, 2e5),
                      default_thresholds());
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s").verdict, "better");
}

TEST(Compare, AnyNewOomKillAndALostPassRegress) {
  auto c = compare_reports(report("passed", 1e6, 0, 2e5), report("failed", 1e6, 1, 2e5),
                           default_thresholds());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(figure(*c, "oom_kills").change, "+1");
  EXPECT_THAT(c->regressions, ElementsAre("verdict: passed -> failed",
                                          HasSubstr("oom_kills: 0 -> 1 (+1; limit +0)")));
}

Json variants_report(double med, double lo, double hi) {
  Json r = report("passed", 1e6, 0, 2e5);
  r["parts"]["variants"]["table"] = Json::array(
      {{{"variant", "expedite"}, {"rcu_freed_p50", {{"median", med}, {"min", lo}, {"max", hi}}}}});
  return r;
}

TEST(Compare, VariantsCompareMediansAndOverlappingRangesAreWithinSpread) {
  auto c = compare_reports(variants_report(100e6, 60e6, 120e6), variants_report(70e6, 50e6, 90e6),
                           default_thresholds());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s", "expedite").verdict, "within spread");
  EXPECT_TRUE(c->regressions.empty());
  c = compare_reports(variants_report(100e6, 95e6, 120e6), variants_report(70e6, 50e6, 90e6),
                      default_thresholds());
  EXPECT_EQ(figure(*c, "rcu_freed_bytes_per_s", "expedite").verdict, "regressed");
  EXPECT_THAT(c->regressions[0], HasSubstr("expedite: rcu_freed_bytes_per_s"));
}

TEST(Compare, RefusesWhatIsNotTwoReportsOfOneCampaign) {
  EXPECT_THAT(compare_reports(Json::object(), report("passed", 1, 0, 1), default_thresholds())
                  .error()
                  .message,
              HasSubstr("A: not a memtorture report"));
  Json other = report("passed", 1, 0, 1);
  other["campaign"] = "smoke";
  EXPECT_THAT(compare_reports(report("passed", 1, 0, 1), other, default_thresholds()).error().message,
              HasSubstr("A is campaign 'nightly-udp', B is 'smoke'"));
}

TEST(Compare, ThresholdsAreParsedWithTheirFigureNamed) {
  auto t = parse_threshold("gp_p99_us=+25%");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->first, "gp_p99_us");
  EXPECT_EQ(t->second.limit, 25);
  EXPECT_TRUE(t->second.relative);
  t = parse_threshold("oom_kills=+1");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->second.relative);
  EXPECT_THAT(parse_threshold("gp=1%").error().message, HasSubstr("no figure 'gp'"));
  EXPECT_THAT(parse_threshold("gp_p99_us=lots").error().message, HasSubstr("'lots' is not a threshold: a signed number"));
  EXPECT_THAT(parse_threshold("gp_p99_us").error().message, HasSubstr("FIGURE=LIMIT"));
}

}  // namespace
}  // namespace mt::client
