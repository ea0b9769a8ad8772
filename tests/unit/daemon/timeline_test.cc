// A whole campaign's timeline in a unit test: the real CampaignRunner on a fake clock
// (ManualScheduler), a fake cgroupfs (FakeCgroupFs) and fake workers (FakeWorkers), with
// recording parts beside the built-in ones. No root, no sleeps: every time below is exact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "campaign/parse.h"
#include "common/scheduler.h"
#include "daemon/campaign_runner.h"
#include "daemon/variants_runner.h"
#include "tests/fakes/fake_cgroupfs.h"
#include "tests/unit/daemon/daemon_testing.h"
#include "tests/unit/daemon/fake_workers.h"

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Mi;

// Writes what the runner makes it do into a shared log: "<name> <what>".
class RecordingPart final : public CampaignPart {
 public:
  RecordingPart(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  std::string_view name() const override { return name_; }
  Status setup(PartContext& cx) override {
    log_.push_back(name_ + " setup");
    if (fail_setup_) return make_error("no such probe on this kernel");
    return {};
  }
  Status measure(Sample& s, PartContext&) override {
    if (fail_at_ && s.t_s >= *fail_at_) return make_error("the probe went away");
    return {};
  }
  void on_sample(const Sample& s, PartContext&) override {
    log_.push_back(fmt::format("{} sample {:.1f}", name_, s.t_s));
  }
  void on_workload_exit(const WorkloadExit& e, PartContext& cx) override {
    log_.push_back(fmt::format("{} exit {} {:.1f}", name_, e.name, cx.now_s()));
  }
  void on_event(const Event& e, PartContext&) override {
    if (auto* oom = std::get_if<OomKill>(&e.body))
      log_.push_back(fmt::format("{} oom_kill {} {}", name_, oom->total, oom->workload));
  }
  Status teardown(PartContext&) override {
    log_.push_back(name_ + " teardown");
    if (fail_teardown_) return make_error("a knob was left changed");
    return {};
  }
  std::optional<double> fail_at_;
  bool fail_setup_ = false, fail_teardown_ = false;

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

class TimelineTest : public ::testing::Test {
 protected:
  TimelineTest() {
    fs_->add_hierarchy(tree_ / "cg", cgroup::FakeCgroupFs::Flavor::v2, "memory pids");
  }

  RunnerOptions options() {
    RunnerOptions o;
    o.state_dir = tree_ / "state";
    o.worker_path = "/usr/lib/memtorture/memtorture-worker";  // never run: the workers are fake
    o.layout = {.mode = cgroup::Mode::v2,
                .memory_root = tree_ / "cg",
                .memory_v2 = true,
                .unified_root = tree_ / "cg"};
    o.cgroup_prefix = "memtorture-unit";
    o.system_pressure = tree_ / "no-system-psi";
    o.stop_grace = 3s;
    o.cgroup_ops = fs_;
    o.worker_ops = workers_;
    // No BPF from a unit test: the ledger part says why it is off, and the campaign runs on.
    o.ledger_open = [](const rcu::LedgerOptions&) -> Result<std::unique_ptr<rcu::Ledger>> {
      return make_error("no RCU ledger in unit tests");
    };
    o.extra_parts = [this] {
      std::vector<std::unique_ptr<CampaignPart>> parts;
      auto a = std::make_unique<RecordingPart>("A", log_);
      a->fail_at_ = fail_at_;
      a->fail_setup_ = fail_setup_;
      a->fail_teardown_ = fail_teardown_;
      parts.push_back(std::move(a));
      parts.push_back(std::make_unique<RecordingPart>("B", log_));
      return parts;
    };
    return o;
  }

  // Starts campaign `yaml`; the PSI trigger is off (a fixture file cannot be polled).
  void start(const std::string& yaml) {
    campaign::ParseOptions po;
    po.file_name = "timeline.yaml";
    auto parsed = campaign::parse_campaign(yaml + "psi_trigger:\n  enabled: false\n", po);
    ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors[0].str());
    CampaignInput in{"c1", po.file_name, campaign::to_yaml(*parsed.spec), *parsed.spec, {}};
    runner_.emplace(io_, timers_, options(), std::move(in),
                    [this](const Event& e) { events_.push_back(e); }, [this] { finished_ = true; });
    runner_->start();
    io_.poll();
  }
  // Moves the fake clock to `t_s` seconds after the start in 10 ms steps, letting the runner see
  // its descriptors (reports, exits) after each.
  void run_to(double t_s) {
    while (now_s() + 1e-9 < t_s) {
      timers_.advance(10ms);
      io_.poll();
    }
  }
  // Until the runner has finished (its cgroup removal runs on a thread of its own).
  void run_to_end() {
    for (int i = 0; i < 20000 && !finished_; ++i)
      if (io_.run_one_for(5ms) == 0) timers_.advance(10ms);
    ASSERT_TRUE(finished_) << "the campaign did not finish";
  }
  double now_s() const { return (clock_.now() - t0_) / 1.0s; }

  stdfs::path cgroup_dir() const { return tree_ / "cg" / "memtorture-unit" / "c1"; }
  template <class T>
  std::vector<std::pair<double, T>> all() const {
    std::vector<std::pair<double, T>> out;
    for (const auto& e : events_)
      if (auto* p = std::get_if<T>(&e.body)) out.emplace_back(e.t_s, *p);
    return out;
  }
  WorkloadStatus workload(const std::string& name) const {
    for (const auto& w : runner_->view().workloads)
      if (w.name == name) return w;
    return {};
  }
  nlohmann::json report() const {
    return nlohmann::json::parse(testing::read_text(tree_ / "state" / "reports" / "c1" / "report.json"));
  }
  void report_counters(pid_t pid, std::uint64_t ops, std::uint64_t bytes) {
    workloads::Counters c;
    c.ops = ops;
    c.bytes = bytes;
    workers_->report(pid, workloads::format_counters(c, false));
  }

  testing::TempDir tree_;
  std::shared_ptr<cgroup::FakeCgroupFs> fs_ = std::make_shared<cgroup::FakeCgroupFs>();
  std::shared_ptr<testing::FakeWorkers> workers_ = std::make_shared<testing::FakeWorkers>();
  boost::asio::io_context io_;
  FakeClock clock_;
  ManualScheduler timers_{clock_};
  const Clock::time_point t0_ = clock_.now();
  std::optional<double> fail_at_;
  bool fail_setup_ = false, fail_teardown_ = false;  // of part A
  std::vector<std::string> log_;
  std::vector<Event> events_;
  bool finished_ = false;
  std::optional<CampaignRunner> runner_;
};

constexpr const char* kTwoWorkloads = R"(campaign: timeline
duration: 2s
sample_interval: 100ms
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 8Mi
  - name: flood
    type: flood
    kind: udp_socket
    start_after: 500ms
)";

