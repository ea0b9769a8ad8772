// Engine without the kernel: validation, refusing an invalid campaign, unknown ids, and the
// reports found in a state directory after a restart. No valid campaign is ever started here
// (that creates real cgroups; see tests/integration/daemon).
#include "daemon/engine.h"
#include "daemon/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "daemon/report.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using Code = ApiError::Code;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Mi;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

constexpr std::uint64_t k24Gi = 24ULL << 30;

constexpr const char* kValid = R"(campaign: ok
duration: 2s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: f
    type: flood
    kind: udp_socket
    threads: 2
criteria:
  max_oom_kills: 0
)";

stdfs::path fixtures() {
  return stdfs::path(MT_FIXTURES) / "daemon";
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine_(io_, clock_, options()) {}

  EngineOptions options() {
    EngineOptions o;
    o.host.memory_total_bytes = k24Gi;
    o.runner.state_dir = state_.path();
    // Never used: no valid campaign is started in these tests.
    o.runner.worker_path = state_ / "no-worker";
    o.runner.cgroup_prefix = "memtorture-unit-never-created";
    // Should a regression ever start a campaign here, it stays inside the temp dir.
    o.runner.layout.memory_root = state_ / "not-a-cgroup-root";
    o.runner.layout.unified_root = state_ / "not-a-cgroup2-root";
    return o;
  }

  // Runs io_ until `done` (the engine reads finished campaigns' reports on its loader thread and
  // answers here); false after 10 s.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  TempDir state_;
  boost::asio::io_context io_;  // run by run_until() only
  FakeClock clock_;
  Engine engine_;
};

// ---- validate ----------------------------------------------------------------------------

