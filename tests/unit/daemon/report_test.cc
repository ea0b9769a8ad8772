// report.json: the summary figures derived from the samples, the atomic write, and reading a
// report back into a CampaignView.
#include "daemon/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <filesystem>

#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using json = nlohmann::ordered_json;
using ::testing::HasSubstr;
using testing::Mi;
using testing::psi;
using testing::sample;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

// A finished campaign with a bit of everything.
ReportData full_report() {
  ReportData r;
  r.id = "smoke-20261122T074512-3f2a";
  r.name = "smoke";
  r.description = "A test campaign";
  r.file_name = "configs/smoke.yaml";
  r.normalized_yaml = "campaign: smoke\nduration: 3s\n";
  r.started_unix_ms = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z
  r.ended_unix_ms = 1'700'000'003'456;
  r.duration_planned_s = 3;
  r.duration_actual_s = 3.2;
  r.verdict = State::failed;
  r.reason = "duration reached; criteria failed: max_oom_kills: worst 1 > limit 0";
  r.host = {"6.18.0", "hybrid", "/sys/fs/cgroup/memory", 2, 24ULL << 30};
  r.cgroup_path = "/sys/fs/cgroup/memory/memtorture/smoke-x";
  r.psi_cgroup_path = "/sys/fs/cgroup/unified/memtorture/smoke-x";
  r.memory_limit_bytes = 64 * Mi;
  r.kernel_peak_bytes = 0;
  r.failcnt = 17;

  WorkloadStatus flood;
  flood.name = "udp";
  flood.type = "flood";
  flood.kind = "udp_socket";
  flood.state = "exited";
  flood.pid = 4242;
  flood.threads = 2;
  flood.ops = 600'000;
  flood.ops_per_s = 200'000;
  flood.errors = 3;
  flood.bytes = 0;
  flood.exit_status = "exit 0";
  WorkloadStatus hog;
  hog.name = "hog";
  hog.type = "anon";
  hog.state = "killed";
  hog.pid = 4243;
  hog.threads = 1;
  hog.ops = 10;
  hog.bytes = 48 * Mi;
  hog.exit_status = "killed by SIGKILL (OOM kill)";
  r.workloads = {flood, hog};

  Sample s1 = sample(0.0, 10 * Mi, 64 * Mi, 1 * Mi, 0);
  s1.cgroup_psi = psi(1.0, 0.5, 0, 0);
  s1.system_psi = psi(0.25, 0.0, 0, 0);
  Sample s2 = sample(1.0, 60 * Mi, 64 * Mi, 5 * Mi, 0);
  s2.cgroup_psi = psi(30.0, 20.0, 400'000, 300'000);
  Sample s3 = sample(2.0, 30 * Mi, 64 * Mi, 3 * Mi, 1);
  s3.cgroup_psi = psi(12.0, 25.0, 100'000, 50'000);
  s3.system_psi = psi(2.0, 1.5, 7'000, 2'000);
  r.samples = {s1, s2, s3};

  r.criteria = {{"max_oom_kills", 0, 1, false, "worst 1 > limit 0 (first at 2.0 s)"},
                {"min_headroom", 1.0 * Mi, 4.0 * Mi, true, "lowest 4.0Mi >= limit 1.0Mi"}};
  r.psi_trigger.armed = true;
  r.psi_trigger.spec = "some 100000 2000000";
  r.psi_trigger.events_s = {1.5};
  r.oom_kill_times_s = {2.0};
  return r;
}