TEST_F(TimelineTest, ACampaignRunsItsWholeTimelineOnTheFakeClock) {
  start(kTwoWorkloads);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(workers_->spawned(), 1u) << "the flood starts after 500ms";
  const pid_t hog = workers_->pid(0);
  EXPECT_EQ(workers_->proc(hog).options.cgroup_procs,
            std::vector<stdfs::path>{cgroup_dir() / "cgroup.procs"});
  run_to(0.3);
  report_counters(hog, 8, 8 * Mi);
  testing::write_text(cgroup_dir() / "memory.current", std::to_string(9 * Mi) + "\n");
  run_to(0.49);
  EXPECT_EQ(workers_->spawned(), 1u);
  run_to(0.5);
  ASSERT_EQ(workers_->spawned(), 2u);
  EXPECT_EQ(workload("flood").state, "running");
  run_to(1.95);
  EXPECT_FALSE(finished_);
  EXPECT_TRUE(workers_->proc(hog).signals.empty()) << "nothing is stopped before the duration";
  run_to_end();

  // A sample every 100 ms from 0 to 1.9, the duration's stop at 2.0, and the last look then.
  std::vector<double> times;
  for (const auto& [t, s] : all<Sample>()) times.push_back(std::round(s.t_s * 10) / 10);
  std::vector<double> expected;
  for (int i = 0; i <= 20; ++i) expected.push_back(i / 10.0);
  EXPECT_EQ(times, expected);
  EXPECT_EQ(all<Sample>().back().second.usage_bytes, 9 * Mi) << "the cgroup's usage, sampled";
  EXPECT_EQ(all<Sample>().front().second.usage_bytes, 0u);
  EXPECT_EQ(all<Sample>().back().second.limit_bytes, 64 * Mi);
  for (pid_t pid : {hog, workers_->pid(1)})
    EXPECT_THAT(workers_->proc(pid).signals, ElementsAre(SIGTERM)) << "stopped once, gently";
  EXPECT_EQ(workload("hog").bytes, 8 * Mi);
  EXPECT_EQ(workload("hog").state, "exited");

  // The parts: set up in order before the first sample, every sample seen, torn down in
  // reverse order after the last one.
  ASSERT_GE(log_.size(), 4u);
  EXPECT_EQ(log_[0], "A setup");
  EXPECT_EQ(log_[1], "B setup");
  EXPECT_EQ(log_[2], "A sample 0.0");
  EXPECT_THAT(std::vector(log_.end() - 2, log_.end()), ElementsAre("B teardown", "A teardown"));
  EXPECT_EQ(std::count_if(log_.begin(), log_.end(),
                          [](const std::string& l) { return l.starts_with("B sample"); }),
            21);
  auto at = [&](const std::string& line) { return std::find(log_.begin(), log_.end(), line); };
  EXPECT_LT(at("B exit flood 2.0"), at("B sample 2.0")) << "every worker gone before the last look";
  EXPECT_LT(at("B sample 2.0"), at("B teardown"));

  EXPECT_EQ(runner_->state(), State::passed) << runner_->view().reason;
  EXPECT_FALSE(stdfs::exists(cgroup_dir())) << "the cgroup is removed";
  EXPECT_FALSE(stdfs::exists(tree_ / "state" / "run" / "c1"));
  const auto r = report();
  EXPECT_EQ(r["verdict"], "passed");
  EXPECT_EQ(r["samples"].size(), 21u);
  EXPECT_EQ(r["duration_actual_s"], 2.0);
}

