// decide(): the verdict rule of configs/README.md ("The verdict"), case by case.
#include "daemon/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CriterionResult passing(const std::string& name) {
  return {name, 0, 0, true, "fine"};
}

WorkloadOutcome ran_to_the_end(const std::string& name) {
  return {name, "exited", false, false, 10.0, "exit 0"};
}

WorkloadOutcome oom_killed(const std::string& name, double at_s) {
  return {name, "killed", true, true, at_s, "killed by SIGKILL (OOM kill)"};
}

VerdictInput base() {
  VerdictInput in;
  in.why_stopped = "duration reached";
  in.criteria = {passing("min_headroom")};
  in.workloads = {ran_to_the_end("flood")};
  return in;
}

TEST(Verdict, PassesWhenEveryCriterionPassesAndEveryWorkloadRanToTheEnd) {
  const auto v = decide(base());
  EXPECT_EQ(v.state, State::passed);
  EXPECT_EQ(v.reason, "duration reached; the criterion passed");
}

TEST(Verdict, CountsCriteriaInWords) {
  auto in = base();
  in.criteria = {passing("a"), passing("b"), passing("c")};
  EXPECT_EQ(decide(in).reason, "duration reached; all 3 criteria passed");
  in.criteria.clear();
  EXPECT_EQ(decide(in).reason, "duration reached; no criteria set");
  in.criteria = {passing("a"), {"b", 1, 2, false, "worst 2 > limit 1"}};
  EXPECT_EQ(decide(in).state, State::failed);
  EXPECT_EQ(decide(in).reason, "duration reached; 1 of 2 criteria passed; failed: b: worst 2 > limit 1");
}

// The bug: 1Gi of anon in a 64Mi cgroup with only min_headroom passed.
TEST(Verdict, AnOomKilledWorkloadFailsACampaignThatDidNotExpectIt) {
  auto in = base();
  in.workloads.push_back(oom_killed("hog", 1.25));
  in.oom_kills = 1;
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("workload hog was OOM-killed at 1.2 s"));
  EXPECT_THAT(v.reason, HasSubstr("set expect_oom: true or criteria.max_oom_kills"));
}

TEST(Verdict, ExpectOomTurnsTheKillIntoANote) {
  auto in = base();
  in.workloads.push_back(oom_killed("hog", 2.0));
  in.oom_kills = 1;
  in.expect_oom = true;
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::passed);
  EXPECT_THAT(v.reason, HasSubstr("workload hog was OOM-killed at 2.0 s (expected)"));
}

TEST(Verdict, ExpectOomWithoutAnyKillFails) {
  auto in = base();
  in.expect_oom = true;
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("expect_oom is set but no OOM kill happened"));
}

TEST(Verdict, AMaxOomKillsCriterionDecidesAboutKillsItself) {
  auto in = base();
  in.workloads.push_back(oom_killed("hog", 2.0));
  in.oom_kills = 1;
  in.oom_criterion = true;
  in.criteria.push_back({"max_oom_kills", 1, 1, true, "worst 1 <= limit 1"});
  auto v = decide(in);
  EXPECT_EQ(v.state, State::passed);
  EXPECT_THAT(v.reason, HasSubstr("(left to max_oom_kills)"));
  in.criteria.back() = {"max_oom_kills", 0, 1, false, "worst 1 > limit 0"};
  v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("failed: max_oom_kills: worst 1 > limit 0"));
}

TEST(Verdict, AnUnattributedOomKillStillFails) {
  auto in = base();
  in.oom_kills = 2;
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("2 OOM kill(s) in the campaign cgroup"));
}

TEST(Verdict, AWorkloadThatFailedOrExitedEarlyFailsEvenWithExpectOom) {
  auto in = base();
  in.expect_oom = true;
  in.oom_kills = 1;
  in.workloads.push_back(oom_killed("hog", 2.0));
  in.workloads.push_back({"dentries", "failed", true, false, 0.5, "error: cannot create x"});
  auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason,
              HasSubstr("workload dentries ended before the end, at 0.5 s: error: cannot create x"));
  in.workloads.back() = {"dentries", "exited", true, false, 0.5, "exit 0"};
  EXPECT_THAT(decide(in).reason, HasSubstr("workload dentries exited before the end"));
}

TEST(Verdict, AWorkloadKilledDuringTheStopIsNotEarly) {
  auto in = base();
  in.workloads.push_back({"stubborn", "killed", false, false, 10.0, "killed by SIGKILL"});
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::passed);
  EXPECT_THAT(v.reason, Not(HasSubstr("stubborn")));
}

TEST(Verdict, AWorkloadTheRunnerHadToSigkillFailsTheCampaignSayingSo) {
  auto in = base();
  in.workloads.push_back({"torture", "killed", false, false, 10.0,
                          "killed by SIGKILL after it ignored SIGTERM for 35000 ms (the stop "
                          "grace period)",
                          /*sigkilled=*/true});
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("workload torture did not stop: killed by SIGKILL after it "
                                  "ignored SIGTERM for 35000 ms"));
}

TEST(Verdict, AWorkerOomKilledAsTheCampaignStoppedIsNamedSo) {
  auto in = base();
  in.workloads.push_back({"hog", "killed", false, true, 10.0, "killed by SIGKILL (OOM kill)"});
  in.oom_kills = 1;
  const auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("workload hog was OOM-killed as the campaign stopped"));
}

// stress-ng's worker lives on when the OOM killer takes one of its stressors: the kill is the
// workload's (the kernel named a stress-ng process) and fails the campaign all the same.
TEST(Verdict, AWorkloadThatLostAProcessToAnOomKillFailsUnlessAllowed) {
  auto in = base();
  in.workloads.push_back({"stress", "exited", false, true, 10.0, "exit 0"});
  in.oom_kills = 1;
  auto v = decide(in);
  EXPECT_EQ(v.state, State::failed);
  EXPECT_THAT(v.reason, HasSubstr("a process of workload stress was OOM-killed"));
  in.expect_oom = true;
  v = decide(in);
  EXPECT_EQ(v.state, State::passed);
  EXPECT_THAT(v.reason, HasSubstr("a process of workload stress was OOM-killed (expected)"));
}

}  // namespace
}  // namespace mt::daemon