TEST(ReportJsonTest, SummaryFiguresAreDerivedFromTheSamples) {
  json j = to_json(full_report());
  EXPECT_EQ(j["memory"]["limit_bytes"], 64 * Mi);
  EXPECT_EQ(j["memory"]["peak_bytes"], 60 * Mi);
  EXPECT_EQ(j["memory"]["min_headroom_bytes"], static_cast<std::int64_t>(4 * Mi));
  EXPECT_EQ(j["memory"]["max_kernel_bytes"], 5 * Mi);
  EXPECT_EQ(j["memory"]["failcnt"], 17);
  EXPECT_EQ(j["oom_kills"], 1);

  const json& cg = j["psi"]["cgroup"];
  EXPECT_EQ(cg["some_avg10_max"], 30.0);
  EXPECT_EQ(cg["full_avg10_max"], 25.0);
  EXPECT_EQ(cg["some_stall_total_us"], 500'000);
  EXPECT_EQ(cg["full_stall_total_us"], 350'000);
  // The system figures come only from the samples that had them (s1, s3).
  const json& sys = j["psi"]["system"];
  EXPECT_EQ(sys["some_avg10_max"], 2.0);
  EXPECT_EQ(sys["full_avg10_max"], 1.5);
  EXPECT_EQ(sys["some_stall_total_us"], 7'000);
  EXPECT_EQ(sys["full_stall_total_us"], 2'000);
}

TEST(ReportJsonTest, TheKernelHighWaterMarkWinsWhenItIsHigherThanAnySample) {
  ReportData r = full_report();
  r.kernel_peak_bytes = 63 * Mi;  // a spike between two samples
  EXPECT_EQ(to_json(r)["memory"]["peak_bytes"], 63 * Mi);
  r.kernel_peak_bytes = 1 * Mi;  // lower than the samples: they win
  EXPECT_EQ(to_json(r)["memory"]["peak_bytes"], 60 * Mi);
}

// The bug: a campaign OOM-killed at its 64Mi limit reported "peak 64.0Mi" and "lowest headroom
// 60.5Mi", because headroom came from the samples only.
TEST(ReportJsonTest, LowestHeadroomComesFromTheKernelPeakWhenItIsKnown) {
  ReportData r = full_report();
  r.kernel_peak_bytes = 64 * Mi;  // reached the limit between two samples
  EXPECT_EQ(to_json(r)["memory"]["min_headroom_bytes"], 0);
  r.kernel_peak_bytes = 0;
  Sample& last = r.samples.back();
  last.peak_bytes = 63 * Mi;  // the peak carried by a sample counts as well
  EXPECT_EQ(to_json(r)["memory"]["min_headroom_bytes"], static_cast<std::int64_t>(1 * Mi));
  EXPECT_EQ(lowest_headroom(last), static_cast<std::int64_t>(1 * Mi));
}

TEST(ReportJsonTest, PsiIsNullWhenNoSampleHadIt) {
  ReportData r = full_report();
  for (auto& s : r.samples) s.system_psi.reset();
  json j = to_json(r);
  EXPECT_TRUE(j["psi"]["system"].is_null());
  EXPECT_TRUE(j["psi"]["cgroup"].is_object());
  for (const auto& s : j["samples"]) EXPECT_TRUE(s["system_psi"].is_null());
}

TEST(ReportJsonTest, WithoutSamplesTheFiguresAreEmptyNotInvented) {
  ReportData r = full_report();
  r.samples.clear();
  r.kernel_peak_bytes = 0;
  json j = to_json(r);
  EXPECT_EQ(j["memory"]["peak_bytes"], 0);
  EXPECT_TRUE(j["memory"]["min_headroom_bytes"].is_null());
  EXPECT_EQ(j["memory"]["max_kernel_bytes"], 0);
  EXPECT_EQ(j["oom_kills"], 0);
  EXPECT_TRUE(j["psi"]["cgroup"].is_null());
  EXPECT_TRUE(j["psi"]["system"].is_null());
  EXPECT_TRUE(j["samples"].is_array());
  EXPECT_TRUE(j["samples"].empty());
}

TEST(ReportJsonTest, OomKillsAreTheCumulativeMaximumNotTheLastSample) {
  ReportData r = full_report();
  r.samples.push_back(sample(3.0, 0, 64 * Mi, 0, 0));  // a last reading that lost the count
  EXPECT_EQ(to_json(r)["oom_kills"], 1);
}

TEST(ReportJsonTest, HeadlineFieldsAndTimes) {
  json j = to_json(full_report());
  EXPECT_EQ(j["report_version"], kReportVersion);
  EXPECT_EQ(j["campaign"], "smoke");
  EXPECT_EQ(j["id"], "smoke-20261122T074512-3f2a");
  EXPECT_EQ(j["description"], "A test campaign");
  EXPECT_EQ(j["file"], "configs/smoke.yaml");
  EXPECT_EQ(j["started_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["ended_at"], "2023-11-14T22:13:23.456Z");
  EXPECT_EQ(j["started_unix_ms"], 1'700'000'000'123);
  EXPECT_EQ(j["duration_planned_s"], 3.0);
  EXPECT_EQ(j["duration_actual_s"], 3.2);
  EXPECT_EQ(j["verdict"], "failed");
  EXPECT_THAT(j["reason"].get<std::string>(), HasSubstr("criteria failed"));
  EXPECT_EQ(j["host"]["kernel_release"], "6.18.0");
  EXPECT_EQ(j["host"]["cpus"], 2);
  EXPECT_EQ(j["cgroup"]["path"], "/sys/fs/cgroup/memory/memtorture/smoke-x");
  EXPECT_EQ(j["cgroup"]["psi_path"], "/sys/fs/cgroup/unified/memtorture/smoke-x");
  EXPECT_EQ(j["psi_trigger"]["armed"], true);
  EXPECT_EQ(j["psi_trigger"]["trigger"], "some 100000 2000000");
  EXPECT_EQ(j["psi_trigger"]["events_s"], json::array({1.5}));
  EXPECT_EQ(j["oom_kill_times_s"], json::array({2.0}));
  EXPECT_EQ(j["campaign_yaml"], "campaign: smoke\nduration: 3s\n");
  ASSERT_THAT(j["workloads"], SizeIs(2));
  EXPECT_EQ(j["workloads"][1]["exit_status"], "killed by SIGKILL (OOM kill)");
  EXPECT_EQ(j["workloads"][1]["bytes"], 48 * Mi);
  ASSERT_THAT(j["criteria"], SizeIs(2));
  EXPECT_EQ(j["criteria"][0]["pass"], false);
  ASSERT_THAT(j["samples"], SizeIs(3));
  EXPECT_EQ(j["samples"][1]["usage_bytes"], 60 * Mi);
  EXPECT_EQ(j["samples"][1]["cgroup_psi"]["some_stall_delta_us"], 400'000);
  EXPECT_TRUE(j["samples"][1]["system_psi"].is_null());
}

TEST(ReportJsonTest, EveryVerdictIsSpelledAsTheStateName) {
  ReportData r = full_report();
  for (State s : {State::passed, State::failed, State::aborted, State::error}) {
    r.verdict = s;
    EXPECT_EQ(to_json(r)["verdict"], std::string(to_string(s)));
  }
}

TEST(ReportJsonTest, UnlimitedHeadroomSurvivesAsAnExactInteger) {
  ReportData r = full_report();
  Sample s = sample(0, 1 * Mi, 0);
  s.limit_bytes = UINT64_MAX;
  s.headroom_bytes = INT64_MAX;
  r.samples = {s};
  json back = json::parse(to_json(r).dump());
  EXPECT_EQ(back["memory"]["min_headroom_bytes"].get<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(back["samples"][0]["limit_bytes"].get<std::uint64_t>(), UINT64_MAX);
}

// ---- write_report ------------------------------------------------------------------------

TEST(WriteReportTest, WritesReportJsonAndLeavesNoTemporaryFile) {
  TempDir dir;
  json report = to_json(full_report());
  ASSERT_TRUE(write_report(dir.path(), report).ok());
  EXPECT_TRUE(stdfs::exists(dir / "report.json"));
  EXPECT_FALSE(stdfs::exists(dir / "report.json.tmp"));
  json back = json::parse(testing::read_text(dir / "report.json"));
  EXPECT_EQ(back, report);
  // Nothing else is left in the directory.
  EXPECT_EQ(std::distance(stdfs::directory_iterator(dir.path()), stdfs::directory_iterator()), 1);
}

TEST(WriteReportTest, ReplacesAnEarlierReportWhole) {
  TempDir dir;
  ReportData r = full_report();
  ASSERT_TRUE(write_report(dir.path(), to_json(r)).ok());
  r.verdict = State::aborted;
  r.samples.clear();  // a shorter report must not leave the tail of the longer one behind
  ASSERT_TRUE(write_report(dir.path(), to_json(r)).ok());
  json back = json::parse(testing::read_text(dir / "report.json"));
  EXPECT_EQ(back["verdict"], "aborted");
  EXPECT_TRUE(back["samples"].empty());
}

TEST(WriteReportTest, AMissingDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  const auto missing = dir / "no" / "such";
  Status st = write_report(missing, to_json(full_report()));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr((missing / "report.json.tmp").string()));
  EXPECT_FALSE(stdfs::exists(missing));
}

// ---- view_from_report ----------------------------------------------------------------------

TEST(ViewFromReportTest, RoundTripsWhatToJsonWrote) {
  const ReportData r = full_report();
  // As load_reports sees it: text on disk, parsed again.
  json j = json::parse(to_json(r).dump(2));
  auto v = view_from_report(j, "/state/reports/x/report.json");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->id, r.id);
  EXPECT_EQ(v->name, "smoke");
  EXPECT_EQ(v->state, State::failed);
  EXPECT_EQ(v->reason, r.reason);
  EXPECT_EQ(v->elapsed_s, 3.2);
  EXPECT_EQ(v->duration_s, 3.0);
  EXPECT_EQ(v->file_name, "configs/smoke.yaml");
  EXPECT_EQ(v->started_unix_ms, 1'700'000'000'123);
  EXPECT_EQ(v->report_path, "/state/reports/x/report.json");
  EXPECT_EQ(v->peak_bytes, 60 * Mi);
  ASSERT_TRUE(v->min_headroom_bytes);
  EXPECT_EQ(*v->min_headroom_bytes, static_cast<std::int64_t>(4 * Mi));

  ASSERT_THAT(v->workloads, SizeIs(2));
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = v->workloads[i];
    const auto& b = r.workloads[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.pid, b.pid);
    EXPECT_EQ(a.threads, b.threads);
    EXPECT_EQ(a.ops, b.ops);
    EXPECT_EQ(a.ops_per_s, b.ops_per_s);
    EXPECT_EQ(a.errors, b.errors);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.exit_status, b.exit_status);
  }
  ASSERT_THAT(v->criteria, SizeIs(2));
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(v->criteria[i].name, r.criteria[i].name);
    EXPECT_EQ(v->criteria[i].limit, r.criteria[i].limit);
    EXPECT_EQ(v->criteria[i].value, r.criteria[i].value);
    EXPECT_EQ(v->criteria[i].pass, r.criteria[i].pass);
    EXPECT_EQ(v->criteria[i].detail, r.criteria[i].detail);
  }
  // The latest sample is the last one of the series.
  ASSERT_TRUE(v->latest);
  EXPECT_EQ(v->latest->t_s, 2.0);
  EXPECT_EQ(v->latest->usage_bytes, 30 * Mi);
  EXPECT_EQ(v->latest->limit_bytes, 64 * Mi);
  EXPECT_EQ(v->latest->headroom_bytes, static_cast<std::int64_t>(34 * Mi));
  EXPECT_EQ(v->latest->kernel_bytes, 3 * Mi);
  EXPECT_EQ(v->latest->oom_kills, 1u);
}

TEST(ViewFromReportTest, EveryFinalVerdictComesBack) {
  ReportData r = full_report();
  for (State s : {State::passed, State::failed, State::aborted, State::error}) {
    r.verdict = s;
    auto v = view_from_report(to_json(r), "p");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->state, s) << to_string(s);
  }
}

TEST(ViewFromReportTest, NoSamplesMeansNoLatestAndNoMinHeadroom) {
  ReportData r = full_report();
  r.samples.clear();
  auto v = view_from_report(to_json(r), "p");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v->latest);
  EXPECT_FALSE(v->min_headroom_bytes);
  EXPECT_EQ(v->peak_bytes, 0u);
}

TEST(ViewFromReportTest, ANonReportJsonIsAnErrorNamingThePath) {
  for (const char* text : {R"({"hello": "world"})", R"([1, 2, 3])", R"("report")",
                           R"({"id": "x", "campaign": "c", "verdict": "passed"})",
                           R"({"id": 7, "campaign": "c", "verdict": "passed", "workloads": [],
                               "criteria": [], "memory": {}, "samples": []})"}) {
    auto v = view_from_report(json::parse(text), "/state/reports/junk/report.json");
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_THAT(v.error().message,
                StartsWith("/state/reports/junk/report.json: not a memtorture report"))
        << text;
  }
}

