// `regression:`: thresholds for memtorturectl compare, read with their errors at file:line:col
// and written back by the normalized file.
#include "campaign/regression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Campaign with_regression(const std::string& lines) {
  Campaign c;
  c.tail = "regression:\n" + lines;
  return c;
}

TEST(Regression, ThresholdsAreReadByFigure) {
  const auto r = parse(with_regression("  rcu_freed_bytes_per_s: -20%\n  gp_p99_us: +50%\n"
                                       "  oom_kills: +0\n")
                           .str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  EXPECT_EQ(r.spec->regression.at("rcu_freed_bytes_per_s"), (Threshold{-20, true}));
  EXPECT_EQ(r.spec->regression.at("gp_p99_us"), (Threshold{50, true}));
  EXPECT_EQ(r.spec->regression.at("oom_kills"), (Threshold{0, false}));
  EXPECT_EQ(r.spec->regression.size(), 3u);
}

TEST(Regression, TheyRoundTripThroughTheNormalizedFile) {
  const auto r = parse(with_regression("  gp_p99_us: +25.5%\n  oom_kills: +1\n").str());
  ASSERT_TRUE(r.ok());
  const std::string text = to_yaml(*r.spec);
  EXPECT_THAT(text, HasSubstr("regression:\n  oom_kills: +1\n  gp_p99_us: +25.5%"));
  const auto again = parse(text);
  ASSERT_TRUE(again.ok()) << text;
  EXPECT_EQ(again.spec->regression, r.spec->regression);
}

TEST(Regression, BadFiguresAndThresholdsAreErrorsAtTheirPlace) {
  EXPECT_THAT(errors_of(with_regression("  gp_p99_uss: +50%\n").str()),
              ElementsAre(HasSubstr("t.yaml:10:3: regression.gp_p99_uss: unknown key; did you mean "
                                    "'gp_p99_us'?")));
  EXPECT_THAT(errors_of(with_regression("  gp_p99_us: 50%\n").str()),
              ElementsAre(HasSubstr("t.yaml:10:14: regression.gp_p99_us: '50%' is not a threshold: "
                                    "a signed number")));
  EXPECT_THAT(errors_of(with_regression("  gp_p99_us: lots\n").str()),
              ElementsAre(HasSubstr("'lots' is not a threshold")));
  EXPECT_THAT(errors_of(with_regression("  gp_p99_us: [1]\n").str()),
              ElementsAre(HasSubstr("regression.gp_p99_us: expected a threshold such as -20% or "
                                    "+0, got a list")));
  EXPECT_THAT(errors_of("campaign: c\nduration: 1s\nregression: 5\ncgroup:\n  memory_limit: 8Mi\n"
                        "workloads:\n  - name: w\n    type: flood\n    kind: dentry\n"),
              ElementsAre(HasSubstr("t.yaml:3:13: regression: expected a map of figures to "
                                    "thresholds")));
}

TEST(Regression, EveryFigureHasADefault) {
  for (const auto& f : regression_figures()) {
    EXPECT_EQ(find_regression_figure(f.key), &f);
    std::string why;
    const auto t = parse_threshold_value(threshold_text(f.fallback), &why);
    ASSERT_TRUE(t) << f.key << ": " << why;
    EXPECT_EQ(*t, f.fallback);
  }
  EXPECT_EQ(find_regression_figure("gp"), nullptr);
}

}  // namespace
}  // namespace mt::campaign
