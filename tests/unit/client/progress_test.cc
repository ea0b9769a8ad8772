// Progress: the live line folded from a scripted event stream, and which events are notable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client/render.h"
#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using testing::at;
using ::testing::HasSubstr;
using testing::Mi;
using ::testing::Not;
using testing::sample;
using testing::workload;

pb::CampaignEvent snapshot(double elapsed, double duration, pb::CampaignState state) {
  pb::CampaignEvent ev = at(elapsed);
  auto* c = ev.mutable_snapshot();
  c->set_id("smoke-1");
  c->set_name("smoke");
  c->set_state(state);
  c->set_elapsed_s(elapsed);
  c->set_duration_s(duration);
  return ev;
}

pb::CampaignEvent sample_event(double t, const pb::Sample& s) {
  pb::CampaignEvent ev = at(t);
  *ev.mutable_sample() = s;
  ev.mutable_sample()->set_t_s(t);
  return ev;
}

pb::CampaignEvent workloads_event(double t, std::initializer_list<pb::WorkloadStatus> ws) {
  pb::CampaignEvent ev = at(t);
  for (const auto& w : ws) *ev.mutable_workloads()->add_workloads() = w;
  return ev;
}

pb::CampaignEvent state_event(double t, pb::CampaignState s, const std::string& reason) {
  pb::CampaignEvent ev = at(t);
  ev.mutable_state()->set_state(s);
  ev.mutable_state()->set_reason(reason);
  return ev;
}

pb::CampaignEvent oom_event(double t, std::uint64_t total, const std::string& workload) {
  pb::CampaignEvent ev = at(t);
  ev.mutable_oom_kill()->set_total(total);
  ev.mutable_oom_kill()->set_workload(workload);
  return ev;
}

TEST(ProgressTest, BeforeAnyEventItIsPendingWithNoMemory) {
  Progress p;
  EXPECT_EQ(p.state(), pb::PENDING);
  EXPECT_EQ(p.line(), "[   0.0s/0.0s] pending");
  EXPECT_EQ(p.final_snapshot(), nullptr);
}