TEST(ViewFromReportTest, TextThatDidNotParseIsAnErrorNotACrash) {
  // What load_reports hands over for a truncated file: parse without exceptions.
  json j = json::parse(R"({"id": "cut-sh)", nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(j.is_discarded());
  auto v = view_from_report(j, "r.json");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr("not a memtorture report"));
}

// ---- any JSON --------------------------------------------------------------------------------

// Found by tests/fuzz (report): sample_from_json() of a value that is no object threw
// ({"hello": "world"}: a journal line's "sample" may be anything), and a number a field cannot
// hold (a usage of -1, a headroom of 1e300, a pid of 2^40) was a cast with undefined behaviour.
// A field that cannot be read takes its default, as a missing one does.
TEST(ReportLoaders, AnyJsonReadsWithDefaultsNeverAnException) {
  for (const char* text : {R"("world")", "7", "null", "[1, 2]", R"({"hello": "world"})"}) {
    EXPECT_NO_THROW(sample_from_json(json::parse(text))) << text;
    EXPECT_NO_THROW(workload_from_json(json::parse(text))) << text;
  }
  const Sample s = sample_from_json(json::parse(R"({
      "t_s": "soon", "usage_bytes": -1, "limit_bytes": 64.0, "headroom_bytes": 1e300,
      "oom_kills": 2e19, "failcnt": 3.7,
      "cgroup_psi": {"some_avg10": "x", "full_avg10": 2, "some_stall_delta_us": -3},
      "system_psi": "none", "metrics": {"a": "b", "c": 1}})"));
  EXPECT_EQ(s.t_s, 0);
  EXPECT_EQ(s.usage_bytes, 0u);
  EXPECT_EQ(s.limit_bytes, 64u);
  EXPECT_EQ(s.headroom_bytes, 0);
  EXPECT_EQ(s.oom_kills, 0u) << "2e19 is above 2^64";
  EXPECT_EQ(s.failcnt, 3u);
  ASSERT_TRUE(s.cgroup_psi);
  EXPECT_EQ(s.cgroup_psi->some_avg10, 0);
  EXPECT_EQ(s.cgroup_psi->full_avg10, 2);
  EXPECT_EQ(s.cgroup_psi->some_stall_delta_us, 0u);
  EXPECT_FALSE(s.system_psi);
  EXPECT_EQ(s.metrics, (std::map<std::string, double>{{"c", 1}}));

  const WorkloadStatus w = workload_from_json(json::parse(
      R"({"name": 7, "kind": "anon", "pid": 1099511627776, "threads": -2, "ops": 12.0,
          "errors": -1e300, "paused": "yes", "rate": "fast"})"));
  EXPECT_EQ(w.name, "");
  EXPECT_EQ(w.kind, "anon");
  EXPECT_EQ(w.pid, 0);
  EXPECT_EQ(w.threads, -2);
  EXPECT_EQ(w.ops, 12u);
  EXPECT_EQ(w.errors, 0u);
  EXPECT_FALSE(w.paused);
  EXPECT_EQ(w.rate, 0);
}

TEST(ViewFromReportTest, FiguresOutOfRangeReadAsUnknownNotUndefined) {
  json j = json::parse(to_json(full_report()).dump());
  j["memory"]["min_headroom_bytes"] = 1e300;
  j["memory"]["peak_bytes"] = -5;
  j["started_unix_ms"] = -1e300;
  j["reason"] = 42;
  j["workloads"] = json::array({"not a workload", json::object()});
  auto v = view_from_report(j, "p");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v->min_headroom_bytes);
  EXPECT_EQ(v->peak_bytes, 0u);
  EXPECT_EQ(v->started_unix_ms, 0);
  EXPECT_EQ(v->reason, "");
  EXPECT_THAT(v->workloads, SizeIs(2));
}

}  // namespace
}  // namespace mt::daemon
