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
  workers_->end(hog, SIGKILL);
  io_.poll();
  // Said once, at once, with its workload: before the next sample, and not again by it.
  ASSERT_EQ(all<OomKill>().size(), 1u);
  EXPECT_EQ(all<OomKill>()[0].second.workload, "hog");
  EXPECT_DOUBLE_EQ(all<OomKill>()[0].first, 1.0);
  EXPECT_THAT(log_, ::testing::Contains("A oom_kill 1 hog")) << "the parts hear of it";
  run_to(1.5);
  EXPECT_EQ(all<OomKill>().size(), 1u);
  EXPECT_EQ(workload("hog").state, "killed");
  EXPECT_THAT(workload("hog").exit_status, HasSubstr("(OOM kill)"));
  run_to_end();
  EXPECT_EQ(runner_->state(), State::failed);
  EXPECT_THAT(runner_->view().reason, HasSubstr("hog"));
  EXPECT_EQ(report()["oom_kill_times_s"], nlohmann::json::array({1.0}));
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