TEST_F(TimelineTest, AnOomKillIsAttributedToItsWorkerAndFailsTheCampaign) {
  start(kTwoWorkloads);
  ASSERT_FALSE(HasFatalFailure());
  run_to(1.0);
  const pid_t hog = workers_->pid(0);
  // The kernel counts the kill, then the worker dies of a SIGKILL the runner did not send.
  testing::write_text(cgroup_dir() / "memory.events",
                      "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
  io_.poll();
  // Said once, at once: the change of memory.events (inotify) tells it before the worker's
  // exit and before the next sample, and the sample does not say it again.
  ASSERT_EQ(all<OomKill>().size(), 1u);
  EXPECT_EQ(all<OomKill>()[0].second.workload, "");
  EXPECT_DOUBLE_EQ(all<OomKill>()[0].first, 1.0);
  EXPECT_THAT(log_, ::testing::Contains("A oom_kill 1 ")) << "the parts hear of it";
  // Then the worker dies of a SIGKILL the runner did not send: the kill was its.
  workers_->end(hog, SIGKILL);
  io_.poll();
  bool named = false;
  for (const auto& [t, line] : all<LogLine>())
    named = named || line.text.starts_with("OOM kill #1 was workload hog");
  EXPECT_TRUE(named);
  run_to(1.5);
  EXPECT_EQ(all<OomKill>().size(), 1u);
  EXPECT_EQ(workload("hog").state, "killed");
  EXPECT_THAT(workload("hog").exit_status, HasSubstr("(OOM kill)"));
  run_to_end();
  EXPECT_EQ(runner_->state(), State::failed);
  EXPECT_THAT(runner_->view().reason, HasSubstr("hog"));
  const auto r = report();
  EXPECT_EQ(r["oom_kill_times_s"], nlohmann::json::array({1.0}));
  ASSERT_EQ(r["parts"]["oom"]["kills"].size(), 1u);
  EXPECT_EQ(r["parts"]["oom"]["detection"], "memory.events");
  EXPECT_EQ(r["parts"]["oom"]["kills"][0]["via"], "memory.events");
  EXPECT_EQ(r["parts"]["oom"]["kills"][0]["workload"], "hog");
}

// The OOM proximity part over a cgroup that grows 8 MiB/s into its 64Mi limit and is killed:
// an ETA in the samples once the growth stands out, level changes as log lines with the reason,
// and in the report what the estimate said 1, 2 and 5 s before the kill.
TEST_F(TimelineTest, AGrowingCgroupGetsAnEtaAndTheReportSaysWhatItSaidBeforeTheKill) {
  start(R"(campaign: ramp
duration: 9s
sample_interval: 100ms
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 8Mi
)");
  ASSERT_FALSE(HasFatalFailure());
  const auto usage = [this](double mib) {
    testing::write_text(cgroup_dir() / "memory.current",
                        std::to_string(static_cast<std::uint64_t>(mib * Mi)) + "\n");
  };
  // 4 MiB at the start, +0.8 MiB every 100 ms: 63.2 MiB at 7.4 s; the kill comes at 7.45 s.
  for (int i = 0; i <= 74; ++i) {
    usage(4 + 0.8 * i);
    run_to(i * 0.1 + 0.05);
  }
  testing::write_text(cgroup_dir() / "memory.events", "max 9\noom 1\noom_kill 1\n");
  usage(1);
  io_.poll();
  run_to_end();

  std::optional<double> first_eta_at;
  for (const auto& [t, smp] : all<Sample>()) {
    const auto eta = smp.metrics.find("oom.eta_s");
    if (eta == smp.metrics.end()) continue;
    if (!first_eta_at) first_eta_at = smp.t_s;
    if (smp.t_s > 1.5 && smp.t_s < 7.4) {
      // What is left over 8 MiB/s, from the usage in the same sample.
      const double left_s = (64.0 * Mi - static_cast<double>(smp.usage_bytes)) / (8.0 * Mi);
      EXPECT_NEAR(eta->second, left_s, 0.1 + 0.05 * left_s) << smp.t_s;
    }
  }
  ASSERT_TRUE(first_eta_at) << "no sample had an ETA";
  EXPECT_LE(*first_eta_at, 1.5) << "an ETA once there are a second's points";
  EXPECT_GE(*first_eta_at, 0.9);

  std::vector<std::string> changes;
  for (const auto& [t, line] : all<LogLine>())
    if (line.text.starts_with("OOM proximity ")) changes.push_back(line.text);
  ASSERT_GE(changes.size(), 3u);
  EXPECT_THAT(changes[0], HasSubstr("OOM proximity ok -> elevated: headroom"));
  EXPECT_THAT(changes[0], HasSubstr("and falling 8.0Mi/s; oom in ~"));
  EXPECT_THAT(changes, ::testing::Contains(HasSubstr("elevated -> critical")));
  EXPECT_THAT(changes, ::testing::Contains(HasSubstr("critical -> oom: OOM kill")));

  const auto r = report()["parts"]["oom_proximity"];
  ASSERT_EQ(r["kills"].size(), 1u);
  const auto& before = r["kills"][0]["before"];
  ASSERT_EQ(before.size(), 4u);
  EXPECT_EQ(before[0]["seconds_before"], 10.0);
  EXPECT_TRUE(before[0]["said"].is_null()) << "the campaign was 7.45 s old";
  for (int i = 1; i < 4; ++i) {
    ASSERT_FALSE(before[i]["said"].is_null()) << i;
    ASSERT_TRUE(before[i]["eta_error_pct"].is_number()) << i;
    EXPECT_LT(std::abs(before[i]["eta_error_pct"].get<double>()), 10.0) << before[i].dump();
  }
  EXPECT_EQ(r["level_changes"][0]["from"], "ok");
  EXPECT_TRUE(r["lowest_eta_s"].is_number());
}

// A campaign whose memory does not grow never shows an ETA, and min_oom_eta_s passes.
TEST_F(TimelineTest, AFlatCgroupNeverShowsAnEta) {
  start(R"(campaign: flat
duration: 3s
sample_interval: 100ms
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 8Mi
criteria:
  min_oom_eta_s: 5
)");
  ASSERT_FALSE(HasFatalFailure());
  testing::write_text(cgroup_dir() / "memory.current", std::to_string(20 * Mi) + "\n");
  run_to_end();
  ASSERT_GE(all<Sample>().size(), 20u);
  for (const auto& [t, smp] : all<Sample>()) {
    EXPECT_FALSE(smp.metrics.contains("oom.eta_s")) << smp.t_s;
    EXPECT_EQ(smp.metrics.at("oom.proximity"), 0.0) << smp.t_s;
  }
  EXPECT_EQ(runner_->state(), State::passed) << runner_->view().reason;
}

TEST_F(TimelineTest, AWorkerThatIgnoresSigtermIsKilledAfterTheGraceAndThatIsNoOomKill) {
  start(R"(campaign: stubborn
duration: 1s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
)");
  ASSERT_FALSE(HasFatalFailure());
  const pid_t flood = workers_->pid(0);
  workers_->proc(flood).ignores_sigterm = true;
  // An OOM kill of something else earlier: the counter is ahead, yet our SIGKILL is ours.
  testing::write_text(cgroup_dir() / "memory.events", "oom_kill 1\n");
  run_to(3.99);
  EXPECT_THAT(workers_->proc(flood).signals, ElementsAre(SIGTERM));
  run_to(4.0);
  EXPECT_THAT(workers_->proc(flood).signals, ElementsAre(SIGTERM, SIGKILL))
      << "SIGKILL exactly the grace period after SIGTERM";
  run_to_end();
  EXPECT_THAT(workload("flood").exit_status, ::testing::Not(HasSubstr("OOM")));
  EXPECT_EQ(all<OomKill>().size(), 1u) << "the counted kill, not attributed to the flood";
  EXPECT_EQ(all<OomKill>()[0].second.workload, "");
}

// rcutorture unloads its module as it stops and waits for the module's end line: it gets the
// unload grace, not the 3 s of the others; a workload that had to be SIGKILLed fails the campaign.
TEST_F(TimelineTest, AnRcutortureWorkerGetsTimeToUnloadAndAKilledWorkerFailsTheCampaign) {
  start(R"(campaign: unload
duration: 1s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
  - name: torture
    type: rcutorture
)");
  ASSERT_FALSE(HasFatalFailure());
  const pid_t flood = workers_->pid(0), torture = workers_->pid(1);
  workers_->proc(flood).ignores_sigterm = true;
  workers_->proc(torture).ignores_sigterm = true;  // busy unloading
  run_to(4.0);
  EXPECT_THAT(workers_->proc(flood).signals, ElementsAre(SIGTERM, SIGKILL));
  EXPECT_THAT(workers_->proc(torture).signals, ElementsAre(SIGTERM)) << "still unloading";
  run_to(6.5);
  workers_->end(torture, 0);  // "End of test: SUCCESS" read, module gone
  run_to_end();
  EXPECT_THAT(workers_->proc(torture).signals, ElementsAre(SIGTERM));
  EXPECT_EQ(workload("torture").state, "exited");
  EXPECT_EQ(runner_->state(), State::failed);
  EXPECT_THAT(runner_->view().reason,
              HasSubstr("workload flood did not stop: killed by SIGKILL after it ignored SIGTERM "
                        "for 3000 ms"));
  EXPECT_THAT(runner_->view().reason, ::testing::Not(HasSubstr("torture")));
}

TEST_F(TimelineTest, AnRcutortureWorkerThatNeverEndsIsKilledAfterTheUnloadGrace) {
  start(R"(campaign: unload
duration: 1s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: torture
    type: rcutorture
)");
  ASSERT_FALSE(HasFatalFailure());
  const pid_t torture = workers_->pid(0);
  workers_->proc(torture).ignores_sigterm = true;
  run_to(35.99);
  EXPECT_THAT(workers_->proc(torture).signals, ElementsAre(SIGTERM));
  run_to(36.0);
  EXPECT_THAT(workers_->proc(torture).signals, ElementsAre(SIGTERM, SIGKILL))
      << "SIGKILL exactly the unload grace after SIGTERM";
  run_to_end();
  EXPECT_EQ(runner_->state(), State::failed);
  EXPECT_THAT(workload("torture").exit_status, HasSubstr("ignored SIGTERM for 35000 ms"));
}

TEST_F(TimelineTest, APartThatCannotMeasureEndsTheCampaignAndEveryPartIsStillTornDown) {
  fail_at_ = 0.3;
  start(kTwoWorkloads);
  ASSERT_FALSE(HasFatalFailure());
  run_to_end();
  EXPECT_EQ(runner_->state(), State::error);
  EXPECT_THAT(runner_->view().reason, HasSubstr("A: the probe went away"));
  EXPECT_EQ(workers_->spawned(), 1u) << "the flood due at 500ms never started";
  EXPECT_DOUBLE_EQ(all<Sample>().back().second.t_s, 0.2) << "the failed sample is dropped";
  EXPECT_THAT(workers_->proc(workers_->pid(0)).signals, ElementsAre(SIGTERM));
  EXPECT_THAT(std::vector(log_.end() - 2, log_.end()), ElementsAre("B teardown", "A teardown"));
  EXPECT_FALSE(stdfs::exists(cgroup_dir()));
  EXPECT_EQ(report()["verdict"], "error");
}

TEST_F(TimelineTest, APartThatCannotBeSetUpStopsTheCampaignBeforeAnyWorkerStarts) {
  fail_setup_ = true;
  start(kTwoWorkloads);
  ASSERT_FALSE(HasFatalFailure());
  run_to_end();
  EXPECT_EQ(runner_->state(), State::error);
  EXPECT_THAT(runner_->view().reason, HasSubstr("A: no such probe on this kernel"));
  EXPECT_EQ(workers_->spawned(), 0u);
  // A's teardown undoes what its setup did before failing; B was never set up.
  EXPECT_THAT(log_, ElementsAre("A setup", "A teardown"));
  EXPECT_FALSE(stdfs::exists(cgroup_dir()));
  EXPECT_EQ(report()["verdict"], "error");
}

TEST_F(TimelineTest, ATeardownThatLeavesSomethingBehindMakesTheVerdictAnError) {
  fail_teardown_ = true;
  start(kTwoWorkloads);
  ASSERT_FALSE(HasFatalFailure());
  run_to_end();
  EXPECT_EQ(runner_->state(), State::error);
  EXPECT_THAT(runner_->view().reason, HasSubstr("cleanup failed: A: a knob was left changed"));
  EXPECT_THAT(std::vector(log_.end() - 2, log_.end()), ElementsAre("B teardown", "A teardown"));
}

}  // namespace
}  // namespace mt::daemon

