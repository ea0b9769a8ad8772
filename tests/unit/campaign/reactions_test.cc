// `reactions:` in campaign files: conditions as text and as any/all, every action's forms, the
// rules tied to the rest of the campaign, the host's refusals, and the round trip through
// to_yaml(). Every message is checked at its file:line:col.
#include "campaign/reactions.h"

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

// A campaign with a UDP flood "flood" and an anon workload "hog", then `reactions`.
Campaign with_reactions(const std::string& reactions) {
  Campaign c;
  c.workloads =
      "  - name: flood\n    type: flood\n    kind: udp_socket\n"
      "  - name: hog\n    type: anon\n    size: 1Mi\n";
  c.tail = "reactions:\n" + reactions;  // "reactions:" is line 12
  return c;
}

TEST(ConditionText, ReadsFigureOperatorAndValue) {
  auto c = parse_condition_text("rcu.pending_bytes > 8Mi");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kind, Condition::Kind::threshold);
  EXPECT_EQ(c->figure, "rcu.pending_bytes");
  EXPECT_EQ(c->op, Condition::Op::gt);
  EXPECT_EQ(c->value, 8.0 * Mi);
  c = parse_condition_text("usage_fraction>=0.9");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->op, Condition::Op::ge);
  EXPECT_EQ(c->value, 0.9);
  c = parse_condition_text(" headroom_bytes <= 4Mi ");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->op, Condition::Op::le);
  EXPECT_EQ(parse_condition_text("psi.some_avg10 < 5")->op, Condition::Op::lt);
  EXPECT_EQ(parse_condition_text("psi_trigger")->kind, Condition::Kind::psi_trigger);
}

TEST(ConditionText, SaysWhatIsWrong) {
  EXPECT_THAT(parse_condition_text("rcu.pending_bytes").error().message,
              HasSubstr("is not a condition"));
  EXPECT_THAT(parse_condition_text("Usage > 3").error().message,
              HasSubstr("'Usage' is not a figure name"));
  EXPECT_THAT(parse_condition_text("usage_bytes > lots").error().message,
              HasSubstr("'lots' is neither a number nor a size"));
  EXPECT_THAT(parse_condition_text("usage_bytes >").error().message, HasSubstr("has no value"));
}

// The OOM proximity level compares by its words; the ETA by number.
TEST(ConditionText, ProximityLevelsByWordOnlyOnTheProximityFigures) {
  auto c = parse_condition_text("oom.proximity >= critical");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->figure, "oom.proximity");
  EXPECT_EQ(c->op, Condition::Op::ge);
  EXPECT_EQ(c->value, 2.0);
  EXPECT_EQ(parse_condition_text("oom.system.proximity > ok")->value, 0.0);
  EXPECT_EQ(parse_condition_text("oom.proximity >= elevated")->value, 1.0);
  EXPECT_EQ(parse_condition_text("oom.proximity >= oom")->value, 3.0);
  EXPECT_EQ(parse_condition_text("oom.eta_s < 5")->value, 5.0);
  EXPECT_EQ(describe(*parse_condition_text("oom.proximity >= critical")),
            "oom.proximity >= critical")
      << "said back with the word";
  EXPECT_THAT(parse_condition_text("oom.eta_s < critical").error().message,
              HasSubstr("a level word (critical) compares only with oom.proximity or "
                        "oom.system.proximity, not oom.eta_s"));
  EXPECT_THAT(parse_condition_text("oom.proximity >= severe").error().message,
              HasSubstr("'severe' is neither a number nor a size"));
}

