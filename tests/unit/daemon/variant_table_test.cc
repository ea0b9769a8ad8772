// The variants' comparison: figures read from made-up reports, spreads over repeats, the verdict
// (expect: fail aside), and the sentence: a clear best, or within the spread.
#include "daemon/variant_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

RunFigures run(State verdict, double headroom_mi, double waiting_mi, double oom = 0) {
  RunFigures r;
  r.verdict = verdict;
  r.reason = verdict == State::passed ? "duration reached" : "criteria failed";
  r.oom_kills = oom;
  r.min_headroom_bytes = headroom_mi * 1048576;
  r.waiting_p50 = waiting_mi * 1048576;
  return r;
}

TEST(RunFigures, ReadFromAReport) {
  const Json report = {
      {"verdict", "failed"},
      {"reason", "criteria failed: min_headroom"},
      {"oom_kills", 2},
      {"memory", {{"min_headroom_bytes", 1000}}},
      {"parts", {{"reactions", {{"firings", Json::array({Json::object(), Json::object()})}}}}},
      {"samples",
       Json::array({
           {{"cgroup_psi", {{"some_avg10", 3.0}, {"full_avg10", 1.0}}},
            {"metrics", {{"rcu.pending_bytes", 100.0}, {"rcu.gp_latency_us", 10.0}}}},
           {{"system_psi", {{"some_avg10", 7.0}, {"full_avg10", 0.5}}},
            {"metrics", {{"rcu.pending_bytes", 300.0}, {"rcu.freed_bytes_per_s", 5.0}}}},
           {{"cgroup_psi", {{"some_avg10", 1.0}, {"full_avg10", 2.0}}},
            {"metrics", {{"rcu.pending_bytes", 200.0}, {"rcu.gp_latency_us", 30.0}}}},
       })}};
  const RunFigures f = run_figures(report);
  EXPECT_EQ(f.verdict, State::failed);
  EXPECT_EQ(f.oom_kills, 2);
  EXPECT_EQ(f.min_headroom_bytes, 1000);
  EXPECT_EQ(f.psi_some_max, 7.0) << "the system's where the sample had no cgroup PSI";
  EXPECT_EQ(f.psi_full_max, 2.0);
  EXPECT_EQ(f.waiting_p50, 200.0);
  EXPECT_EQ(f.waiting_max, 300.0);
  EXPECT_EQ(f.freed_p50, 5.0);
  EXPECT_EQ(f.gp_p99, 30.0);
  EXPECT_EQ(f.reactions_fired, 2);
}

// Found by tests/fuzz (report): run_figures() read fields with nlohmann's value() and get<>(),
// which throw on a field of another type; memtorturectl compare got any file a user named.
TEST(RunFigures, AReportOfOddShapesGivesWhatCanBeReadNotAnException) {
  const Json report = Json::parse(R"({
      "verdict": 3, "campaign": "c", "oom_kills": "two", "memory": [1],
      "samples": [{"metrics": {"rcu.pending_bytes": "many", "rcu.gp_latency_us": 7}}, "x",
                  {"cgroup_psi": {"some_avg10": "high"}}, {"system_psi": {"full_avg10": 4}}],
      "workloads": ["w", {"type": "flood", "ops_per_s": "fast"}, {"type": 1}],
      "parts": {"reactions": {"firings": 3}, "ledger": {"backlogs": [{"bytes": "1Mi"}, 5]},
                "oom_proximity": "none"}})");
  RunFigures f;
  ASSERT_NO_THROW(f = run_figures(report));
  EXPECT_EQ(f.verdict, State::error);
  EXPECT_EQ(f.oom_kills, 0);
  EXPECT_FALSE(f.min_headroom_bytes);
  EXPECT_FALSE(f.waiting_p50);
  EXPECT_EQ(f.gp_p50, 7.0);
  EXPECT_FALSE(f.psi_some_max);
  EXPECT_EQ(f.psi_full_max, 4.0);
  EXPECT_EQ(f.flood_ops_per_s, 0.0) << "a flood is there, its rate unreadable";
  EXPECT_EQ(f.reactions_fired, 0);
  EXPECT_FALSE(f.backlog_p50_bytes);
  EXPECT_FALSE(f.lowest_oom_eta_s);
  for (const char* text : {"7", R"("report")", "[]", "null"})
    EXPECT_NO_THROW(run_figures(Json::parse(text))) << text;
}

TEST(CompareVariants, ACleanWinIsNamedWithWhy) {
  const auto c = compare_variants(
      {{"none", false, {run(State::passed, 10, 8), run(State::passed, 12, 9), run(State::passed, 11, 8)}},
       {"barrier", false, {run(State::passed, 30, 1), run(State::passed, 33, 1), run(State::passed, 31, 2)}}});
  EXPECT_EQ(c.verdict, State::passed);
  EXPECT_THAT(c.best, HasSubstr("Best: barrier (min headroom 31.0Mi against 11.0Mi for none, the "
                                "ranges of the repeats apart)"));
  ASSERT_EQ(c.table.size(), 2u);
  EXPECT_EQ(c.table[0]["min_headroom_bytes"]["median"], 11.0 * 1048576);
  EXPECT_EQ(c.table[0]["min_headroom_bytes"]["min"], 10.0 * 1048576);
  EXPECT_EQ(c.table[0]["passed"], 3);
  ASSERT_EQ(c.text.size(), 4u) << "header, two rows, the sentence";
  EXPECT_THAT(c.text[1], HasSubstr("11.0Mi (10.0Mi..12.0Mi)"));
}

TEST(CompareVariants, OverlappingRangesAreWithinTheSpread) {
  const auto c = compare_variants(
      {{"a", false, {run(State::passed, 10, 5), run(State::passed, 20, 6), run(State::passed, 15, 7)}},
       {"b", false, {run(State::passed, 12, 5), run(State::passed, 18, 6), run(State::passed, 16, 7)}}});
  EXPECT_THAT(c.best, HasSubstr("No variant did clearly best"));
  EXPECT_THAT(c.best, HasSubstr("within the spread"));
}

TEST(CompareVariants, PassingAndOomKillsComeFirst) {
  const auto c = compare_variants(
      {{"roomy-but-killed", false, {run(State::failed, 90, 1, 1), run(State::passed, 90, 1)}},
       {"tight", false, {run(State::passed, 5, 9), run(State::passed, 6, 9)}}});
  EXPECT_THAT(c.best, HasSubstr("Best: tight (2/2 runs passed"));
  EXPECT_EQ(c.verdict, State::failed);
  EXPECT_THAT(c.reason, HasSubstr("variant roomy-but-killed"));
}

TEST(CompareVariants, AVariantExpectedToFailDoesNotDecideTheVerdict) {
  const auto c = compare_variants({{"ok", false, {run(State::passed, 10, 1)}},
                                   {"doomed", true, {run(State::failed, 0, 1, 3)}}});
  EXPECT_EQ(c.verdict, State::passed);
  EXPECT_THAT(c.text[2], HasSubstr("doomed (expect fail)"));
  EXPECT_THAT(c.best, HasSubstr("Best: ok"));
}

TEST(CompareVariants, OneRunEachSaysTheSpreadIsUnknown) {
  const auto c = compare_variants({{"a", false, {run(State::passed, 10, 1)}},
                                   {"b", false, {run(State::passed, 20, 1)}}});
  EXPECT_THAT(c.best, HasSubstr("Best: b (min headroom 20.0Mi against 10.0Mi for a; one run each"));
}

}  // namespace
}  // namespace mt::daemon