namespace mt::daemon {
namespace {

// A variants campaign's expected length ("[12.0s/27.0s]" in `watch`): its runs and the settle
// steps between them, and never less than the time it has already taken.
TEST_F(TimelineTest, AVariantsCampaignExpectsItsRunsAndSettleStepsAndNeverLessThanItTook) {
  campaign::ParseOptions po;
  po.file_name = "ab.yaml";
  auto parsed = campaign::parse_campaign(std::string(kTwoWorkloads) +
                                             "psi_trigger:\n  enabled: false\n"
                                             "variants:\n"
                                             "  - name: a\n    repeat: 2\n"
                                             "  - name: b\n",
                                         po);
  ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors[0].str());
  CampaignInput in{"ab", po.file_name, campaign::to_yaml(*parsed.spec), *parsed.spec, {}};
  VariantsOptions vo;
  vo.settle = 1s;
  vo.barrier = []() -> Result<std::chrono::nanoseconds> { return std::chrono::nanoseconds(1ms); };
  VariantsRunner v(io_, timers_, options(), std::move(in),
                   [this](const Event& e) { events_.push_back(e); }, [this] { finished_ = true; },
                   vo);
  v.start();
  io_.poll();
  // Three runs of 2 s and two settle steps of 1 s.
  EXPECT_DOUBLE_EQ(v.view().duration_s, 8.0);
  double longest = 0;
  for (int i = 0; i < 20000 && !finished_; ++i) {
    if (io_.run_one_for(5ms) == 0) {
      io_.restart();  // the barrier's thread posts back to it
      timers_.advance(10ms);
    }
    const CampaignView now = v.view();
    ASSERT_GE(now.duration_s + 1e-9, now.elapsed_s) << "at " << now.elapsed_s << " s";
    longest = std::max(longest, now.duration_s);
  }
  ASSERT_TRUE(finished_);
  const CampaignView end = v.view();
  // The fake clock also moves while the cgroup removal and the barrier run on their threads,
  // so the end is at 8 s or later.
  EXPECT_GE(end.elapsed_s, 8.0 - 1e-9);
  EXPECT_DOUBLE_EQ(end.duration_s, end.elapsed_s);
  EXPECT_LE(longest, end.elapsed_s + 1.0 + 1e-9)
      << "ahead of the end by at most what was left of a settle step";
}

}  // namespace
}  // namespace mt::daemon
