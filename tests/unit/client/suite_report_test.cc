// A suite's JUnit file, index rows and history, from its campaigns' outcomes and reports.
#include "client/suite_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace mt::client {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using ::testing::Not;

Json report(const std::string& name, const std::string& verdict, Json criteria,
            const std::string& reason = "duration reached") {
  return {{"campaign", name}, {"verdict", verdict}, {"reason", reason},
          {"criteria", std::move(criteria)}, {"oom_kills", 0},
          {"memory", {{"min_headroom_bytes", 8 << 20}}}, {"samples", Json::array()},
          {"parts", Json::object()}};
}

SuiteResult ran(const std::string& name, Json r, double s = 10) {
  SuiteResult out;
  out.file = "configs/nightly/" + name + ".yaml";
  out.name = name;
  out.id = name + "-1";
  out.outcome = r["verdict"];
  out.reason = r["reason"];
  out.duration_s = s;
  out.exit_code = out.outcome == "passed" ? 0 : 1;
  out.report = std::move(r);
  out.folder = name;
  return out;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The attribute `name` of the first element `element` in `xml`.
std::string attr(const std::string& xml, const std::string& element, const std::string& name) {
  std::smatch m;
  const std::regex re("<" + element + " [^>]*" + name + "=\"([^\"]*)\"");
  return std::regex_search(xml, m, re) ? m[1].str() : "?";
}

Json variants_report() {
  Json r = report("ab", "failed", Json::array(), "variant none: duration reached; failed");
  r["parts"]["variants"] = {
      {"variants",
       {{{"name", "none"},
         {"expect", "pass"},
         {"runs",
          {{{"id", "ab-1.1"}, {"repeat", 1}, {"verdict", "failed"}, {"ran_s", 12.0},
            {"reason", "max_oom_kills: worst 2 > limit 0"}},
           {{"id", "ab-1.2"}, {"repeat", 2}, {"verdict", "passed"}, {"ran_s", 12.0},
            {"reason", "ok"}}}}},
        {{"name", "barrier"},
         {"expect", "pass"},
         {"runs", {{{"id", "ab-1.3"}, {"repeat", 1}, {"verdict", "passed"}, {"ran_s", 11.5}}}}},
        {{"name", "broken"},
         {"expect", "fail"},
         {"runs", {{{"id", "ab-1.4"}, {"repeat", 1}, {"verdict", "failed"}, {"ran_s", 3.0}}}}}}},
      {"table",
       {{{"variant", "none"}, {"oom_kills", {{"median", 1.0}, {"min", 0.0}, {"max", 2.0}}}},
        {{"variant", "barrier"}, {"oom_kills", {{"median", 0.0}, {"min", 0.0}, {"max", 0.0}}}}}}};
  return r;
}

TEST(SuiteJunit, ATestsuitePerCampaignATestcasePerCriterionAndCountsThatAddUp) {
  std::vector<SuiteResult> results = {
      ran("smoke", report("smoke", "passed",
                          {{{"name", "max_oom_kills"}, {"pass", true}, {"detail", "worst 0"}}})),
      ran("flood", report("flood", "failed",
                          {{{"name", "min_headroom"}, {"pass", false},
                            {"detail", "lowest 3.1Mi < limit 8Mi at t=12.4s"}},
                           {{"name", "max_oom_kills"}, {"pass", true}, {"detail", "worst 0"}},
                           {{"name", "max_psi_some_avg10"}, {"pass", false},
                            {"detail", "worst 41% > limit 20%"}}}))};
  const std::string xml = suite_junit_xml("nightly", results);
  EXPECT_EQ(count(xml, "<testsuite "), 2);
  EXPECT_EQ(count(xml, "<testcase "), 4);
  EXPECT_EQ(count(xml, "<failure "), 2);
  EXPECT_EQ(attr(xml, "testsuites", "tests"), "4");
  EXPECT_EQ(attr(xml, "testsuites", "failures"), "2");
  EXPECT_EQ(attr(xml, "testsuites", "errors"), "0");
  EXPECT_THAT(xml, HasSubstr("<failure message=\"min_headroom: lowest 3.1Mi &lt; limit 8Mi at "
                             "t=12.4s\"/>"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"flood\" tests=\"3\" failures=\"2\" errors=\"0\" "
                             "skipped=\"0\" time=\"10.000\">"));
  // Well formed: every element opened is closed.
  EXPECT_EQ(count(xml, "<testsuite "), count(xml, "</testsuite>"));
  EXPECT_EQ(count(xml, "<testsuites "), count(xml, "</testsuites>"));
  const std::regex self_closed("<testcase [^>]*/>");
  const auto closed_inline = std::distance(
      std::sregex_iterator(xml.begin(), xml.end(), self_closed), std::sregex_iterator());
  EXPECT_EQ(count(xml, "<testcase "), count(xml, "</testcase>") + closed_inline) << xml;
}

TEST(SuiteJunit, AFailedVerdictNoCriterionExplainsIsStillAFailure) {
  // A workload lost to the OOM killer with every criterion met.
  auto r = ran("oom", report("oom", "failed",
                             {{{"name", "max_psi_some_avg10"}, {"pass", true}, {"detail", "ok"}}},
                             "workload hog was OOM-killed at 3.5 s"));
  const std::string xml = suite_junit_xml("nightly", {r});
  EXPECT_EQ(count(xml, "<failure "), 1);
  EXPECT_THAT(xml, HasSubstr("name=\"verdict\""));
  EXPECT_THAT(xml, HasSubstr("failed: workload hog was OOM-killed at 3.5 s"));
}

TEST(SuiteJunit, InvalidAbortedAndSkippedCampaignsAreErrorsAndSkips) {
  SuiteResult invalid;
  invalid.file = invalid.name = "bad.yaml";
  invalid.outcome = "invalid";
  invalid.reason = "bad.yaml:3:1: colour: unknown key; bad.yaml: invalid campaign";
  invalid.exit_code = 2;
  SuiteResult skipped;
  skipped.file = "long.yaml";
  skipped.name = "long";
  skipped.outcome = "skipped";
  skipped.reason = "time budget: it needs about 600s, 20s of 1800s left";
  auto aborted = ran("stopped", report("stopped", "aborted", Json::array(), "stopped by user\nby Ctrl-C"));
  const std::string xml = suite_junit_xml("nightly", {invalid, skipped, aborted});
  EXPECT_EQ(attr(xml, "testsuites", "errors"), "2");
  EXPECT_EQ(attr(xml, "testsuites", "skipped"), "1");
  EXPECT_EQ(attr(xml, "testsuites", "failures"), "0");
  EXPECT_THAT(xml, HasSubstr("<error message=\"invalid: bad.yaml:3:1: colour: unknown key"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"time budget: it needs about 600s"));
  // One line: the newline of the reason is gone.
  EXPECT_THAT(xml, HasSubstr("aborted: stopped by user by Ctrl-C"));
}

TEST(SuiteJunit, VariantsAreATestcaseEachAndExpectFailIsNotJudged) {
  const std::string xml = suite_junit_xml("nightly", {ran("ab", variants_report(), 39)});
  EXPECT_EQ(count(xml, "<testcase "), 3);
  EXPECT_THAT(xml, HasSubstr("name=\"variant none\" time=\"24.000\"><failure message=\"variant "
                             "none: 1 of 2 runs passed; run 1 failed: max_oom_kills: worst 2 &gt; "
                             "limit 0\"/>"));
  EXPECT_THAT(xml, HasSubstr("name=\"variant barrier\" time=\"11.500\"><system-out>1 of 1 runs "
                             "passed</system-out>"));
  EXPECT_THAT(xml, HasSubstr("1 of 1 runs passed"));
  EXPECT_THAT(xml, HasSubstr("(expect: fail, not judged)"));
  EXPECT_EQ(count(xml, "<failure "), 1);
}

TEST(SuiteIndex, RowsCarryVerdictLinksAndHeadlineFigures) {
  const IndexRow row = index_row(ran("smoke", report("smoke", "passed", Json::array())));
  EXPECT_EQ(row.verdict, "passed");
  EXPECT_EQ(row.html_href, "smoke/report.html");
  EXPECT_EQ(row.report_href, "smoke/report.json");
  ASSERT_GE(row.headline.size(), 2u);
  EXPECT_EQ(row.headline[0], (std::pair<std::string, std::string>{"OOM kills", "0"}));
  EXPECT_EQ(row.headline[1].first, "min headroom");
  const IndexRow v = index_row(ran("ab", variants_report()));
  ASSERT_EQ(v.headline.size(), 3u);
  EXPECT_EQ(v.headline[0], (std::pair<std::string, std::string>{"variant none", "1/2 passed"}));
  SuiteResult none;
  none.name = "bad";
  none.outcome = "invalid";
  EXPECT_EQ(index_row(none).html_href, "");
}

TEST(SuiteHistory, ALineAppendedReadsBackWithItsFigures) {
  const std::vector<SuiteResult> night1 = {ran("smoke", report("smoke", "passed", Json::array()), 5),
                                           ran("ab", variants_report())};
  const std::vector<SuiteResult> night2 = {ran("smoke", report("smoke", "failed", Json::array()), 6)};
  const std::string text = history_line("2026-12-05T02:00:00Z", night1) + "not json\n\n" +
                           history_line("2026-12-06T02:00:00Z", night2);
  EXPECT_EQ(count(text, "\n"), 4);  // one line per night, the junk and the blank line
  std::vector<std::string> warnings;
  const auto nights = read_history(text, &warnings);
  ASSERT_EQ(nights.size(), 2u);
  EXPECT_THAT(warnings, ::testing::ElementsAre("line 2: not a history record (skipped)"));
  EXPECT_EQ(nights[0].time, "2026-12-05T02:00:00Z");
  EXPECT_EQ(nights[0].verdicts.at("smoke"), "passed");
  EXPECT_EQ(nights[0].figures.at("smoke").at("min_headroom_bytes"), 8 << 20);
  EXPECT_EQ(nights[0].figures.at("smoke").at("duration_s"), 5);
  EXPECT_EQ(nights[0].figures.at("ab/none").at("oom_kills"), 1);
  EXPECT_EQ(nights[0].figures.at("ab/barrier").at("oom_kills"), 0);
  EXPECT_EQ(nights[1].verdicts.at("smoke"), "failed");
  EXPECT_FALSE(nights[1].figures.contains("ab/none"));
}

TEST(SuiteHistory, SkippedCampaignsAreLeftOutAndFailedStartsKeepTheirVerdict) {
  SuiteResult skipped;
  skipped.name = "long";
  skipped.outcome = "skipped";
  SuiteResult invalid;
  invalid.name = "bad";
  invalid.outcome = "invalid";
  std::vector<std::string> warnings;
  const auto nights = read_history(history_line("t", {skipped, invalid}), &warnings);
  ASSERT_EQ(nights.size(), 1u);
  EXPECT_FALSE(nights[0].verdicts.contains("long"));
  EXPECT_EQ(nights[0].verdicts.at("bad"), "invalid");
  EXPECT_THAT(warnings, Not(::testing::Contains(HasSubstr("line"))));
}

TEST(SuiteSummary, SuiteJsonReadsBackWithoutReportsAndBadTextIsNamed) {
  SuiteResult skipped;
  skipped.file = "configs/nightly/40-rcu-ledger.yaml";
  skipped.name = "rcu-ledger";
  skipped.outcome = "skipped";
  skipped.reason = "t.yaml:4:12: requires[0] ledger_bytes: the RCU ledger only counts here";
  const std::vector<SuiteResult> results = {ran("smoke", report("smoke", "passed", Json::array())),
                                            skipped};
  const Json j = suite_summary_json("memtorture", "2026-12-07T00:00:00Z", results);
  auto back = read_suite_summary(j.dump());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->name, "memtorture");
  EXPECT_EQ(back->started_at, "2026-12-07T00:00:00Z");
  ASSERT_EQ(back->results.size(), 2u);
  EXPECT_EQ(back->results[0].name, "smoke");
  EXPECT_EQ(back->results[0].folder, "smoke");
  EXPECT_DOUBLE_EQ(back->results[0].duration_s, 10);
  EXPECT_FALSE(back->results[0].report) << "reports stay in their folders";
  EXPECT_EQ(back->results[1].outcome, "skipped");
  EXPECT_THAT(back->results[1].reason, HasSubstr("requires[0] ledger_bytes"));

  EXPECT_FALSE(read_suite_summary("[1, 2]").ok());
  EXPECT_THAT(read_suite_summary("{}").error().message, HasSubstr("campaigns"));
  EXPECT_THAT(read_suite_summary(R"({"campaigns": [{"outcome": "passed"}]})").error().message,
              HasSubstr("without a name"));
}

