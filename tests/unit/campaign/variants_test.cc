// `variants:`: reading, the overrides merged over the campaign (apply_variant), the rules, the
// round trip through to_yaml().
#include "campaign/variants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/compile.h"
#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A UDP flood "flood" (rate 5000) and an anon "hog", kernel rcu_normal 0, one reaction; then
// `variants:` at line 16.
Campaign with_variants(const std::string& variants) {
  Campaign c;
  c.workloads =
      "  - name: flood\n    type: flood\n    kind: udp_socket\n    rate: 5000\n"
      "  - name: hog\n    type: anon\n    size: 1Mi\n";
  c.tail =
      "kernel: {rcu_normal: 0}\n"
      "reactions:\n"
      "  - {name: base, when: \"usage_bytes > 1Mi\", actions: [log]}\n"
      "variants:\n" +
      variants;
  return c;
}

TEST(Variants, ReadMergedAndWrittenBack) {
  const auto r = parse(with_variants(R"(  - name: none
    reactions: off
  - name: expedited
    kernel: {rcu_expedited: 1, rcu_normal: 1}
    repeat: 3
  - name: slow
    workloads: {flood: {rate: 100, threads: 2}}
    memory_limit: 128Mi
    expect: fail
    reactions:
      - {name: x, when: "usage_fraction > 0.5", actions: [{throttle: {workloads: [flood], pause: true}}]}
)").str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  const CampaignSpec& s = *r.spec;
  ASSERT_EQ(s.variants.size(), 3u);
  EXPECT_EQ(planned_runs(s), 5);

  const CampaignSpec none = apply_variant(s, s.variants[0]);
  EXPECT_TRUE(none.reactions.empty());
  EXPECT_TRUE(none.variants.empty());
  EXPECT_EQ(none.kernel, s.kernel);

  const CampaignSpec expedited = apply_variant(s, s.variants[1]);
  EXPECT_EQ(expedited.reactions, s.reactions) << "kept when not overridden";
  ASSERT_EQ(expedited.kernel.size(), 2u);
  EXPECT_EQ(expedited.kernel[0], (KnobSetting{"rcu_normal", 1})) << "replaced in place";
  EXPECT_EQ(expedited.kernel[1], (KnobSetting{"rcu_expedited", 1})) << "added";

  const CampaignSpec slow = apply_variant(s, s.variants[2]);
  EXPECT_TRUE(s.variants[2].expect_fail);
  EXPECT_EQ(slow.workloads[0].flood()->rate, 100u);
  EXPECT_EQ(slow.workloads[0].flood()->threads, 2);
  EXPECT_EQ(slow.cgroup.memory_limit, 128 * Mi);
  ASSERT_EQ(slow.reactions.size(), 1u);
  EXPECT_EQ(slow.reactions[0].name, "x");
  EXPECT_EQ(s.workloads[0].flood()->rate, 5000u) << "the campaign itself is untouched";

  const auto again = parse(to_yaml(s));
  ASSERT_TRUE(again.ok()) << to_yaml(s) << ::testing::PrintToString(diagnostic_lines(again));
  EXPECT_EQ(without_positions(*again.spec), without_positions(s));
}

TEST(Variants, AFloodRateCanGoBackToUnlimited) {
  const auto r = parse(with_variants("  - {name: a}\n  - {name: b, workloads: {flood: {rate: unlimited}}}\n").str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  EXPECT_EQ(apply_variant(*r.spec, r.spec->variants[1]).workloads[0].flood()->rate, std::nullopt);
  EXPECT_EQ(apply_variant(*r.spec, r.spec->variants[0]).workloads[0].flood()->rate, 5000u);
}

TEST(Variants, MistakesAtTheirPlace) {
  EXPECT_THAT(errors_of(with_variants("  - {name: only}\n").str()),
              ElementsAre("t.yaml:17:3: variants: lists 1 variant: at least two are needed (one "
                          "to compare with)"));
  EXPECT_THAT(errors_of(with_variants(R"(  - name: a
    workloads: {hog: {threads: 2}, nope: {rate: 5}}
  - name: a
    repeat: 0
    reactions:
      - {name: t, when: "usage_bytes > 1", actions: [{throttle: {workloads: [hog], rate: 1}}]}
)").str()),
              ElementsAre("t.yaml:18:22: variants[0].workloads.hog: 'hog' is a workload of type "
                          "anon: a variant overrides floods only (threads, rate)",
                          "t.yaml:18:42: variants[0].workloads.nope: 'nope' is not a workload of "
                          "this campaign",
                          "t.yaml:19:11: variants[1].name: duplicate variant name 'a' (first used "
                          "at line 17)",
                          "t.yaml:20:13: variants[1].repeat: must be between 1 and 20, got 0",
                          "t.yaml:22:54: variants[1].reactions[0].actions[0]: throttle names "
                          "'hog', a workload of type anon: only floods can be throttled"));
  Campaign long_runs = with_variants("  - {name: a, repeat: 20}\n  - {name: b, repeat: 20}\n");
  long_runs.duration = "2m";
  EXPECT_THAT(errors_of(long_runs.str()),
              ElementsAre(HasSubstr("variants: 40 runs of 2m take 80m, more than 1h")));
}

TEST(Variants, TheHostChecksAVariantsKnobsAndReactions) {
  const auto parsed = parse(with_variants(
      "  - {name: a}\n  - {name: b, kernel: {rcu_expedited: 1}, reactions: [{name: r, when: "
      "\"usage_bytes > 1\", actions: [barrier]}]}\n").str());
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(diagnostic_lines(parsed));
  HostFeatures h;
  h.metrics = {"usage_bytes"};
  h.knobs_present = {"rcu_normal", "rcu_expedited"};
  h.knobs_writable = {"rcu_normal"};
  const auto r = compile(parsed, h, "t.yaml");
  std::vector<std::string> lines;
  for (const auto& d : r.errors) lines.push_back(d.str());
  EXPECT_THAT(lines, ElementsAre(HasSubstr("variants[1].kernel.rcu_expedited: "
                                           "/sys/kernel/rcu_expedited is read-only"),
                                 HasSubstr("variants[1].reactions[0].actions[0]: barrier needs")));
}

}  // namespace
}  // namespace mt::campaign
