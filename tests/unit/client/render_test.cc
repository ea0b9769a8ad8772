// Exit codes, state names, the end-of-run summary, JUnit XML and its escaping.
#include "client/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using testing::criterion;
using ::testing::HasSubstr;
using testing::Mi;
using ::testing::Not;
using testing::sample;

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

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
  EXPECT_THAT(
      s, HasSubstr("  memory: limit 96.0Mi, peak 96.0Mi, lowest headroom 512.0Ki, OOM kills 1\n"));
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
  EXPECT_THAT(summary(c), HasSubstr("lowest headroom -, OOM kills 1"));
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

}  // namespace
}  // namespace mt::client