TEST(ParseReactions, ReadsEveryKeyAndActionForm) {
  const auto r = parse(with_reactions(R"(  - name: drain
    when: {any: ["rcu.pending_bytes > 8Mi", psi_trigger, {all: ["usage_fraction > 0.8", "psi.some_avg10 >= 10"]}]}
    for: 300ms
    clear: {when: "rcu.pending_bytes < 2Mi", for: 1s}
    actions:
      - log: draining
      - expedite: 2s
      - expedite
      - gp_kick
      - barrier
      - throttle: {workloads: [flood], rate: 1000}
      - throttle: {workloads: [flood], pause: true}
      - reclaim: 64Mi
    cooldown: 2s
    max_firings: 10
)").str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  ASSERT_EQ(r.spec->reactions.size(), 1u);
  const ReactionSpec& x = r.spec->reactions[0];
  EXPECT_EQ(x.name, "drain");
  EXPECT_EQ(x.pos, (SourcePos{13, 5}));
  EXPECT_EQ(describe(x.when),
            "any(rcu.pending_bytes > 8Mi, psi_trigger, all(usage_fraction > 0.8, "
            "psi.some_avg10 >= 10))");
  EXPECT_EQ(x.hold, 300ms);
  ASSERT_TRUE(x.clear);
  EXPECT_EQ(describe(*x.clear), "rcu.pending_bytes < 2Mi");
  EXPECT_EQ(x.clear_hold, 1s);
  using Kind = ReactionAction::Kind;
  ASSERT_EQ(x.actions.size(), 8u);
  EXPECT_EQ(x.actions[0].kind, Kind::log);
  EXPECT_EQ(x.actions[0].message, "draining");
  EXPECT_EQ(x.actions[1].kind, Kind::expedite);
  EXPECT_EQ(x.actions[1].hold, 2s);
  EXPECT_EQ(x.actions[2].hold, 0ms) << "until the reaction clears";
  EXPECT_EQ(x.actions[3].kind, Kind::gp_kick);
  EXPECT_EQ(x.actions[4].kind, Kind::barrier);
  EXPECT_EQ(x.actions[5].kind, Kind::throttle);
  EXPECT_THAT(x.actions[5].workloads, ElementsAre("flood"));
  EXPECT_EQ(x.actions[5].rate, 1000u);
  EXPECT_EQ(x.actions[6].rate, std::nullopt) << "paused";
  EXPECT_EQ(x.actions[7].kind, Kind::reclaim);
  EXPECT_EQ(x.actions[7].amount, 64 * Mi);
  EXPECT_EQ(x.cooldown, 2s);
  EXPECT_EQ(x.max_firings, 10u);

  // And back: to_yaml() writes what reads back equal.
  const auto again = parse(to_yaml(*r.spec));
  ASSERT_TRUE(again.ok()) << to_yaml(*r.spec) << ::testing::PrintToString(diagnostic_lines(again));
  EXPECT_EQ(without_positions(*again.spec), without_positions(*r.spec));
}

TEST(ParseReactions, DefaultsAreNoHoldNoClearConditionNoCooldownNoCap) {
  const auto r = parse(with_reactions("  - {name: r, when: \"usage_bytes > 1Mi\", actions: [log]}\n").str());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(diagnostic_lines(r));
  const ReactionSpec& x = r.spec->reactions[0];
  EXPECT_EQ(x.hold, 0ms);
  EXPECT_FALSE(x.clear);
  EXPECT_EQ(x.clear_hold, 0ms);
  EXPECT_EQ(x.cooldown, 0ms);
  EXPECT_FALSE(x.max_firings);
  EXPECT_EQ(x.actions[0].message, "");
}

TEST(ParseReactions, EveryMistakeAtItsPlace) {
  EXPECT_THAT(errors_of(with_reactions(R"(  - name: r
    when: "usage_bytes >> 3"
    actions: [log]
)").str()),
              ElementsAre("t.yaml:14:11: reactions[0].when: '> 3' is neither a number nor a size "
                          "(e.g. 8Mi)"));
  EXPECT_THAT(errors_of(with_reactions(R"(  - name: r
    when: {some: ["usage_bytes > 3"]}
    actions: [log]
)").str()),
              ElementsAre(HasSubstr("t.yaml:14:12: reactions[0].when.some: unknown key")));
  EXPECT_THAT(errors_of(with_reactions(R"(  - name: r
    when: "usage_bytes > 3"
    actions: [log, sleep, {reclaim: 1Ki}, {barrier: now}, {expedite: 0s}]
)").str()),
              ElementsAre(HasSubstr("t.yaml:15:20: reactions[0].actions[1]: unknown reaction "
                                    "action 'sleep'"),
                          "t.yaml:15:37: reactions[0].actions[2].reclaim: must be at least 4Ki, "
                          "got 1Ki",
                          "t.yaml:15:53: reactions[0].actions[3].barrier: barrier takes no "
                          "argument",
                          "t.yaml:15:70: reactions[0].actions[4].expedite: must be a duration "
                          "greater than 0 or until_clear, got 0s"));
  EXPECT_THAT(errors_of(with_reactions(R"(  - name: r
    when: "usage_bytes > 3"
    actions: [{throttle: {workloads: [flood], rate: 5, pause: true}}]
  - name: r
    when: "usage_bytes > 3"
    actions: [{throttle: {workloads: [flood]}}]
)").str()),
              ElementsAre("t.yaml:15:63: reactions[0].actions[0].throttle.pause: give either "
                          "'rate' (ops/s per thread) or 'pause: true', not both",
                          "t.yaml:16:11: reactions[1].name: duplicate reaction name 'r' (first "
                          "used at line 13)",
                          "t.yaml:18:26: reactions[1].actions[0].throttle: needs 'rate' (ops/s "
                          "per thread) or 'pause: true'"));
}

TEST(ParseReactions, RulesTieThemToTheCampaign) {
  EXPECT_THAT(errors_of(with_reactions(R"(  - name: r
    when: "usage_bytes > 3"
    actions: [{throttle: {workloads: [hog, nope], rate: 5}}, {expedite: 50ms}]
    cooldown: 20ms
)").str()),
              ElementsAre("t.yaml:15:15: reactions[0].actions[0]: throttle names 'hog', a workload "
                          "of type anon: only floods can be throttled",
                          "t.yaml:15:15: reactions[0].actions[0]: throttle names 'nope', which is "
                          "not a workload of this campaign",
                          "t.yaml:15:62: reactions[0].actions[1]: expedite for 50ms is shorter "
                          "than the sample interval (100ms)",
                          "t.yaml:16:15: reactions[0].cooldown: 20ms is shorter than the sample "
                          "interval (100ms): reactions are looked at once a sample"));
}

HostFeatures host(bool v2) {
  HostFeatures h;
  h.memory_v2 = v2;
  h.memory_root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
  h.per_cgroup_psi = true;
  h.metrics = {"usage_bytes", "usage_fraction", "rcu.pending_bytes"};
  h.knobs_present = {"rcu_expedited"};
  h.knobs_writable = {};
  h.rcu_barrier = false;
  return h;
}

TEST(CompileReactions, WhatTheHostCannotDoIsAnErrorAtTheAction) {
  const auto parsed = parse(with_reactions(R"(  - name: r
    when: {any: ["usage_fraction > 0.9", "rcu.pending_byte > 1Mi"]}
    actions: [expedite, barrier, {reclaim: 1Mi}, gp_kick, log]
)").str());
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(diagnostic_lines(parsed));
  const auto r = compile(parsed, host(false), "t.yaml");
  EXPECT_FALSE(r.plan);
  std::vector<std::string> lines;
  for (const auto& d : r.errors) lines.push_back(d.str());
  EXPECT_THAT(lines,
              ElementsAre("t.yaml:14:42: reactions[0]: no figure 'rcu.pending_byte' is measured "
                          "here (did you mean 'rcu.pending_bytes'?)",
                          "t.yaml:15:15: reactions[0].actions[0]: expedite needs "
                          "/sys/kernel/rcu_expedited, which is read-only on this kernel",
                          "t.yaml:15:25: reactions[0].actions[1]: barrier needs a writable "
                          "/sys/module/rcutree/parameters/do_rcu_barrier, which this kernel does "
                          "not offer",
                          "t.yaml:15:34: reactions[0].actions[2]: reclaim writes the cgroup v2 "
                          "memory.reclaim; this host's memory controller is on cgroup v1 "
                          "(/sys/fs/cgroup/memory), which has no such file"));
  HostFeatures able = host(true);
  able.knobs_writable = {"rcu_expedited"};
  able.rcu_barrier = true;
  able.metrics.push_back("rcu.pending_byte");
  EXPECT_TRUE(compile(parsed, able, "t.yaml").plan);
}

}  // namespace
}  // namespace mt::campaign
