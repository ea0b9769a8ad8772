// Exit codes, state names, the end-of-run summary, JUnit XML and its escaping.
#include "client/render.h"

#include "common/units.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using testing::criterion;
using ::testing::HasSubstr;
using testing::count;
using testing::Mi;
using ::testing::Not;
using testing::sample;

TEST(ExitCodeTest, EveryState) {
  EXPECT_EQ(exit_code_for(pb::PASSED), 0);
  EXPECT_EQ(exit_code_for(pb::FAILED), 1);
  EXPECT_EQ(exit_code_for(pb::ABORTED), 3);
  EXPECT_EQ(exit_code_for(pb::ERROR), 3);
  // A campaign that never finished is not a pass either.
  EXPECT_EQ(exit_code_for(pb::RUNNING), 3);
  EXPECT_EQ(exit_code_for(pb::PENDING), 3);
  EXPECT_EQ(exit_code_for(pb::CAMPAIGN_STATE_UNSPECIFIED), 3);
  EXPECT_EQ(kInvalid, 2);
}

TEST(StateNameTest, EveryState) {
  EXPECT_EQ(state_name(pb::PENDING), "pending");
  EXPECT_EQ(state_name(pb::RUNNING), "running");
  EXPECT_EQ(state_name(pb::PASSED), "passed");
  EXPECT_EQ(state_name(pb::FAILED), "failed");
  EXPECT_EQ(state_name(pb::ABORTED), "aborted");
  EXPECT_EQ(state_name(pb::ERROR), "error");
  EXPECT_EQ(state_name(pb::CAMPAIGN_STATE_UNSPECIFIED), "unknown");
  EXPECT_EQ(state_name(static_cast<pb::CampaignState>(42)), "unknown");
}

TEST(IsFinalTest, TheFourVerdicts) {
  for (auto s : {pb::PASSED, pb::FAILED, pb::ABORTED, pb::ERROR}) EXPECT_TRUE(is_final(s)) << s;
  for (auto s : {pb::PENDING, pb::RUNNING, pb::CAMPAIGN_STATE_UNSPECIFIED})
    EXPECT_FALSE(is_final(s)) << s;
}

