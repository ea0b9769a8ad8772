// `criteria.max`/`criteria.min`: bounds on named figures. The parser reads the spelling and the
// limit; compile() checks the names against what the host's daemon measures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/compile.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Campaign with_criteria(const std::string& lines) {
  Campaign c;
  c.tail = "criteria:\n" + lines;
  return c;
}

HostFeatures host_measuring(std::vector<std::string> metrics) {
  HostFeatures h;
  h.memory_v2 = true;
  h.per_cgroup_psi = true;
  h.cpus = 2;
  h.metrics = std::move(metrics);
  return h;
}

TEST(MetricCriteria, BoundsAreReadInFileOrderWithNumbersOrSizes) {
  const auto r = parse(with_criteria("  max_oom_kills: 0\n"
                                     "  max:\n"
                                     "    rcu.gp_latency_us: 50000\n"
                                     "    usage_bytes: 48Mi\n"
                                     "  min:\n"
                                     "    headroom_bytes: 2.5\n")
                           .str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  const Criteria& c = r.spec->criteria;
  EXPECT_EQ(c.max_oom_kills, 0u);
  EXPECT_THAT(c.max, ElementsAre(MetricBound{"rcu.gp_latency_us", 50000},
                                 MetricBound{"usage_bytes", 48.0 * Mi}));
  EXPECT_THAT(c.min, ElementsAre(MetricBound{"headroom_bytes", 2.5}));
}

TEST(MetricCriteria, TheyRoundTripThroughTheNormalizedFile) {
  const auto r = parse(
      with_criteria("  max:\n    rcu.gp_latency_us: 1e+06\n    usage_bytes: 48Mi\n"
                    "  min:\n    headroom_bytes: 0.25\n")
          .str());
  ASSERT_TRUE(r.ok());
  const auto again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec);
  EXPECT_EQ(without_positions(*again.spec), without_positions(*r.spec)) << to_yaml(*r.spec);
}

TEST(MetricCriteria, BadNamesAndLimitsAreErrorsAtTheirValue) {
  EXPECT_THAT(errors_of(with_criteria("  max:\n    Usage: 1\n").str()),
              ElementsAre(HasSubstr("t.yaml:11:12: criteria.max.Usage: 'Usage' is not a figure "
                                    "name")));
  EXPECT_THAT(errors_of(with_criteria("  max:\n    usage_bytes: lots\n").str()),
              ElementsAre(HasSubstr("t.yaml:11:18: criteria.max.usage_bytes: expected a number "
                                    "or a size (e.g. 8Mi), got 'lots'")));
  EXPECT_THAT(errors_of(with_criteria("  min: 5\n").str()),
              ElementsAre(HasSubstr("criteria.min: expected a map of figure names to limits")));
  EXPECT_THAT(errors_of(with_criteria("  max:\n    usage_bytes: 1\n    usage_bytes: 2\n").str()),
              ElementsAre(HasSubstr("usage_bytes")));
}

TEST(MetricCriteria, CompileRefusesAFigureTheHostDoesNotMeasureWithADidYouMean) {
  const auto parsed = parse(with_criteria("  max:\n    rcu.gp_latncy_us: 100\n").str());
  ASSERT_TRUE(parsed.ok());
  const auto r = compile(parsed, host_measuring({"usage_bytes", "rcu.gp_latency_us"}), "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "t.yaml:11:23: criteria.max.rcu.gp_latncy_us: no figure 'rcu.gp_latncy_us' is "
            "measured here (did you mean 'rcu.gp_latency_us'?)");

  const auto far = compile(parse(with_criteria("  min:\n    zzz: 1\n").str()),
                           host_measuring({"usage_bytes", "oom_kills"}), "t.yaml");
  ASSERT_EQ(far.errors.size(), 1u);
  EXPECT_THAT(far.errors[0].str(), HasSubstr("(figures: usage_bytes, oom_kills)"));

  EXPECT_TRUE(compile(parsed, host_measuring({"rcu.gp_latncy_us"}), "t.yaml").plan);
}

}  // namespace
}  // namespace mt::campaign
