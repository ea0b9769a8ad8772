// Metrics by name: a throwaway figure declared and measured in one place (the part below) is in
// the sample, the watch stream's protobuf, the journal and the report, read back too, with no
// code of its own anywhere else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/scheduler.h"
#include "daemon/campaign_part.h"
#include "daemon/convert.h"
#include "daemon/journal.h"
#include "daemon/report.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using testing::Mi;

// The one place the figure exists.
class AnswerPart final : public CampaignPart {
 public:
  std::string_view name() const override { return "answer"; }
  std::vector<MetricDef> metrics() const override {
    return {{"test.answer", "bytes", "a throwaway figure for this test"}};
  }
  Status measure(Sample& s, PartContext&) override {
    s.metrics["test.answer"] = 42 * Mi;
    return {};
  }
};

TEST(MetricsByName, AFigureDeclaredInOnePartReachesTheStreamTheJournalAndTheReport) {
  boost::asio::io_context io;
  FakeClock clock;
  ManualScheduler timers(clock);
  PartContext cx{io, timers, [] { return 0.5; }, [](Event::Body) {}, std::nullopt};
  AnswerPart part;
  Sample s = testing::sample(0.5, 10 * Mi, 64 * Mi);
  ASSERT_TRUE(part.measure(s, cx));
  ASSERT_EQ(s.metrics.at("test.answer"), 42.0 * Mi);

  // The watch stream.
  pb::CampaignEvent ev;
  to_pb(Event{0.5, s}, &ev);
  EXPECT_EQ(ev.sample().metrics().at("test.answer"), 42.0 * Mi);
  CampaignView view;
  view.metrics = part.metrics();
  pb::Campaign c;
  to_pb(view, &c);
  ASSERT_EQ(c.metrics_size(), 1);
  EXPECT_EQ(c.metrics(0).unit(), "bytes");

  // The report, and back.
  ReportData r;
  r.id = "m-1";
  r.name = "m";
  r.samples = {s};
  r.metrics = part.metrics();
  const auto j = to_json(r);
  EXPECT_EQ(j["samples"][0]["metrics"]["test.answer"], 42.0 * Mi);
  EXPECT_EQ(j["metrics"][0]["name"], "test.answer");
  EXPECT_EQ(sample_from_json(j["samples"][0]).metrics.at("test.answer"), 42.0 * Mi);
  auto loaded = view_from_report(j, "report.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->metrics.size(), 1u);
  EXPECT_EQ(loaded->metrics[0].help, "a throwaway figure for this test");
  EXPECT_EQ(loaded->latest->metrics.at("test.answer"), 42.0 * Mi);

  // The journal (what a crash report is built from).
  testing::TempDir dir;
  {
    auto journal = Journal::create(dir.path());
    ASSERT_TRUE(journal.ok());
    journal->record(Event{0.5, s});
  }
  auto back = read_journal(dir.path());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->samples.at(0).metrics.at("test.answer"), 42.0 * Mi);
}

TEST(MetricsByName, AReportWithoutMetricsStillLoads) {
  ReportData r;
  r.id = "old-1";
  r.name = "old";
  r.samples = {testing::sample(0, Mi, 64 * Mi)};
  auto j = to_json(r);
  j.erase("metrics");
  j["samples"][0].erase("metrics");
  j["report_version"] = 1;
  auto v = view_from_report(j, "report.json");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->metrics.empty());
  EXPECT_TRUE(v->latest->metrics.empty());
}

}  // namespace
}  // namespace mt::daemon