TEST(ProgressTest, ScriptedCampaign) {
  Progress p;
  p.apply(snapshot(0.0, 10.0, pb::RUNNING));
  EXPECT_EQ(p.state(), pb::RUNNING);
  EXPECT_EQ(p.line(), "[   0.0s/10.0s] running");

  // A sample with the cgroup's own PSI (and the system's too: the cgroup's is shown).
  pb::Sample s = sample(64 * Mi, 256 * Mi);
  s.set_kernel_bytes(20 * Mi);
  s.mutable_cgroup_psi()->set_some_avg10(1.2);
  s.mutable_cgroup_psi()->set_full_avg10(0.5);
  s.mutable_system_psi()->set_some_avg10(9.99);
  p.apply(sample_event(1.0, s));
  EXPECT_EQ(p.line(),
            "[   1.0s/10.0s] running  mem 64.0Mi/256.0Mi (25%)  kernel 20.0Mi  headroom 192.0Mi"
            "  psi some 1.20 full 0.50");

  // Only running floods count towards the rate: not anon workloads, not exited floods.
  p.apply(workloads_event(
      1.0,
      {workload("a", "flood", "running", 100'000), workload("b", "flood", "running", 110'300),
       workload("c", "flood", "exited", 999'999), workload("hog", "anon", "running", 5'000'000)}));
  EXPECT_THAT(p.line(), HasSubstr("  flood 210.3k ops/s"));

  // A sample with only the system's PSI says so.
  pb::Sample sys_only = sample(128 * Mi, 256 * Mi);
  sys_only.mutable_system_psi()->set_some_avg10(3.5);
  sys_only.mutable_system_psi()->set_full_avg10(1.25);
  p.apply(sample_event(2.5, sys_only));
  EXPECT_EQ(p.line(),
            "[   2.5s/10.0s] running  mem 128.0Mi/256.0Mi (50%)  kernel 0B  headroom 128.0Mi"
            "  psi some 3.50 full 1.25 (system)  flood 210.3k ops/s");

  // OOM kills: the event's total, then the sample's cumulative count.
  p.apply(oom_event(3.0, 1, "hog"));
  EXPECT_THAT(p.line(), HasSubstr("  OOM kills 1"));
  p.apply(sample_event(3.1, sample(10 * Mi, 256 * Mi, 2)));
  EXPECT_THAT(p.line(), HasSubstr("  OOM kills 2"));
  // No PSI at all in that sample: no psi part.
  EXPECT_THAT(p.line(), Not(HasSubstr("psi")));

  // The floods stopped: the rate drops to what is still running.
  p.apply(workloads_event(
      3.2, {workload("a", "flood", "exited", 100'000), workload("b", "flood", "killed", 110'300)}));
  EXPECT_THAT(p.line(), HasSubstr("  flood 0 ops/s"));

  p.apply(state_event(10.0, pb::FAILED, "criteria failed"));
  EXPECT_EQ(p.state(), pb::FAILED);
  EXPECT_EQ(p.line(),
            "[  10.0s/10.0s] failed   mem 10.0Mi/256.0Mi (4%)  kernel 0B  headroom 246.0Mi"
            "  flood 0 ops/s  OOM kills 2");
}

TEST(ProgressTest, FailcntIsShownOnlyWhenTheLimitWasHit) {
  Progress p;
  pb::Sample s = sample(250 * Mi, 256 * Mi);
  p.apply(sample_event(1.0, s));
  EXPECT_THAT(p.line(), Not(HasSubstr("failcnt")));
  s.set_failcnt(17);
  p.apply(sample_event(1.1, s));
  EXPECT_THAT(p.line(), HasSubstr("  headroom 6.0Mi  failcnt 17"));
}

TEST(ProgressTest, NoFloodPartWithoutAFloodWorkload) {
  Progress p;
  pb::CampaignEvent ev = snapshot(0.0, 10.0, pb::RUNNING);
  *ev.mutable_snapshot()->add_workloads() = workload("hog", "anon", "running", 1000);
  p.apply(ev);
  p.apply(sample_event(1.0, sample(1 * Mi, 64 * Mi)));
  p.apply(workloads_event(1.0, {workload("hog", "anon", "running", 2000)}));
  EXPECT_THAT(p.line(), Not(HasSubstr("flood")));
  // A flood in the campaign shows its rate, 0 included.
  p.apply(workloads_event(
      1.1, {workload("hog", "anon", "running", 2000), workload("f", "flood", "waiting", 0)}));
  EXPECT_THAT(p.line(), HasSubstr("  flood 0 ops/s"));
}

TEST(ProgressTest, TheFloodRateKeepsOneSpellingAcrossTheThousandBoundary) {
  Progress p;
  p.apply(workloads_event(1.0, {workload("f", "flood", "running", 999.7)}));
  EXPECT_THAT(p.line(), HasSubstr("flood 1.0k ops/s"));
  p.apply(workloads_event(1.1, {workload("f", "flood", "running", 1000.2)}));
  EXPECT_THAT(p.line(), HasSubstr("flood 1.0k ops/s"));
}

TEST(ProgressTest, TimeNeverRunsBackwardsOnLateEvents) {
  Progress p;
  p.apply(snapshot(0.0, 5.0, pb::RUNNING));
  p.apply(sample_event(2.0, sample(1 * Mi, 64 * Mi)));
  p.apply(oom_event(1.5, 1, ""));  // out of order
  EXPECT_THAT(p.line(), ::testing::StartsWith("[   2.0s/5.0s]"));
}

TEST(ProgressTest, ASnapshotSetsStateDurationElapsedAndTheLatestSample) {
  Progress p;
  pb::CampaignEvent ev = snapshot(4.0, 8.0, pb::RUNNING);
  *ev.mutable_snapshot()->mutable_latest() = sample(32 * Mi, 64 * Mi);
  p.apply(ev);
  EXPECT_EQ(p.line(),
            "[   4.0s/8.0s] running  mem 32.0Mi/64.0Mi (50%)  kernel 0B  headroom 32.0Mi");
}

TEST(ProgressTest, ASnapshotsLatestSampleAlsoGivesTheOomKillCount) {
  Progress p;
  pb::CampaignEvent ev = snapshot(6.0, 10.0, pb::FAILED);
  *ev.mutable_snapshot()->mutable_latest() = sample(20 * Mi, 48 * Mi, 2);
  p.apply(ev);
  EXPECT_THAT(p.line(), HasSubstr("  OOM kills 2"));
}

TEST(ProgressTest, AZeroLimitDoesNotDivideByZeroAndShowsNoHeadroom) {
  Progress p;
  p.apply(sample_event(0.1, sample(1 * Mi, 0)));
  EXPECT_THAT(p.line(), HasSubstr("mem 1.0Mi/0B (0%)"));
  EXPECT_THAT(p.line(), Not(HasSubstr("headroom")));
}

TEST(ProgressTest, LogsCriteriaAndTriggersDoNotChangeTheLine) {
  Progress p;
  p.apply(snapshot(1.0, 5.0, pb::RUNNING));
  const std::string before = p.line();
  pb::CampaignEvent log = at(1.0);
  log.set_log("workload hog ended: exit 0");
  p.apply(log);
  pb::CampaignEvent crit = at(1.0);
  *crit.mutable_criterion() = testing::criterion("max_oom_kills", false, "worst 1 > limit 0");
  p.apply(crit);
  EXPECT_EQ(p.line(), before);
}

// The daemon sends a criterion live when it first fails and again with the final results.
TEST(ProgressTest, AFailedCriterionIsReportedOnceLive) {
  Progress p;
  pb::CampaignEvent live = at(3.0);
  *live.mutable_criterion() = testing::criterion("max_oom_kills", false, "worst 1 > limit 0");
  EXPECT_EQ(p.apply(live), "   3.0s  criterion max_oom_kills failed: worst 1 > limit 0");
  pb::CampaignEvent final_result = at(10.0);
  *final_result.mutable_criterion() =
      testing::criterion("max_oom_kills", false, "worst 2 > limit 0");
  EXPECT_EQ(p.apply(final_result), "");
  // Another criterion failing only at the end is still shown (once).
  pb::CampaignEvent other = at(10.0);
  *other.mutable_criterion() = testing::criterion("min_headroom", false, "lowest 1.0Mi < 8.0Mi");
  EXPECT_THAT(p.apply(other), HasSubstr("criterion min_headroom failed"));
  EXPECT_EQ(p.apply(other), "");
}

TEST(ProgressTest, ApplyReturnsTheNotableLineOfEveryOtherEvent) {
  Progress p;
  EXPECT_EQ(p.apply(oom_event(4.25, 1, "hog")), "   4.2s  OOM kill #1 of workload hog");
  EXPECT_EQ(p.apply(oom_event(5.0, 2, "hog")), "   5.0s  OOM kill #2 of workload hog");
  EXPECT_EQ(p.apply(sample_event(5.1, sample(1 * Mi, 2 * Mi))), "");
}

TEST(ProgressTest, KeepsTheFinalSnapshot) {
  Progress p;
  p.apply(snapshot(0.0, 10.0, pb::RUNNING));
  EXPECT_EQ(p.final_snapshot(), nullptr);  // a running campaign's snapshot is not final
  pb::CampaignEvent last = snapshot(10.0, 10.0, pb::PASSED);
  last.mutable_snapshot()->set_reason("duration reached");
  p.apply(last);
  ASSERT_NE(p.final_snapshot(), nullptr);
  EXPECT_EQ(p.final_snapshot()->state(), pb::PASSED);
  EXPECT_EQ(p.final_snapshot()->reason(), "duration reached");
  for (auto state : {pb::FAILED, pb::ABORTED, pb::ERROR}) {
    Progress q;
    q.apply(snapshot(1.0, 10.0, state));
    ASSERT_NE(q.final_snapshot(), nullptr) << state_name(state);
  }
}

// ---- notable -----------------------------------------------------------------------------

TEST(NotableTest, OomKillWithAndWithoutTheWorkload) {
  EXPECT_EQ(Progress::notable(oom_event(4.25, 1, "hog")), "   4.2s  OOM kill #1 of workload hog");
  EXPECT_EQ(Progress::notable(oom_event(12.0, 3, "")), "  12.0s  OOM kill #3");
}

TEST(NotableTest, PsiTrigger) {
  pb::CampaignEvent ev = at(2.0);
  ev.mutable_psi_trigger()->set_kind("some");
  ev.mutable_psi_trigger()->set_stall_us(150'000);
  ev.mutable_psi_trigger()->set_window_us(2'000'000);
  EXPECT_EQ(Progress::notable(ev), "   2.0s  PSI trigger: some stall over 150 ms in 2 s");
}

TEST(NotableTest, OnlyFailedCriteria) {
  pb::CampaignEvent failed = at(3.5);
  *failed.mutable_criterion() =
      testing::criterion("min_headroom", false, "lowest 1.0Mi < limit 16.0Mi");
  EXPECT_EQ(Progress::notable(failed),
            "   3.5s  criterion min_headroom failed: lowest 1.0Mi < limit 16.0Mi");
  pb::CampaignEvent passed = at(10.0);
  *passed.mutable_criterion() = testing::criterion("max_oom_kills", true, "worst 0 <= limit 0");
  EXPECT_EQ(Progress::notable(passed), "");
}

TEST(NotableTest, LogLines) {
  pb::CampaignEvent ev = at(0.5);
  ev.set_log("PSI trigger not armed: this host has no per-cgroup PSI");
  EXPECT_EQ(Progress::notable(ev),
            "   0.5s  PSI trigger not armed: this host has no per-cgroup PSI");
}

TEST(NotableTest, RoutineEventsAreNotNotable) {
  EXPECT_EQ(Progress::notable(sample_event(1.0, sample(1 * Mi, 2 * Mi, 5))), "");
  EXPECT_EQ(Progress::notable(workloads_event(1.0, {workload("a", "flood", "running", 1)})), "");
  EXPECT_EQ(Progress::notable(snapshot(1.0, 2.0, pb::RUNNING)), "");
  EXPECT_EQ(Progress::notable(state_event(1.0, pb::PASSED, "ok")), "");
  EXPECT_EQ(Progress::notable(at(1.0)), "");  // no event set at all
}

TEST(ProgressTest, LabelledMetricsShowInTheirUnitsAtTheirLatestValue) {
  Progress p;
  pb::CampaignEvent snap = testing::at(0);
  auto* c = snap.mutable_snapshot();
  c->set_state(pb::RUNNING);
  c->set_duration_s(10);
  auto declare = [c](std::string name, std::string unit, std::string label) {
    auto* def = c->add_metrics();
    def->set_name(std::move(name));
    def->set_unit(std::move(unit));
    def->set_label(std::move(label));
  };
  declare("rcu.pending_bytes", "bytes", "rcu waiting");
  declare("rcu.freed_bytes_per_s", "bytes/s", "rcu");
  declare("rcu.freed_objects_per_s", "1/s", "");  // no label: report and JSON only
  p.apply(snap);
  pb::CampaignEvent ev = testing::at(1);
  *ev.mutable_sample() = testing::sample(10 * testing::Mi, 256 * testing::Mi);
  (*ev.mutable_sample()->mutable_metrics())["rcu.pending_bytes"] = 6.8 * testing::Mi;
  (*ev.mutable_sample()->mutable_metrics())["rcu.freed_bytes_per_s"] = 230 * testing::Mi;
  (*ev.mutable_sample()->mutable_metrics())["rcu.freed_objects_per_s"] = 1500;
  (*ev.mutable_sample()->mutable_metrics())["undeclared"] = 7;  // no unit known: not shown
  p.apply(ev);
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  rcu waiting 6.8Mi  rcu 230.0Mi/s"));
  EXPECT_THAT(p.line(), ::testing::Not(::testing::HasSubstr("undeclared")));
  EXPECT_THAT(p.line(), ::testing::Not(::testing::HasSubstr("objects")));

  // The walk behind rcu waiting runs less often than samples are taken: the next sample without
  // it keeps the latest value, and the rate moves on.
  pb::CampaignEvent next = testing::at(1.1);
  *next.mutable_sample() = testing::sample(10 * testing::Mi, 256 * testing::Mi);
  (*next.mutable_sample()->mutable_metrics())["rcu.freed_bytes_per_s"] = 100 * testing::Mi;
  p.apply(next);
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  rcu waiting 6.8Mi  rcu 100.0Mi/s"));
}

// The OOM part of the live line comes from the current sample only: an ETA that is gone (memory
// stopped growing) is not shown from an older sample.
TEST(ProgressTest, TheOomLevelAndEtaAreTheCurrentSamples) {
  Progress p;
  pb::CampaignEvent snap = testing::at(0);
  snap.mutable_snapshot()->set_state(pb::RUNNING);
  p.apply(snap);
  auto sample_with = [](double t, std::map<std::string, double> figures) {
    pb::CampaignEvent ev = testing::at(t);
    *ev.mutable_sample() = testing::sample(10 * testing::Mi, 256 * testing::Mi);
    for (const auto& [k, v] : figures) (*ev.mutable_sample()->mutable_metrics())[k] = v;
    return ev;
  };
  p.apply(sample_with(1, {{"oom.proximity", 0}}));
  EXPECT_THAT(p.line(), ::testing::Not(::testing::HasSubstr("  oom")));
  p.apply(sample_with(2, {{"oom.proximity", 0}, {"oom.eta_s", 42.4}}));
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  oom in ~42s"));
  p.apply(sample_with(3, {{"oom.proximity", 2}, {"oom.eta_s", 3.21}}));
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  oom critical in ~3.2s"));
  p.apply(sample_with(4, {{"oom.proximity", 1}}));
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  oom elevated"));
  EXPECT_THAT(p.line(), ::testing::Not(::testing::HasSubstr(" in ~")));
  p.apply(sample_with(5, {{"oom.proximity", 3}, {"oom.eta_s", 1}}));
  EXPECT_THAT(p.line(), ::testing::HasSubstr("  oom reached"));
  EXPECT_THAT(p.line(), ::testing::Not(::testing::HasSubstr(" in ~")));
}

TEST(OomLookText, SaysTheLevelWhyWhenAndWhatItCounted) {
  pb::OomProximity l;
  l.set_of("cgroup /sys/fs/cgroup/memory/memtorture/c");
  l.set_level("critical");
  l.set_score(0.93);
  l.set_reason("headroom 4% (5.0Mi) and falling 16.0Mi/s; oom in ~0.3 s");
  l.set_has_eta(true);
  l.set_eta_s(0.31);
  l.set_eta_low_s(0.29);
  l.set_eta_high_s(0.35);
  l.set_growth_bytes_per_s(16 * testing::Mi);
  l.set_usage_bytes(124 * testing::Mi);
  l.set_limit_bytes(128 * testing::Mi);
  l.set_rcu_waiting_bytes(1 * testing::Mi);
  l.set_has_psi(true);
  l.set_psi_some_avg10(1.5);
  l.set_failcnt(12);
  const std::string t = oom_look_text(l);
  EXPECT_THAT(t, ::testing::HasSubstr("cgroup /sys/fs/cgroup/memory/memtorture/c: critical (score 0.93)"));
  EXPECT_THAT(t, ::testing::HasSubstr("time to OOM    ~0.3s (0.3s..0.3s), unreclaimable memory growing 16.0Mi/s"));
  EXPECT_THAT(t, ::testing::HasSubstr("124.0Mi of 128.0Mi"));
  EXPECT_THAT(t, ::testing::HasSubstr("waiting in RCU 1.0Mi"));
  EXPECT_THAT(t, ::testing::HasSubstr("PSI some 1.50% full 0.00%"));
  EXPECT_THAT(t, ::testing::HasSubstr("limit hits 12"));
  EXPECT_THAT(t, ::testing::Not(::testing::HasSubstr("reclaim scan")));
  l.set_has_eta(false);
  l.set_has_psi(false);
  EXPECT_THAT(oom_look_text(l), ::testing::HasSubstr("time to OOM    none: unreclaimable memory is not growing"));
  EXPECT_THAT(oom_look_text(l), ::testing::HasSubstr("no PSI"));
}

}  // namespace
}  // namespace mt::client