TEST_F(EngineTest, ValidateAcceptsAValidCampaign) {
  auto r = engine_.validate(kValid, "ok.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.spec->name, "ok");
  EXPECT_EQ(r.spec->cgroup.memory_limit, 64 * Mi);
}

TEST_F(EngineTest, ValidateNamesTheFileInEveryError) {
  auto r = engine_.validate("campaign: x\n", "mine.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_THAT(r.errors, ::testing::Not(IsEmpty()));
  for (const auto& d : r.errors) EXPECT_EQ(d.file, "mine.yaml") << d.str();
}

TEST_F(EngineTest, ValidateWithoutAFileNameSaysCampaign) {
  auto r = engine_.validate("campaign: x\n", "");
  ASSERT_FALSE(r.ok());
  for (const auto& d : r.errors) EXPECT_EQ(d.file, "<campaign>") << d.str();
}

TEST_F(EngineTest, ValidateRefusesSizesAboveThePhysicalMemory) {
  std::string yaml = kValid;
  yaml.replace(yaml.find("64Mi"), 4, "32Gi");
  auto r = engine_.validate(yaml, "big.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_THAT(r.errors[0].message, HasSubstr("must not exceed the physical memory (24Gi)"));
}

TEST_F(EngineTest, ValidateIsPureAndLeavesNoCampaignBehind) {
  ASSERT_TRUE(engine_.validate(kValid, "ok.yaml").ok());
  EXPECT_THAT(engine_.list(), IsEmpty());
  EXPECT_EQ(engine_.running_id(), "");
  EXPECT_FALSE(stdfs::exists(state_ / "reports"));
}

// ---- start of an invalid campaign ---------------------------------------------------------

TEST_F(EngineTest, StartRefusesAnInvalidCampaignListingEveryErrorAsFileLineCol) {
  const std::string yaml = testing::read_text(fixtures() / "invalid-campaign.yaml");
  ASSERT_FALSE(yaml.empty()) << "fixture missing";
  auto r = engine_.start(yaml, "invalid-campaign.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::invalid_argument);
  const std::string& m = r.error.message;
  EXPECT_THAT(m, StartsWith("source.yaml:"));

  std::vector<std::string> lines;
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GE(lines.size(), 4u) << m;
  // After the headline, one "file:line:col: message" per problem, in file order: the limit
  // below 4Mi (line 4), 1000 threads (line 9), a negative max_oom_kills (line 11).
  const std::regex diag(R"(invalid-campaign\.yaml:(\d+):(\d+): .+)");
  std::vector<int> at_lines;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::smatch mm;
    ASSERT_TRUE(std::regex_match(lines[i], mm, diag)) << "line " << i << ": " << lines[i];
    at_lines.push_back(std::stoi(mm[1]));
  }
  EXPECT_THAT(at_lines, ElementsAre(4, 9, 11)) << m;
  EXPECT_THAT(m, HasSubstr("memory_limit"));
  EXPECT_THAT(m, HasSubstr("threads"));
  EXPECT_THAT(m, HasSubstr("max_oom_kills"));
}

TEST_F(EngineTest, AnInvalidStartLeavesNothingBehind) {
  auto r = engine_.start("campaign: [\n", "broken.yaml");  // not even YAML
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::invalid_argument);
  EXPECT_THAT(r.error.message, StartsWith("source.yaml:"));
  EXPECT_THAT(r.error.message, HasSubstr("broken.yaml:"));
  EXPECT_EQ(engine_.running_id(), "");
  EXPECT_THAT(engine_.list(), IsEmpty());
  EXPECT_FALSE(stdfs::exists(state_ / "reports"));
  EXPECT_FALSE(stdfs::exists(state_ / "run"));
  EXPECT_EQ(io_.poll(), 0u);  // nothing was queued on the loop either
}

TEST_F(EngineTest, MemoryHighOnAV1MemoryControllerIsRefusedBeforeAnythingIsCreated) {
  EngineOptions o = options();
  o.runner.layout.mode = cgroup::Mode::hybrid;
  o.runner.layout.memory_v2 = false;
  o.host.memory_v2 = false;
  o.host.memory_root = "/sys/fs/cgroup/memory";
  Engine v1(io_, clock_, o);
  std::string yaml = kValid;
  const std::string limit_line = "  memory_limit: 64Mi\n";
  yaml.insert(yaml.find(limit_line) + limit_line.size(), "  memory_high: 32Mi\n");
  ASSERT_TRUE(v1.validate(yaml, "high.yaml").ok()) << "valid YAML: the host decides";
  auto r = v1.start(yaml, "high.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::failed_precondition);
  // Where in the file, from the compile step.
  EXPECT_THAT(r.error.message,
              HasSubstr("high.yaml:5:16: cgroup.memory_high: needs the cgroup v2 memory controller; "
                        "this host has it on v1 (/sys/fs/cgroup/memory)"));
  EXPECT_EQ(v1.running_id(), "");
  EXPECT_THAT(v1.list(), IsEmpty());
  EXPECT_FALSE(stdfs::exists(state_ / "reports"));
  EXPECT_FALSE(stdfs::exists(o.runner.layout.memory_root));
}

TEST_F(EngineTest, ACampaignRequiringWhatTheHostLacksIsUnsupportedAndLeavesNothing) {
  EngineOptions o = options();
  o.host.ledger_unsized = "no bpf_get_kmem_cache kfunc (kernels before 6.13)";
  Engine counts_only(io_, clock_, o);
  const std::string yaml = std::string(kValid) + "requires: [ledger_bytes]\n";
  auto r = counts_only.start(yaml, "bytes.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::unsupported);
  EXPECT_THAT(r.error.message,
              HasSubstr("this host lacks what the campaign requires:\nbytes.yaml:"));
  EXPECT_THAT(r.error.message,
              HasSubstr("requires[0] ledger_bytes: the RCU ledger only counts here"));
  EXPECT_THAT(counts_only.list(), IsEmpty());
  EXPECT_FALSE(stdfs::exists(state_ / "reports"));
}

// ---- unknown ids --------------------------------------------------------------------------

TEST_F(EngineTest, GetOfAnUnknownIdIsNotFound) {
  auto r = engine_.get("nope-20260101T000000-0000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::not_found);
  EXPECT_THAT(r.error.message, HasSubstr("nope-20260101T000000-0000"));
}

TEST_F(EngineTest, StopOfAnUnknownIdAnswersNotFoundAtOnce) {
  int calls = 0;
  ApiResult<CampaignView> got;
  engine_.stop("nope", [&](ApiResult<CampaignView> r) {
    ++calls;
    got = std::move(r);
  });
  ASSERT_EQ(calls, 1);
  EXPECT_FALSE(got.ok());
  EXPECT_EQ(got.error.code, Code::not_found);
  EXPECT_THAT(got.error.message, HasSubstr("'nope'"));
}

TEST_F(EngineTest, SubscribeToAnUnknownIdIsNotFoundAndCallsNothing) {
  int events = 0, ends = 0;
  auto r = engine_.subscribe(
      "nope", [&](const Event&) { ++events; }, [&] { ++ends; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Code::not_found);
  EXPECT_EQ(events, 0);
  EXPECT_EQ(ends, 0);
}

TEST_F(EngineTest, ShutdownWithNothingRunningIsImmediate) {
  int done = 0;
  engine_.shutdown([&] { ++done; });
  EXPECT_EQ(done, 1);
}

// ---- reports found on disk ------------------------------------------------------------------

ReportData report(const std::string& name, const std::string& id, std::int64_t started_ms,
                  State verdict) {
  ReportData r;
  r.id = id;
  r.name = name;
  r.file_name = name + ".yaml";
  r.started_unix_ms = started_ms;
  r.ended_unix_ms = started_ms + 3000;
  r.duration_planned_s = 3;
  r.duration_actual_s = 3.01;
  r.verdict = verdict;
  r.reason = "duration reached";
  r.memory_limit_bytes = 64 * Mi;
  r.samples = {testing::sample(0, 10 * Mi, 64 * Mi), testing::sample(1, 20 * Mi, 64 * Mi)};
  r.criteria = {{"max_oom_kills", 0, 0, true, "worst 0 <= limit 0"}};
  return r;
}

class EngineReportsTest : public EngineTest {
 protected:
  void SetUp() override {
    // The fixture state dir (junk, non-report, and report-less directories) ...
    std::error_code ec;
    stdfs::copy(fixtures() / "state", state_.path(), stdfs::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << ec.message();
    // ... plus three real reports, written the way the runner writes them.
    for (const auto& r : {report("alpha", "alpha-20260101T000000-0001", 1'000, State::passed),
                          report("gamma", "gamma-20260103T000000-0003", 3'000, State::aborted),
                          report("beta", "beta-20260102T000000-0002", 2'000, State::failed)}) {
      const auto dir = state_ / "reports" / r.id;
      stdfs::create_directories(dir);
      ASSERT_TRUE(write_report(dir, to_json(r)).ok());
    }
    // The crashed campaign's start time is its campaign.yaml's mtime: pin it.
    stdfs::last_write_time(
        state_ / "reports" / kCrashedId / "campaign.yaml",
        std::chrono::file_clock::from_sys(std::chrono::sys_time<std::chrono::milliseconds>(
            std::chrono::milliseconds(kCrashedStartMs))),
        ec);
    ASSERT_FALSE(ec) << ec.message();
    engine_.load_reports();
  }
  static constexpr const char* kCrashedId = "crashed-20260105T000000-0005";
  static constexpr std::int64_t kCrashedStartMs = 1'767'571'200'000;  // 2026-01-05T00:00:00Z
};

TEST_F(EngineReportsTest, ListsTheRealReportsNewestFirstAndSkipsTheRest) {
  auto all = engine_.list();
  EXPECT_THAT(all, ElementsAre(Field(&CampaignView::id, kCrashedId),
                               Field(&CampaignView::id, "gamma-20260103T000000-0003"),
                               Field(&CampaignView::id, "beta-20260102T000000-0002"),
                               Field(&CampaignView::id, "alpha-20260101T000000-0001")));
  EXPECT_EQ(engine_.running_id(), "");
}

TEST_F(EngineReportsTest, EqualStartTimesAreOrderedByIdNewestFirst) {
  for (const char* id : {"same-20260104T000000-000a", "same-20260104T000000-000b"}) {
    const auto r = report("same", id, kCrashedStartMs + 1'000, State::passed);
    stdfs::create_directories(state_ / "reports" / id);
    ASSERT_TRUE(write_report(state_ / "reports" / id, to_json(r)).ok());
  }
  engine_.load_reports();
  auto all = engine_.list();
  ASSERT_THAT(all, SizeIs(6));
  EXPECT_EQ(all[0].id, "same-20260104T000000-000b");
  EXPECT_EQ(all[1].id, "same-20260104T000000-000a");
}

TEST_F(EngineReportsTest, GetShowsTheLoadedCampaignsSummaryAndViewReadsTheRestBack) {
  const std::string id = "beta-20260102T000000-0002";
  auto plain = engine_.get(id);
  ASSERT_TRUE(plain.ok()) << plain.error.message;
  EXPECT_EQ(plain.value->name, "beta");
  EXPECT_EQ(plain.value->state, State::failed);
  EXPECT_EQ(plain.value->started_unix_ms, 2'000);
  EXPECT_EQ(plain.value->report_path, (state_ / "reports" / id / "report.json").string());
  EXPECT_EQ(plain.value->peak_bytes, 20 * Mi);
  // Only the summary is kept in memory ...
  EXPECT_FALSE(plain.value->latest);
  EXPECT_THAT(plain.value->criteria, IsEmpty());
  // ... the rest comes back from the report.
  std::optional<ApiResult<CampaignView>> whole;
  engine_.view(id, [&](ApiResult<CampaignView> v) { whole = std::move(v); });
  ASSERT_TRUE(run_until([&] { return whole.has_value(); }));
  ASSERT_TRUE(whole->ok()) << whole->error.message;
  EXPECT_EQ(whole->value->state, State::failed);
  ASSERT_TRUE(whole->value->latest);
  EXPECT_EQ(whole->value->latest->usage_bytes, 20 * Mi);
  ASSERT_THAT(whole->value->criteria, SizeIs(1));
  EXPECT_EQ(whole->value->criteria[0].name, "max_oom_kills");

  auto file = engine_.report_file(id);
  ASSERT_TRUE(file.ok()) << file.error.message;
  EXPECT_EQ(*file.value, state_ / "reports" / id / "report.json");
  auto j = nlohmann::ordered_json::parse(testing::read_text(*file.value));
  EXPECT_EQ(j["id"], id);
}

TEST_F(EngineReportsTest, AVariantsRunsReportIsFoundByItsIdUnderItsCampaign) {
  const std::string id = "beta-20260102T000000-0002";
  const auto run_dir = state_ / "reports" / id / "runs" / (id + ".2");
  stdfs::create_directories(run_dir);
  ASSERT_TRUE(write_report(run_dir, to_json(report("beta", id + ".2", 2'000, State::passed))).ok());
  auto file = engine_.report_file(id + ".2");
  ASSERT_TRUE(file.ok()) << file.error.message;
  EXPECT_EQ(*file.value, run_dir / "report.json");
  // Not a run: no such folder, not a number, no such campaign.
  for (const std::string& other : {id + ".3", id + ".x", id + ".", std::string("nope.1")}) {
    auto missing = engine_.report_file(other);
    EXPECT_FALSE(missing.ok()) << other;
    EXPECT_EQ(missing.error.code, Code::not_found) << other;
  }
  EXPECT_FALSE(engine_.get(id + ".2").ok());  // a run is not a campaign of its own
}

TEST_F(EngineReportsTest, ACampaignCutShortByACrashGetsAnErrorReport) {
  auto v = engine_.get(kCrashedId);
  ASSERT_TRUE(v.ok()) << v.error.message;
  EXPECT_EQ(v.value->state, State::error);
  EXPECT_THAT(v.value->reason, HasSubstr("memtortured stopped during this campaign"));
  EXPECT_EQ(v.value->name, "crashed");
  EXPECT_EQ(v.value->duration_s, 20);
  EXPECT_EQ(v.value->started_unix_ms, kCrashedStartMs);
  EXPECT_FALSE(v.value->latest);
  // The report is written next to campaign.yaml in the state dir (the fixture stays as it was).
  const auto report_file = state_ / "reports" / kCrashedId / "report.json";
  ASSERT_TRUE(stdfs::exists(report_file));
  EXPECT_FALSE(stdfs::exists(fixtures() / "state" / "reports" / kCrashedId / "report.json"));
  auto j = nlohmann::ordered_json::parse(testing::read_text(report_file));
  EXPECT_EQ(j["verdict"], "error");
  EXPECT_EQ(j["id"], kCrashedId);
  EXPECT_EQ(j["memory"]["limit_bytes"], 96 * Mi);
  EXPECT_EQ(j["campaign_yaml"],
            testing::read_text(fixtures() / "state" / "reports" / kCrashedId / "campaign.yaml"));
  EXPECT_TRUE(j["samples"].empty());
}

// The bug: the error report after a SIGKILL had 0 samples and no workloads although the
// campaign had run for seconds. The journal the runner keeps is read back into it.
TEST_F(EngineReportsTest, ACrashReportHoldsWhatTheJournalSaved) {
  const std::string id = "journaled-20260106T000000-0006";
  const auto dir = state_ / "reports" / id;
  stdfs::create_directories(dir);
  testing::write_text(dir / kCampaignFile,
                      testing::read_text(fixtures() / "state" / "reports" / kCrashedId /
                                         "campaign.yaml"));
  {
    auto j = Journal::create(dir);
    ASSERT_TRUE(j.ok()) << j.error().message;
    for (int i = 0; i < 30; ++i) j->record({i * 0.1, testing::sample(i * 0.1, i * Mi, 96 * Mi)});
    WorkloadStatus w;
    w.name = "hog";
    w.state = "running";
    w.ops = 1234;
    j->record({1.0, WorkloadsUpdate{w}});
    j->record({2.5, OomKill{1, "hog"}});
    j->record({2.9, LogLine{"not journaled"}});
  }  // the daemon "dies": the journal is all that is left
  engine_.load_reports();
  auto v = engine_.get(id);
  ASSERT_TRUE(v.ok()) << v.error.message;
  EXPECT_EQ(v.value->state, State::error);
  EXPECT_THAT(v.value->reason, HasSubstr("what it measured up to 2.9 s was saved (30 samples)"));
  auto report = nlohmann::ordered_json::parse(testing::read_text(dir / "report.json"));
  EXPECT_EQ(report["samples"].size(), 30u);
  EXPECT_EQ(report["samples"][29]["usage_bytes"], 29 * Mi);
  ASSERT_EQ(report["workloads"].size(), 1u);
  EXPECT_EQ(report["workloads"][0]["ops"], 1234);
  EXPECT_EQ(report["oom_kill_times_s"], nlohmann::ordered_json::array({2.5}));
  EXPECT_EQ(report["memory"]["peak_bytes"], 29 * Mi);
  EXPECT_FALSE(stdfs::exists(dir / kJournalFile)) << "the report holds it now";
}

TEST_F(EngineReportsTest, TheSkippedDirectoriesAreNotCampaigns) {
  for (const char* id : {"junk-truncated", "not-a-report", "crashed-no-report"})
    EXPECT_EQ(engine_.get(id).error.code, Code::not_found) << id;
  // Nothing was invented for a directory without campaign.yaml.
  EXPECT_FALSE(stdfs::exists(state_ / "reports" / "crashed-no-report" / "report.json"));
}

TEST_F(EngineReportsTest, SubscribingToAFinishedCampaignGivesOneSnapshotThenTheEnd) {
  std::vector<Event> events;
  int ends = 0;
  auto r = engine_.subscribe(
      "gamma-20260103T000000-0003", [&](const Event& e) { events.push_back(e); },
      [&] {
        ++ends;
        EXPECT_THAT(events, SizeIs(1)) << "on_end must come after the snapshot";
      });
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(run_until([&] { return ends > 0; }));
  ASSERT_THAT(events, SizeIs(1));
  ASSERT_TRUE(std::holds_alternative<CampaignView>(events[0].body));
  const auto& snapshot = std::get<CampaignView>(events[0].body);
  EXPECT_EQ(snapshot.state, State::aborted);
  ASSERT_TRUE(snapshot.latest) << "the snapshot is the whole view, read back from the report";
  EXPECT_EQ(snapshot.latest->usage_bytes, 20 * Mi);
  EXPECT_EQ(ends, 1);
}

TEST_F(EngineReportsTest, UnsubscribingWhileTheReportIsReadBackCallsNothing) {
  int calls = 0;
  auto r = engine_.subscribe(
      "gamma-20260103T000000-0003", [&](const Event&) { ++calls; }, [&] { ++calls; });
  ASSERT_TRUE(r.ok());
  engine_.unsubscribe(*r.value);
  // Whatever the loader answers is dropped: a second subscriber, after it, is served.
  int ends = 0;
  ASSERT_TRUE(engine_.subscribe("gamma-20260103T000000-0003", [](const Event&) {}, [&] { ++ends; })
                  .ok());
  ASSERT_TRUE(run_until([&] { return ends > 0; }));
  EXPECT_EQ(calls, 0);
}

TEST_F(EngineReportsTest, AReportGoneFromDiskAnswersWithTheSummary) {
  const std::string id = "alpha-20260101T000000-0001";
  stdfs::remove(state_ / "reports" / id / "report.json");
  std::optional<ApiResult<CampaignView>> whole;
  engine_.view(id, [&](ApiResult<CampaignView> v) { whole = std::move(v); });
  ASSERT_TRUE(run_until([&] { return whole.has_value(); }));
  ASSERT_TRUE(whole->ok());
  EXPECT_EQ(whole->value->state, State::passed);
  EXPECT_EQ(whole->value->name, "alpha");
  EXPECT_FALSE(whole->value->latest);
}

TEST_F(EngineReportsTest, StoppingAFinishedCampaignAnswersWithItsView) {
  int calls = 0;
  engine_.stop("alpha-20260101T000000-0001", [&](ApiResult<CampaignView> r) {
    ++calls;
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value->state, State::passed);
  });
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  EXPECT_EQ(calls, 1);
}

TEST_F(EngineReportsTest, NoReportsDirectoryMeansNoCampaigns) {
  TempDir empty;
  EngineOptions o = options();
  o.runner.state_dir = empty.path();
  Engine fresh(io_, clock_, o);
  fresh.load_reports();
  EXPECT_THAT(fresh.list(), IsEmpty());
}

}  // namespace
}  // namespace mt::daemon