pb::Campaign finished(pb::CampaignState state) {
  pb::Campaign c;
  c.set_id("oom-20261122T074512-3f2a");
  c.set_name("oom-expected");
  c.set_state(state);
  c.set_elapsed_s(10.04);
  c.set_duration_s(10);
  c.set_reason("duration reached; criteria failed: max_oom_kills: worst 1 > limit 0");
  auto* flood = c.add_workloads();
  *flood = testing::workload("small-flood", "flood", "exited", 1000);
  flood->set_ops(10'000);
  flood->set_errors(2);
  flood->set_exit_status("exit 0");
  auto* hog = c.add_workloads();
  *hog = testing::workload("too-big", "anon", "killed", 0);
  hog->set_ops(12);
  hog->set_exit_status("killed by SIGKILL (OOM kill)");
  *c.mutable_latest() = sample(20 * Mi, 96 * Mi, 1);
  c.set_peak_bytes(96 * Mi);
  c.set_max_kernel_bytes(30 * Mi);
  c.set_failcnt(42);
  c.set_min_headroom_bytes(512 * 1024);
  c.set_has_min_headroom(true);
  *c.add_criteria() = criterion("max_oom_kills", false, "worst 1 > limit 0 (first at 3.1 s)");
  *c.add_criteria() = criterion("min_headroom", true, "lowest 0.5Mi >= limit 0B");
  c.set_report_path("/var/lib/memtorture/reports/oom/report.json");
  return c;
}

// ---- summary -----------------------------------------------------------------------------

TEST(SummaryTest, ShowsVerdictWorkloadsMemoryCriteriaAndReport) {
  const std::string s = summary(finished(pb::FAILED));
  EXPECT_THAT(s, HasSubstr("campaign oom-expected (oom-20261122T074512-3f2a): failed\n"));
  EXPECT_THAT(s, HasSubstr("  reason: duration reached; criteria failed: max_oom_kills"));
  EXPECT_THAT(s, HasSubstr("  ran 10.0 s of 10.0 s\n"));
  // Workload table: kind "-" for anon; the exit status when there is one.
  EXPECT_TRUE(std::regex_search(
      s, std::regex(R"x(small-flood +flood +udp_socket +10000 +1\.0k +2  exit 0\n)x")))
      << s;
  EXPECT_TRUE(std::regex_search(
      s, std::regex(R"x(too-big +anon +- +12 +0 +0  killed by SIGKILL \(OOM kill\)\n)x")))
      << s;
  EXPECT_THAT(s,
              HasSubstr("  memory: limit 96.0Mi, peak 96.0Mi, kernel peak 30.0Mi, lowest headroom "
                        "512.0Ki, failcnt 42, OOM kills 1\n"));
  EXPECT_TRUE(std::regex_search(
      s, std::regex(R"x(max_oom_kills +FAIL +worst 1 > limit 0 \(first at 3\.1 s\)\n)x")))
      << s;
  EXPECT_TRUE(
      std::regex_search(s, std::regex(R"x(min_headroom +pass +lowest 0\.5Mi >= limit 0B\n)x")))
      << s;
  EXPECT_THAT(s, HasSubstr("  report: /var/lib/memtorture/reports/oom/report.json\n"));
}

TEST(SummaryTest, AWorkloadWithoutExitStatusShowsItsState) {
  pb::Campaign c = finished(pb::ABORTED);
  c.mutable_workloads(0)->clear_exit_status();
  c.mutable_workloads(0)->set_state("running");
  EXPECT_TRUE(std::regex_search(summary(c), std::regex(R"x(small-flood .* running\n)x")));
}

TEST(SummaryTest, LeavesOutWhatIsNotThere) {
  pb::Campaign c;
  c.set_id("x-1");
  c.set_name("x");
  c.set_state(pb::ERROR);
  const std::string s = summary(c);
  EXPECT_THAT(s, HasSubstr("campaign x (x-1): error\n"));
  EXPECT_THAT(s, Not(HasSubstr("reason:")));
  EXPECT_THAT(s, Not(HasSubstr("memory:")));
  EXPECT_THAT(s, Not(HasSubstr("criterion")));
  EXPECT_THAT(s, Not(HasSubstr("report:")));
}

TEST(SummaryTest, UnknownMinHeadroomIsADash) {
  pb::Campaign c = finished(pb::PASSED);
  c.clear_min_headroom_bytes();
  c.set_has_min_headroom(false);
  EXPECT_THAT(summary(c), HasSubstr("lowest headroom -, failcnt 42, OOM kills 1"));
}

TEST(SummaryTest, FloodRatesKeepOneSpellingAcrossTheThousandBoundary) {
  pb::Campaign c = finished(pb::PASSED);
  c.mutable_workloads(0)->set_ops_per_s(999.6);
  EXPECT_TRUE(std::regex_search(summary(c), std::regex(R"x(small-flood .* 1\.0k +2  exit 0)x")))
      << summary(c);
}

// The daemon leaves report_path empty until the report exists.
TEST(SummaryTest, ARunningCampaignHasNoReportPathYet) {
  pb::Campaign c = finished(pb::RUNNING);
  c.set_report_path("/var/lib/memtorture/reports/oom/report.json");  // even if a daemon sends one
  const std::string s = summary(c);
  EXPECT_THAT(s, HasSubstr("  report: written when the campaign ends\n"));
  EXPECT_THAT(s, Not(HasSubstr("report.json")));
  c.set_state(pb::PENDING);
  EXPECT_THAT(summary(c), HasSubstr("  report: written when the campaign ends\n"));
}

TEST(SummaryTest, AFinishedCampaignWithoutReportPathPrintsNoReportLine) {
  pb::Campaign c = finished(pb::ERROR);
  c.clear_report_path();
  EXPECT_THAT(summary(c), Not(HasSubstr("report:")));
}

// The table lists each criterion once, a failed one included.
TEST(SummaryTest, EachCriterionOnceInTheTable) {
  const std::string s = summary(finished(pb::FAILED));
  EXPECT_EQ(count(s, "max_oom_kills      "), 1) << s;
  EXPECT_EQ(count(s, "FAIL"), 1);
}

// ---- numbers and words ---------------------------------------------------------------------

TEST(HumanCountTest, OneSpellingPerValue) {
  EXPECT_EQ(human_count(0), "0");
  EXPECT_EQ(human_count(12.4), "12");
  EXPECT_EQ(human_count(999.4), "999");
  // Rounds to 1000: written as 1.0k, never as "1000".
  EXPECT_EQ(human_count(999.5), "1.0k");
  EXPECT_EQ(human_count(999.7), "1.0k");
  EXPECT_EQ(human_count(1000), "1.0k");
  EXPECT_EQ(human_count(1049), "1.0k");
  EXPECT_EQ(human_count(210'300), "210.3k");
  EXPECT_EQ(human_count(999'940), "999.9k");
  // Rounds to 1000.0k: written as 1.0M.
  EXPECT_EQ(human_count(999'960), "1.0M");
  EXPECT_EQ(human_count(2'500'000), "2.5M");
  EXPECT_EQ(human_count(3.2e9), "3.2G");
  EXPECT_EQ(human_count(4.5e12), "4500.0G");
}

TEST(HumanCountTest, NoFlipAroundAnyBoundary) {
  // Every value between 990 and 1010 is spelled "1.0k" once it rounds to 1000 or more.
  for (double v = 990; v < 1010; v += 0.1) {
    const std::string s = human_count(v);
    EXPECT_TRUE(s == "1.0k" || (v < 999.5 && s.find('k') == std::string::npos)) << v << " " << s;
    EXPECT_NE(s, "1000") << v;
  }
  for (double v = 999'000; v < 1'001'000; v += 10) EXPECT_NE(human_count(v), "1000.0k") << v;
}

TEST(CountedTest, SingularAndPlural) {
  EXPECT_EQ(counted(0, "error"), "0 errors");
  EXPECT_EQ(counted(1, "error"), "1 error");
  EXPECT_EQ(counted(2, "workload"), "2 workloads");
  EXPECT_EQ(counted(1, "criterion", "criteria"), "1 criterion");
  EXPECT_EQ(counted(3, "criterion", "criteria"), "3 criteria");
}

// ---- junit -------------------------------------------------------------------------------

TEST(JunitTest, OneTestCasePerCriterionWithCounts) {
  const std::string x = junit_xml(finished(pb::FAILED));
  EXPECT_THAT(x,
              ::testing::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"));
  EXPECT_THAT(
      x, HasSubstr(R"x(<testsuite name="oom-expected" tests="2" failures="1" time="10.040">)x"));
  EXPECT_THAT(x, HasSubstr(R"x(<property name="id" value="oom-20261122T074512-3f2a"/>)x"));
  EXPECT_THAT(x, HasSubstr(R"x(<property name="verdict" value="failed"/>)x"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"x(<testcase classname="oom-expected" name="max_oom_kills"><failure message="worst 1 &gt; limit 0 (first at 3.1 s)"/></testcase>)x"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"x(<testcase classname="oom-expected" name="min_headroom"><system-out>lowest 0.5Mi &gt;= limit 0B</system-out></testcase>)x"));
  EXPECT_THAT(x, Not(HasSubstr(R"x(name="campaign")x")));
  EXPECT_EQ(count(x, "<testcase "), 2);
  EXPECT_THAT(x, ::testing::EndsWith("  </testsuite>\n</testsuites>\n"));
}

TEST(JunitTest, APassedCampaignHasNoFailures) {
  pb::Campaign c = finished(pb::PASSED);
  c.mutable_criteria(0)->set_pass(true);
  const std::string x = junit_xml(c);
  EXPECT_THAT(x, HasSubstr(R"x(tests="2" failures="0")x"));
  EXPECT_EQ(count(x, "<failure"), 0);
}

TEST(JunitTest, AnAbortedCampaignAddsAFailingCampaignCase) {
  pb::Campaign c = finished(pb::ABORTED);
  c.set_reason("stopped by request");
  c.mutable_criteria(0)->set_pass(true);  // every criterion passed so far
  const std::string x = junit_xml(c);
  EXPECT_THAT(x, HasSubstr(R"x(tests="3" failures="1")x"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"x(<testcase classname="oom-expected" name="campaign"><failure message="aborted: stopped by request"/></testcase>)x"));
  EXPECT_EQ(count(x, "<testcase "), 3);
}

TEST(JunitTest, AnErrorWithNoCriteriaIsStillOneFailure) {
  pb::Campaign c;
  c.set_name("broken");
  c.set_state(pb::ERROR);
  c.set_reason("workload f: worker failed before it started, exec: ENOENT");
  const std::string x = junit_xml(c);
  EXPECT_THAT(x, HasSubstr(R"x(tests="1" failures="1")x"));
  EXPECT_THAT(x,
              HasSubstr(R"x(name="campaign"><failure message="error: workload f: worker failed)x"));
}

TEST(JunitTest, NamesAndDetailsAreEscaped) {
  pb::Campaign c;
  c.set_id("id<&>\"'");
  c.set_name("a<b & \"c\" 'd'>");
  c.set_state(pb::ABORTED);
  c.set_reason("stopped <by> \"me\" & 'you'");
  *c.add_criteria() = criterion("crit<&>", false, "x < y & \"z\" > 'w'");
  *c.add_criteria() = criterion("ok\"'", true, "<fine & dandy>");
  const std::string x = junit_xml(c);
  const std::string name = "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;";
  EXPECT_THAT(x, HasSubstr("<testsuite name=\"" + name + "\""));
  EXPECT_THAT(x, HasSubstr(R"x(value="id&lt;&amp;&gt;&quot;&apos;")x"));
  EXPECT_THAT(x, HasSubstr("<testcase classname=\"" + name +
                           "\" name=\"crit&lt;&amp;&gt;\"><failure message=\"x &lt; y &amp; "
                           "&quot;z&quot; &gt; &apos;w&apos;\"/>"));
  EXPECT_THAT(
      x, HasSubstr("name=\"ok&quot;&apos;\"><system-out>&lt;fine &amp; dandy&gt;</system-out>"));
  EXPECT_THAT(x, HasSubstr("<failure message=\"aborted: stopped &lt;by&gt; &quot;me&quot; &amp; "
                           "&apos;you&apos;\"/>"));
  // No raw special character survives inside any attribute value or text.
  const std::string body = x.substr(x.find("<testsuites>"));
  std::regex attr(R"re(="([^"]*)")re");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), attr); it != std::sregex_iterator();
       ++it) {
    const std::string v = (*it)[1];
    EXPECT_EQ(v.find_first_of("<>'"), std::string::npos) << v;
  }
  EXPECT_THAT(x, HasSubstr(R"x(tests="3" failures="2")x"));
}

TEST(JunitErrorTest, AFailingCampaignCaseThatSaysWhy) {
  const std::string x =
      junit_error_xml("smoke", "", "starting smoke.yaml: campaign other-1 is running");
  EXPECT_THAT(x,
              ::testing::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"));
  EXPECT_THAT(x, HasSubstr(R"x(<testsuite name="smoke" tests="1" failures="1" time="0.000">)x"));
  EXPECT_THAT(x, Not(HasSubstr("<properties>")));  // no id: the campaign never started
  EXPECT_THAT(
      x,
      HasSubstr(
          R"x(<testcase classname="smoke" name="campaign"><failure message="starting smoke.yaml: campaign other-1 is running">starting smoke.yaml: campaign other-1 is running</failure></testcase>)x"));
  EXPECT_EQ(count(x, "<testcase "), 1);
  EXPECT_THAT(x, ::testing::EndsWith("  </testsuite>\n</testsuites>\n"));
}

TEST(JunitErrorTest, AKnownIdIsAPropertyAndAMultiLineMessageKeepsItsLinesInTheText) {
  const std::string x = junit_error_xml(
      "a.yaml", "c-1",
      "a.yaml:2:3: unknown key 'x'\na.yaml:4:1: duration: must be > 0\na.yaml: invalid campaign");
  EXPECT_THAT(x, HasSubstr(R"x(<properties><property name="id" value="c-1"/></properties>)x"));
  EXPECT_THAT(
      x,
      HasSubstr(
          R"x(failure message="a.yaml:2:3: unknown key &apos;x&apos;; a.yaml:4:1: duration: must be &gt; 0; a.yaml: invalid campaign">)x"));
  EXPECT_THAT(x, HasSubstr("&apos;x&apos;\na.yaml:4:1: duration: must be &gt; 0\na.yaml: invalid "
                           "campaign</failure>"));
}

TEST(JunitErrorTest, SuiteAndMessageAreEscaped) {
  const std::string x = junit_error_xml("a<b>", "i&d", "x \"y\" <z>");
  EXPECT_THAT(x, HasSubstr(R"x(<testsuite name="a&lt;b&gt;")x"));
  EXPECT_THAT(x, HasSubstr(R"x(value="i&amp;d")x"));
  EXPECT_THAT(x, HasSubstr(R"x(message="x &quot;y&quot; &lt;z&gt;")x"));
}

TEST(XmlEscapeTest, TheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape("<"), "&lt;");
  EXPECT_EQ(xml_escape(">"), "&gt;");
  EXPECT_EQ(xml_escape("&"), "&amp;");
  EXPECT_EQ(xml_escape("\""), "&quot;");
  EXPECT_EQ(xml_escape("'"), "&apos;");
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
}

TEST(XmlEscapeTest, EverythingElseIsKeptAsIs) {
  EXPECT_EQ(xml_escape(""), "");
  EXPECT_EQ(xml_escape("plain text 123 -_./:"), "plain text 123 -_./:");
  EXPECT_EQ(xml_escape("ünïcødé"), "ünïcødé");
  // Already-escaped text is escaped again (it is data, not markup).
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");
}

// ---- probe --ledger ----------------------------------------------------------------------

TEST(LedgerTextTest, EverySectionInTheOrderRead) {
  const std::string text = ledger_text(testing::ledger_reading());
  EXPECT_EQ(text,
            "RCU ledger      rcu_preempt, 2 CPUs read\n"
            "freed by RCU    300.0Mi/s over 2.0 s: 290.0k objects/s, 75.0k pages/s, 157.0k "
            "kfree/s; 3 frees not seen (recursion misses)\n"
            "  UDP                                  178.0Mi/s  140.0k objects/s\n"
            "pending now     9.0k callbacks (done 120, wait 4.2k, next_ready 0, next 4.7k, lazy "
            "0); kfree_rcu() batches 12 objects\n"
            "pending bytes   6.5Mi in 8.9k callbacks, 6.6Mi with those done or being invoked (120, "
            "~86.0Ki); walk 1.8 ms\n"
            "  by function\n"
            "    __sk_destruct                          4.0Mi    3.0k callbacks\n"
            "  by cache\n"
            "    UDP (1.3Ki)                            4.0Mi    3.0k objects\n"
            "  kfree_rcu() batches: 12 objects, 1.1Ki\n"
            "    kmalloc-cg-96 (96B)                    1.1Ki      12 objects\n"
            "barrier backlog ran in 25.3 ms: 7.0Mi freed (9.1k objects, 9.1k callbacks invoked; "
            "pending 9.0k -> 150)\n"
            "                barrier_sequence 8 -> 12\n"
            "  UDP                                      4.0Mi    3.0k objects\n"
            "ledger notes    not covered: SRCU and Tasks RCU callback queues (separate per-CPU "
            "lists)\n"
            "                pending: CPUs that come online after open are not read\n");
}

TEST(LedgerTextTest, AFailedStepIsLeftOutAndAnIncompleteWalkSaysSo) {
  pb::LedgerReading l = testing::ledger_reading();
  l.clear_freed();
  l.clear_barrier_backlog();
  l.mutable_pending()->clear_lazy();  // a kernel without lazy_len: not "lazy 0"
  l.mutable_pending_bytes()->set_complete(false);
  l.mutable_pending_bytes()->set_expected(9000);
  l.mutable_pending_bytes()->set_retries(2);
  l.mutable_pending_bytes()->clear_krc();
  const std::string text = ledger_text(l);
  EXPECT_THAT(text, Not(HasSubstr("freed by RCU")));
  EXPECT_THAT(text, Not(HasSubstr("barrier backlog")));
  EXPECT_THAT(text, Not(HasSubstr("lazy")));
  EXPECT_THAT(text, Not(HasSubstr("kfree_rcu() batches:")));
  EXPECT_THAT(text,
              HasSubstr("walk 1.8 ms, incomplete (8.9k of 9.0k callbacks), 2 CPU walks redone\n"));
}

TEST(LedgerTextTest, ASkippedBarrierSaysSo) {
  pb::LedgerReading l = testing::ledger_reading();
  auto* b = l.mutable_barrier_backlog();
  b->set_outcome(pb::LedgerBarrierBacklog::OUTCOME_SKIPPED);
  b->set_bytes(0);
  b->set_detail("barrier_sequence stayed at 8 and no CPU's barrier_seq_snap moved");
  EXPECT_THAT(ledger_text(l), HasSubstr("barrier backlog skipped in 25.3 ms: 0B freed"));
}

}  // namespace
}  // namespace mt::client
