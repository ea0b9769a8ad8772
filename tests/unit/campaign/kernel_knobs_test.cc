// `kernel:`: RCU knobs a campaign sets for its run. The parser checks names and ranges
// (rcu/knobs.h); compile() checks that this kernel has each knob and lets it be written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/compile.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string with_kernel(const std::string& lines) {
  Campaign c;
  c.tail = "kernel:\n" + lines;
  return c.str();
}

HostFeatures host_with(std::vector<std::string> present, std::vector<std::string> writable) {
  HostFeatures h;
  h.memory_v2 = true;
  h.cpus = 2;
  h.knobs_present = std::move(present);
  h.knobs_writable = std::move(writable);
  return h;
}

TEST(KernelKnobs, AreReadInFileOrderBooleansAsZeroOrOne) {
  const auto r = parse(with_kernel("  rcu_expedited: true\n  jiffies_till_first_fqs: 3\n"
                                   "  rcu_normal: 0\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  EXPECT_THAT(r.spec->kernel,
              ElementsAre(KnobSetting{"rcu_expedited", 1}, KnobSetting{"jiffies_till_first_fqs", 3},
                          KnobSetting{"rcu_normal", 0}));
  const auto again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec);
  EXPECT_EQ(again.spec->kernel, r.spec->kernel);
}

TEST(KernelKnobs, UnknownNamesAndOutOfRangeValuesAreErrorsAtTheirPlace) {
  EXPECT_THAT(errors_of(with_kernel("  rcu_expedite: 1\n")),
              ElementsAre(HasSubstr("t.yaml:10:3: kernel.rcu_expedite: unknown key; did you mean "
                                    "'rcu_expedited'?")));
  EXPECT_THAT(errors_of(with_kernel("  rcu_expedited: 2\n")),
              ElementsAre(HasSubstr("t.yaml:10:18: kernel.rcu_expedited:")));
  EXPECT_THAT(errors_of(with_kernel("  jiffies_till_first_fqs: fast\n")),
              ElementsAre(HasSubstr("kernel.jiffies_till_first_fqs:")));
  EXPECT_THAT(errors_of(with_kernel("  blimit: 10\n")),  // boot-time only: not in the list
              ElementsAre(HasSubstr("kernel.blimit: unknown key")));
  Campaign c;
  c.tail = "kernel: 5\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre(HasSubstr("kernel: expected a map of RCU knobs to values")));
}

TEST(KernelKnobs, CompileRefusesAnAbsentOrReadOnlyKnobAtItsValue) {
  const auto parsed = parse(with_kernel("  rcu_expedited: 1\n  rcu_normal_wake_from_gp: 1\n"));
  ASSERT_TRUE(parsed.ok());
  const auto r = compile(parsed, host_with({"rcu_expedited"}, {}), "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_THAT(r.errors[0].str(),
              HasSubstr("t.yaml:10:18: kernel.rcu_expedited: /sys/kernel/rcu_expedited is "
                        "read-only on this kernel"));
  EXPECT_THAT(r.errors[1].str(), HasSubstr("kernel.rcu_normal_wake_from_gp: this kernel has no "));
  EXPECT_TRUE(compile(parsed,
                      host_with({"rcu_expedited", "rcu_normal_wake_from_gp"},
                                {"rcu_expedited", "rcu_normal_wake_from_gp"}),
                      "t.yaml")
                  .plan);
}

}  // namespace
}  // namespace mt::campaign

namespace mt::campaign {
namespace {

TEST(GpProbeInterval, DefaultsToOneSecondTakesOffAndIsBounded) {
  Campaign c;
  auto r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.spec->gp_probe_interval, std::chrono::milliseconds(1000));

  c.top = "gp_probe_interval: off\n";
  r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.spec->gp_probe_interval.count(), 0);
  const auto again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec);
  EXPECT_EQ(again.spec->gp_probe_interval.count(), 0);

  c.top = "gp_probe_interval: 250ms\n";
  r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.spec->gp_probe_interval, std::chrono::milliseconds(250));

  c.top = "gp_probe_interval: 10ms\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre(HasSubstr("t.yaml:3:20: gp_probe_interval: must be 'off' or between "
                                    "100ms and 1m")));
}

TEST(Ledger, DefaultsOnTakesOffAMapAndBoundsItsIntervals) {
  Campaign c;
  auto r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.spec->ledger, LedgerSpec{});
  EXPECT_TRUE(r.spec->ledger.enabled);

  c.top = "ledger: off\n";
  r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.spec->ledger.enabled);
  auto again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec);
  EXPECT_EQ(again.spec->ledger, r.spec->ledger);

  c.top = "ledger: {freed: false, walk_interval: 250ms, backlog_interval: 5s, pause_floods: false}\n";
  r = parse(c.str());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.spec->ledger.freed);
  EXPECT_EQ(r.spec->ledger.walk_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(r.spec->ledger.backlog_interval, std::chrono::milliseconds(5000));
  EXPECT_FALSE(r.spec->ledger.pause_floods);
  again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec);
  EXPECT_EQ(again.spec->ledger, r.spec->ledger);

  c.top = "ledger: {walk_interval: 50ms, backlog_interval: 500ms, walk: 1s}\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre(HasSubstr("t.yaml:3:25: ledger.walk_interval: must be 'off' or between "
                                    "100ms and 10s, got 50ms"),
                          HasSubstr("t.yaml:3:49: ledger.backlog_interval: must be 'off' or "
                                    "between 1s and 10m, got 500ms"),
                          HasSubstr("t.yaml:3:56: ledger.walk: unknown key (expected enabled, "
                                    "freed, walk_interval, backlog_interval or pause_floods)")));
  c.top = "ledger: yes\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre(HasSubstr("t.yaml:3:9: ledger: expected 'off' or a map")));
}

}  // namespace
}  // namespace mt::campaign