TEST(ColumnsIndex, ACampaignRowPerNameACellPerKernelWithItsVerdictAndLink) {
  IndexColumn host{"host", "6.18.0, cgroup hybrid", "", {}};
  host.rows.push_back(index_row(ran("smoke", report("smoke", "passed", Json::array()))));
  host.rows.push_back(index_row(ran("rcu-ledger", report("rcu-ledger", "passed", Json::array()))));
  IndexColumn guest{"6.12", "6.12.118+deb12-amd64, cgroup v2", "", {}};
  guest.rows.push_back(
      index_row(ran("smoke", report("smoke", "failed", Json::array(), "1 of 3 criteria failed"))));
  IndexColumn missing{"6.1", "", "no suite ran: the kernel package could not be had", {}};
  const std::string html =
      render_columns_index_html("by kernel", {host, guest, missing}, HtmlAssets{});
  EXPECT_EQ(count(html, "<tr><td>smoke</td>"), 1);
  EXPECT_EQ(count(html, "<tr><td>rcu-ledger</td>"), 1);
  EXPECT_THAT(html, HasSubstr("6.12.118+deb12-amd64, cgroup v2"));
  EXPECT_THAT(html, HasSubstr("<a href=\"smoke/report.html\">failed</a>"));
  EXPECT_THAT(html, HasSubstr("1 of 3 criteria failed"));
  EXPECT_THAT(html, HasSubstr("no suite ran: the kernel package could not be had"));
  EXPECT_THAT(html, HasSubstr("<td>-</td>")) << "rcu-ledger did not run on 6.12";
}

}  // namespace
}  // namespace mt::client
