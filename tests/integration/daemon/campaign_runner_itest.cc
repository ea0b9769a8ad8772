// CampaignRunner on the real kernel (root only): real cgroups, real memtorture-worker processes,
// an io_context run in the test thread. Everything lives under the prefix
// "memtorture-ditest-<pid>"; TearDown removes it by exact path (killing what is inside) even when
// a test fails, and removes the temp state directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "campaign/parse.h"
#include "cgroup/layout.h"
#include "common/clock.h"
#include "common/fs.h"
#include "daemon/campaign_runner.h"
#include "daemon/journal.h"

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr std::uint64_t Mi = 1ULL << 20;
constexpr Ms kStopGrace = 2000ms;
// Generous bounds for how long a campaign may take beyond its planned end: a loaded 2-core
// machine stretches start-up, sampling and teardown, but not by this much. The checks that
// matter are relations (it ran at least its duration; a stop ended it long before its
// duration); these only catch a runner that hangs.
constexpr double kSlackS = 30.0;
constexpr Ms kHangTimeout = 90s;

std::vector<pid_t> procs_of(const stdfs::path& dir) {
  std::vector<pid_t> out;
  auto text = fs::read_file(dir / "cgroup.procs");
  if (!text) return out;
  std::istringstream in(*text);
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

std::string slurp(const stdfs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string describe(const Event& e) {
  return std::visit(
      [](const auto& b) -> std::string {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, StateChange>)
          return "state " + std::string(to_string(b.state)) + ": " + b.reason;
        else if constexpr (std::is_same_v<T, OomKill>)
          return "oom_kill " + std::to_string(b.total) + " " + b.workload;
        else if constexpr (std::is_same_v<T, LogLine>)
          return "log " + b.text;
        else if constexpr (std::is_same_v<T, CriterionResult>)
          return "criterion " + b.name + (b.pass ? " pass " : " FAIL ") + b.detail;
        else if constexpr (std::is_same_v<T, PsiTriggerEvent>)
          return "psi_trigger";
        else if constexpr (std::is_same_v<T, Sample>)
          return "sample";
        else if constexpr (std::is_same_v<T, WorkloadsUpdate>)
          return "workloads";
        else
          return "snapshot";
      },
      e.body);
}

// What one campaign run left behind.
struct Outcome {
  bool finished = false;    // on_finished ran
  bool io_drained = false;  // afterwards, nothing was left pending on the io_context
  double run_s = 0;         // wall time from start() to on_finished
  std::vector<Event> events;
  CampaignView view;                    // runner.view() after the end
  std::optional<double> stop_called_s;  // wall time from start() to stop(), when stopped
  stdfs::path report_dir;

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (auto* p = std::get_if<T>(&e.body)) out.push_back(*p);
    return out;
  }
  std::vector<Sample> samples() const { return all<Sample>(); }
  // Index in `events` of the first event for which `pred(event)` holds, or events.size().
  template <class Pred>
  std::size_t first_index(Pred pred) const {
    for (std::size_t i = 0; i < events.size(); ++i)
      if (pred(events[i])) return i;
    return events.size();
  }
  const WorkloadStatus* workload(const std::string& name) const {
    for (const auto& w : view.workloads)
      if (w.name == name) return &w;
    return nullptr;
  }
  std::string event_log() const {
    std::string out;
    for (const auto& e : events) {
      auto d = describe(e);
      if (d != "sample" && d != "workloads") out += fmt_t(e.t_s) + " " + d + "\n";
    }
    return out;
  }
  static std::string fmt_t(double t) {
    std::ostringstream o;
    o.precision(3);
    o << std::fixed << t;
    return o.str();
  }
};

class CampaignRunnerITest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root: creates memory cgroups and runs workers in them";
    auto layout = cgroup::detect_layout();
    if (!layout) GTEST_SKIP() << "no memory controller on this host: " << layout.error().message;
    layout_ = *layout;
    if (!stdfs::exists(layout_.memory_root / "cgroup.procs"))
      GTEST_SKIP() << "memory controller root " << layout_.memory_root << " is not accessible";
    worker_ = stdfs::path(MT_BINARY_DIR) / "workloads" / "memtorture-worker";
    if (::access(worker_.c_str(), X_OK) != 0)
      GTEST_SKIP() << "worker binary " << worker_
                   << " is missing: build the memtorture-worker target first";
    prefix_ = "memtorture-ditest-" + std::to_string(::getpid());
    std::string tmpl = (stdfs::temp_directory_path() / "mt-ditest-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    state_dir_ = tmpl;
  }

  void TearDown() override {
    if (!prefix_.empty()) {
      for (const stdfs::path& root : {layout_.memory_root, layout_.unified_root}) {
        if (root.empty()) continue;
        remove_prefix(root / prefix_);
      }
    }
    if (!state_dir_.empty()) {
      std::error_code ec;
      stdfs::remove_all(state_dir_, ec);
    }
  }

  // Kills what is in <prefix>/<name>/ (only this test's workers can be there), rmdirs each by
  // exact path, then the prefix itself.
  static void remove_prefix(const stdfs::path& prefix_dir) {
    std::error_code ec;
    if (!stdfs::is_directory(prefix_dir, ec)) return;
    ADD_FAILURE() << prefix_dir << " was left behind by the test; removing it";
    for (int attempt = 0; attempt < 100; ++attempt) {
      bool left = false;
      for (stdfs::directory_iterator it(prefix_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_directory()) continue;
        for (pid_t p : procs_of(it->path())) ::kill(p, SIGKILL);
        if (::rmdir(it->path().c_str()) != 0 && errno != ENOENT) left = true;
      }
      if (!left) break;
      std::this_thread::sleep_for(20ms);
    }
    for (pid_t p : procs_of(prefix_dir)) ::kill(p, SIGKILL);
    if (::rmdir(prefix_dir.c_str()) != 0 && errno != ENOENT)
      ADD_FAILURE() << "TearDown could not remove " << prefix_dir << ": " << fs::errno_text(errno);
  }

  RunnerOptions options() const {
    RunnerOptions o;
    o.state_dir = state_dir_;
    o.worker_path = worker_;
    o.layout = layout_;
    o.cgroup_prefix = prefix_;
    o.host = {"itest", std::string(cgroup::to_string(layout_.mode)), layout_.memory_root.string(),
              2, 0};
    o.stop_grace = kStopGrace;
    return o;
  }

  CampaignInput input(const std::string& id, const std::string& yaml) {
    campaign::ParseOptions po;
    po.file_name = id + ".yaml";
    auto parsed = campaign::parse_campaign(yaml, po);
    if (!parsed.ok()) {
      std::string all;
      for (const auto& d : parsed.errors) all += d.str() + "\n";
      ADD_FAILURE() << "test campaign does not parse:\n" << all;
      return {};
    }
    return {id, po.file_name, campaign::to_yaml(*parsed.spec), std::move(*parsed.spec), {}};
  }

  // Runs one campaign to its end on an io_context in this thread. `stop_after`, if set, calls
  // stop() that long after start().
  Outcome run(const std::string& id, const std::string& yaml, std::optional<Ms> stop_after = {},
              RunnerOptions opts = {}, Ms timeout = kHangTimeout) {
    Outcome out;
    if (opts.state_dir.empty()) opts = options();
    CampaignInput in = input(id, yaml);
    if (in.id.empty()) return out;
    boost::asio::io_context io;
    SteadyClock clock;
    const auto t0 = std::chrono::steady_clock::now();
    auto since = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    AsioScheduler timers(io, clock);
    CampaignRunner runner(
        io, timers, opts, std::move(in), [&](const Event& e) { out.events.push_back(e); },
        [&] {
          out.finished = true;
          out.run_s = since();
        });
    out.report_dir = runner.report_dir();
    boost::asio::steady_timer stopper(io);
    if (stop_after) {
      stopper.expires_after(*stop_after);
      stopper.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        out.stop_called_s = since();
        runner.stop("stopped by the test");
      });
    }
    runner.start();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!out.finished && std::chrono::steady_clock::now() < deadline)
      if (io.run_one_until(deadline) == 0) break;  // out of work without finishing: a hang
    EXPECT_TRUE(out.finished) << "campaign did not finish within " << timeout.count() << " ms\n"
                              << out.event_log();
    out.view = runner.view();
    if (out.finished) {
      // Once finished, every timer and descriptor of the runner is done with: the loop drains.
      stopper.cancel();
      io.restart();
      const auto before = std::chrono::steady_clock::now();
      io.run_for(2s);
      out.io_drained = std::chrono::steady_clock::now() - before < 1s;
    }
    return out;
  }

  void expect_cleaned_up(const std::string& id) const {
    EXPECT_FALSE(stdfs::exists(layout_.memory_root / prefix_ / id))
        << "the campaign's memory cgroup is still there";
    if (!layout_.unified_root.empty()) {
      EXPECT_FALSE(stdfs::exists(layout_.unified_root / prefix_ / id))
          << "the campaign's cgroup2 twin is still there";
    }
    EXPECT_FALSE(stdfs::exists(state_dir_ / "run" / id)) << "the run directory is still there";
  }

  static nlohmann::json report_of(const Outcome& o) {
    const auto file = o.report_dir / "report.json";
    EXPECT_TRUE(stdfs::exists(file)) << file;
    auto j = nlohmann::json::parse(slurp(file), nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << file << " is not JSON";
    EXPECT_FALSE(stdfs::exists(o.report_dir / "report.json.tmp"));
    return j;
  }

  cgroup::Layout layout_;
  stdfs::path worker_;
  std::string prefix_;
  stdfs::path state_dir_;
};

// 1. A UDP socket flood alone in a 64Mi cgroup: kernel memory (sockets, inodes waiting in RCU)
// is charged to the cgroup, and nothing is killed. The flood is paced: unpaced, 2 threads run
// at ~350k ops/s each on an idle machine here (2026-12-02) and its first surge reaches the 64Mi
// limit in under a second, which got it OOM-killed in 6 of 8 runs (whether RCU keeps up is what
// the product measures; this test is about the runner). It starts after 500 ms, so that the
// first samples show the empty cgroup: paced, it is at its steady backlog within a sample.
TEST_F(CampaignRunnerITest, UdpFloodRaisesTheCgroupsUsageAndPasses) {
  const std::string id = "udp-flood";
  auto o = run(id, R"(campaign: udp-flood
duration: 3s
sample_interval: 100ms
cgroup:
  memory_limit: 64Mi
workloads:
  - name: udp
    type: flood
    kind: udp_socket
    threads: 2
    rate: 25000
    start_after: 500ms
criteria:
  max_oom_kills: 0
)");
  ASSERT_TRUE(o.finished);
  EXPECT_TRUE(o.io_drained) << "work left pending on the io_context after the campaign finished";
  EXPECT_EQ(o.view.state, State::passed) << o.view.reason << "\n" << o.event_log();
  EXPECT_THAT(o.view.reason, HasSubstr("duration reached"));
  // It ran its 3 s (the duration timer cannot fire early), then the runner stopped the worker:
  // the worker's log says SIGTERM, not its own max run time (duration + 10 s), whatever the
  // wall time. The upper bound only catches a hang.
  EXPECT_GE(o.run_s, 3.0);
  EXPECT_LT(o.run_s, 3.0 + kSlackS);
  EXPECT_THAT(slurp(o.report_dir / "udp.log"), HasSubstr("stopped (SIGTERM)"));

  // 30 sample times at 100 ms over 3 s; the sample timer is drift-free (a late turn catches
  // up), so even a starved loop takes most of them. A quarter is the floor.
  auto samples = o.samples();
  ASSERT_GE(samples.size(), 30u / 4) << "expected ~30 samples at 100ms over 3 s";
  std::uint64_t max_usage = 0, max_kernel = 0;
  for (const auto& s : samples) {
    max_usage = std::max(max_usage, s.usage_bytes);
    max_kernel = std::max(max_kernel, s.kernel_bytes);
    EXPECT_EQ(s.limit_bytes, 64 * Mi);
    EXPECT_EQ(s.oom_kills, 0u);
  }
  const auto& first = samples.front();
  RecordProperty("first_usage_bytes", std::to_string(first.usage_bytes));
  RecordProperty("first_kernel_bytes", std::to_string(first.kernel_bytes));
  RecordProperty("max_usage_bytes", std::to_string(max_usage));
  RecordProperty("max_kernel_bytes", std::to_string(max_kernel));
  // What waits for RCU is the flood's rate times how long a socket waits for its grace period:
  // the rise is checked against the flood's own rate, not a fixed number of bytes that a flood
  // slowed down by a busy machine may not reach. Measured here (kernel 6.18, v1 memcg): the
  // first sample holds 0.25-0.5Mi (56-184Ki kernel); within 3 s the flood (2 threads) peaks at
  // 7-32Mi charged, nearly all kernel memory (sockets and inodes waiting in RCU); in the e2e
  // udp-flood-usage case kernel memory grew 55-83 bytes per op/s, 27-40 ms of ~2 KiB sockets.
  // The floor is 2 ms of them: 4 bytes per op/s.
  const WorkloadStatus* w = o.workload("udp");
  ASSERT_NE(w, nullptr);
  const double floor_bytes = 4.0 * w->ops_per_s;
  RecordProperty("ops_per_s", std::to_string(w->ops_per_s));
  EXPECT_TRUE(static_cast<double>(max_usage - first.usage_bytes) > floor_bytes ||
              static_cast<double>(max_kernel - first.kernel_bytes) > floor_bytes)
      << "first usage " << first.usage_bytes << " kernel " << first.kernel_bytes << "; max usage "
      << max_usage << " kernel " << max_kernel << "; flood " << w->ops_per_s << " ops/s";
  EXPECT_GE(o.view.peak_bytes, max_usage);
  ASSERT_TRUE(o.view.min_headroom_bytes);
  EXPECT_LE(*o.view.min_headroom_bytes, static_cast<std::int64_t>(64 * Mi - max_usage));

  EXPECT_GT(w->ops, 0u);
  EXPECT_GT(w->ops_per_s, 0);
  EXPECT_EQ(w->state, "exited");
  EXPECT_EQ(w->exit_status, "exit 0");
  EXPECT_EQ(w->threads, 2);

  ASSERT_EQ(o.view.criteria.size(), 1u);
  EXPECT_EQ(o.view.criteria[0].name, "max_oom_kills");
  EXPECT_TRUE(o.view.criteria[0].pass) << o.view.criteria[0].detail;
  EXPECT_TRUE(o.all<OomKill>().empty());

  // The events open with "running" and close with the verdict, the criteria and a snapshot.
  auto states = o.all<StateChange>();
  ASSERT_GE(states.size(), 2u);
  EXPECT_EQ(states.front().state, State::running);
  EXPECT_EQ(states.back().state, State::passed);
  ASSERT_FALSE(o.events.empty());
  EXPECT_TRUE(std::holds_alternative<CampaignView>(o.events.back().body));

  auto j = report_of(o);
  EXPECT_EQ(j["verdict"], "passed");
  EXPECT_EQ(j["oom_kills"], 0);
  EXPECT_GE(j["memory"]["peak_bytes"].get<std::uint64_t>(), max_usage);
  EXPECT_EQ(o.view.report_path, (o.report_dir / "report.json").string());
  EXPECT_FALSE(stdfs::exists(o.report_dir / kJournalFile)) << "the report holds it now";
  // What ran is kept next to the report (for crash recovery).
  EXPECT_EQ(slurp(o.report_dir / kCampaignFile), j["campaign_yaml"].get<std::string>());
  expect_cleaned_up(id);
}

// RunnerOptions::extra_parts that adds the one part `make()` makes.
template <class Make>
std::function<std::vector<std::unique_ptr<CampaignPart>>()> one_part(Make make) {
  return [make] {
    std::vector<std::unique_ptr<CampaignPart>> parts;
    parts.push_back(make());
    return parts;
  };
}

// A part added in one place (a throwaway figure: the cgroup's usage in Mi) is driven by the
// runner: its figure is in every sample streamed and in the report written, declared at the top.
class UsageMiPart final : public CampaignPart {
 public:
  std::string_view name() const override { return "usage_mi"; }
  std::vector<MetricDef> metrics() const override { return {{"test.usage_mi", "", "usage in Mi"}}; }
  Status measure(Sample& s, PartContext&) override {
    s.metrics["test.usage_mi"] = static_cast<double>(s.usage_bytes) / Mi;
    return {};
  }
};

TEST_F(CampaignRunnerITest, APartsFigureIsInEverySampleAndInTheReport) {
  auto opts = options();
  opts.extra_parts = one_part([] { return std::make_unique<UsageMiPart>(); });
  auto o = run("metric", R"(campaign: metric
duration: 1s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 8Mi
)",
               std::nullopt, opts);
  ASSERT_TRUE(o.finished);
  auto samples = o.samples();
  ASSERT_FALSE(samples.empty());
  for (const auto& s : samples) {
    ASSERT_TRUE(s.metrics.count("test.usage_mi")) << "sample at " << s.t_s;
    EXPECT_DOUBLE_EQ(s.metrics.at("test.usage_mi"), static_cast<double>(s.usage_bytes) / Mi);
  }
  auto j = report_of(o);
  auto declared = [](const auto& defs) {
    for (const auto& d : defs)
      if (d["name"] == "test.usage_mi") return true;
    return false;
  };
  EXPECT_TRUE(declared(j["metrics"])) << j["metrics"].dump();
  for (const auto& s : j["samples"]) EXPECT_TRUE(s["metrics"].contains("test.usage_mi"));
  EXPECT_EQ(std::count_if(o.view.metrics.begin(), o.view.metrics.end(),
                          [](const MetricDef& m) { return m.name == "test.usage_mi"; }),
            1);
  expect_cleaned_up("metric");
}

// The kernel's cgroup side effects, with an rmdir that takes 300 ms and says when it runs.
class SlowRemoval final : public cgroup::CgroupOps {
 public:
  int make_dir(const stdfs::path& d) override { return real_->make_dir(d); }
  int remove_dir(const stdfs::path& d) override {
    removing = true;
    std::this_thread::sleep_for(300ms);
    removing = false;
    return real_->remove_dir(d);
  }
  Status write(const stdfs::path& f, std::string_view c) override { return real_->write(f, c); }
  int kill_process(pid_t pid) override { return real_->kill_process(pid); }
  void sleep_for(std::chrono::milliseconds d) override { real_->sleep_for(d); }
  const Clock& clock() const override { return real_->clock(); }
  std::atomic<bool> removing{false};

 private:
  std::shared_ptr<cgroup::CgroupOps> real_ = cgroup::kernel_ops();
};

// Ticks on the campaign's scheduler every 10 ms, for as long as the runner lives, noting whether
// a tick ran while the cgroup was being removed.
class TickPart final : public CampaignPart {
 public:
  TickPart(const SlowRemoval& ops, std::atomic<bool>& saw) : ops_(ops), saw_(saw) {}
  ~TickPart() override {
    if (timers_) timers_->cancel(task_);
  }
  std::string_view name() const override { return "tick"; }
  Status setup(PartContext& cx) override {
    timers_ = &cx.timers;
    tick();
    return {};
  }

 private:
  void tick() {
    if (ops_.removing) saw_ = true;
    task_ = timers_->after(10ms, [this] { tick(); });
  }
  const SlowRemoval& ops_;
  std::atomic<bool>& saw_;
  Scheduler* timers_ = nullptr;
  Scheduler::Id task_ = 0;
};

// The bug: removing the cgroup polled for up to 5 s on the io_context thread, and every RPC and
// every timer waited. Now it runs on a thread of its own: the loop goes on meanwhile.
TEST_F(CampaignRunnerITest, TheIoThreadRunsOnWhileTheCgroupIsRemoved) {
  auto ops = std::make_shared<SlowRemoval>();
  std::atomic<bool> saw_tick_during_removal{false};
  auto opts = options();
  opts.cgroup_ops = ops;
  opts.extra_parts =
      one_part([&] { return std::make_unique<TickPart>(*ops, saw_tick_during_removal); });
  auto o = run("slow-rmdir", R"(campaign: slow-rmdir
duration: 1s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 4Mi
)",
               std::nullopt, opts);
  ASSERT_TRUE(o.finished);
  EXPECT_EQ(o.view.state, State::passed) << o.view.reason;
  EXPECT_TRUE(saw_tick_during_removal) << "nothing ran on the io thread during the removal";
  expect_cleaned_up("slow-rmdir");
}

// 2. An anonymous workload twice the limit is OOM-killed; the flood beside it runs on.
//
// The flood starts once the hog is dead (the hog reaches the limit ~250 ms in). Measured here
// (kernel 6.18, v1 memcg): with the flood charging kernel memory at the moment of the kill, the
// memcg OOM killer also kills the flood ~5 ms after the hog in 9 of 20 runs: the hog's pages are
// not yet uncharged when it is already marked MMF_OOM_SKIP, so the next failing charge picks the
// flood (dmesg shows both "Killed process" lines). That is the kernel's choice, not the runner's.
// In a TCG guest (scripts/kernel-test.sh) the hog took over a second to reach the limit, and a
// flood started at 1 s was there for the kill and taken by it: it starts at 2 s.
TEST_F(CampaignRunnerITest, AnonWorkloadAboveTheLimitIsOomKilledAndTheFloodRunsOn) {
  const std::string id = "oom";
  auto o = run(id, R"(campaign: oom
duration: 4s
sample_interval: 100ms
cgroup:
  memory_limit: 48Mi
workloads:
  - name: hog
    type: anon
    size: 96Mi
    ramp: 500ms
  - name: flood
    type: flood
    kind: udp_socket
    threads: 1
    rate: 1000
    start_after: 2s
criteria:
  max_oom_kills: 0
)");
  ASSERT_TRUE(o.finished);
  EXPECT_TRUE(o.io_drained) << "work left pending on the io_context after the campaign finished";
  EXPECT_EQ(o.view.state, State::failed) << o.view.reason << "\n" << o.event_log();
  EXPECT_THAT(o.view.reason, HasSubstr("max_oom_kills"));
  // The runner ran to the planned end, not cut short by the kill.
  EXPECT_THAT(o.view.reason, HasSubstr("duration reached"));

  ASSERT_TRUE(o.view.latest);
  EXPECT_GE(o.view.latest->oom_kills, 1u);

  const WorkloadStatus* hog = o.workload("hog");
  ASSERT_NE(hog, nullptr);
  EXPECT_EQ(hog->state, "killed");
  EXPECT_THAT(hog->exit_status, HasSubstr("OOM kill")) << hog->exit_status;
  EXPECT_THAT(hog->exit_status, HasSubstr("SIGKILL"));

  const WorkloadStatus* flood = o.workload("flood");
  ASSERT_NE(flood, nullptr);
  EXPECT_EQ(flood->state, "exited") << flood->exit_status;
  EXPECT_EQ(flood->exit_status, "exit 0");
  EXPECT_GT(flood->ops, 0u);

  auto ooms = o.all<OomKill>();
  ASSERT_FALSE(ooms.empty()) << o.event_log();
  // The order of events, not a time: the kill is reported before the first update that shows
  // the flood running. (A kill the kernel made before the flood was launched is reported by the
  // next sample at the latest, and a sample emits its OomKill before its WorkloadsUpdate.)
  const std::size_t first_kill = o.first_index(
      [](const Event& e) { return std::holds_alternative<OomKill>(e.body); });
  const std::size_t flood_running = o.first_index([](const Event& e) {
    const auto* u = std::get_if<WorkloadsUpdate>(&e.body);
    if (u == nullptr) return false;
    for (const auto& w : *u)
      if (w.name == "flood" && w.state != "waiting") return true;
    return false;
  });
  EXPECT_LT(first_kill, flood_running) << "the hog must be dead before the flood starts\n"
                                       << o.event_log();
  EXPECT_GE(ooms.back().total, 1u);
  // One event per kill: whoever reports a kill first (a sample, or the reaped worker) reports
  // it, and the totals only go up.
  for (std::size_t k = 1; k < ooms.size(); ++k)
    EXPECT_GT(ooms[k].total, ooms[k - 1].total) << o.event_log();
  EXPECT_EQ(ooms.back().total, o.view.latest->oom_kills) << o.event_log();

  ASSERT_EQ(o.view.criteria.size(), 1u);
  EXPECT_FALSE(o.view.criteria[0].pass);
  EXPECT_GE(o.view.criteria[0].value, 1);

  // The "daemon" (this process) survived the OOM kill and the runner finished normally.
  EXPECT_EQ(::kill(::getpid(), 0), 0);

  auto j = report_of(o);
  EXPECT_EQ(j["verdict"], "failed");
  EXPECT_GE(j["oom_kills"].get<int>(), 1);
  EXPECT_FALSE(j["oom_kill_times_s"].empty());
  EXPECT_GT(j["memory"]["failcnt"].get<std::uint64_t>(), 0u);
  expect_cleaned_up(id);
}

// Every worker the OOM killer took is marked "(OOM kill)", also when two die in one burst.
// Here the flood runs while the hog is killed, which (see above) makes the kernel kill both in
// about half of the runs. Before 8f2b61f the first worker reaped took every kill in the
// counter and the other one stayed unmarked (seen in 9 of 20 runs).
TEST_F(CampaignRunnerITest, EveryOomKilledWorkerIsMarkedEvenWhenTwoDieTogether) {
  const std::string id = "oom-burst";
  auto o = run(id, R"(campaign: oom-burst
duration: 2s
sample_interval: 100ms
cgroup:
  memory_limit: 48Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
    threads: 1
    rate: 1000
  - name: hog
    type: anon
    size: 96Mi
    ramp: 500ms
)");
  ASSERT_TRUE(o.finished);
  ASSERT_TRUE(o.view.latest);
  // Nothing was SIGKILLed by the runner (every worker ended or was killed well before the stop),
  // so every SIGKILL is an OOM kill and each must be marked.
  std::uint64_t sigkilled = 0, marked = 0;
  for (const auto& w : o.view.workloads) {
    sigkilled += w.exit_status.find("SIGKILL") != std::string::npos;
    marked += w.exit_status.find("(OOM kill)") != std::string::npos;
  }
  EXPECT_EQ(sigkilled, o.view.latest->oom_kills) << o.event_log();
  EXPECT_EQ(marked, sigkilled) << o.event_log();
  expect_cleaned_up(id);
}

// 3. stop() mid-run: aborted within the grace period, report written, cgroup gone.
TEST_F(CampaignRunnerITest, StopMidRunAbortsWithinTheGracePeriod) {
  const std::string id = "stopped";
  auto o = run(id, R"(campaign: stopped
duration: 30s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: udp
    type: flood
    kind: udp_socket
    threads: 1
  - name: hog
    type: anon
    size: 8Mi
    ramp: 200ms
criteria:
  max_oom_kills: 0
)",
               1000ms);
  ASSERT_TRUE(o.finished);
  ASSERT_TRUE(o.stop_called_s);
  EXPECT_TRUE(o.io_drained) << "work left pending on the io_context after the campaign finished";
  EXPECT_EQ(o.view.state, State::aborted) << o.view.reason << "\n" << o.event_log();
  EXPECT_EQ(o.view.reason, "stopped by the test");
  // The stop, not the 30 s duration, ended it: it finished after stop() was called and long
  // before its duration; the workers went on SIGTERM, within the grace period (no SIGKILL).
  EXPECT_GE(o.run_s, *o.stop_called_s);
  EXPECT_LT(o.view.elapsed_s, 30.0);
  EXPECT_LT(o.run_s - *o.stop_called_s, kSlackS);

  auto states = o.all<StateChange>();
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back().state, State::aborted);

  for (const char* name : {"udp", "hog"}) {
    const WorkloadStatus* w = o.workload(name);
    ASSERT_NE(w, nullptr);
    EXPECT_NE(w->state, "running") << name;
    EXPECT_NE(w->state, "waiting") << name;
    EXPECT_THAT(w->exit_status, ::testing::Not(HasSubstr("SIGKILL")))
        << name << ": had to be SIGKILLed after the grace period";
  }

  auto j = report_of(o);
  EXPECT_EQ(j["verdict"], "aborted");
  EXPECT_EQ(j["reason"], "stopped by the test");
  EXPECT_EQ(j["id"], id);
  EXPECT_FALSE(j["samples"].empty());
  expect_cleaned_up(id);
}

// 3b. A worker that hangs and ignores SIGTERM (a stand-in that sets SIGTERM to SIG_IGN and
// sleeps): SIGKILLed once the grace period is over, and the report says so.
TEST_F(CampaignRunnerITest, AWorkerIgnoringSigtermIsKilledAfterTheGracePeriodAndRecorded) {
  const std::string id = "deaf";
  RunnerOptions opts = options();
  opts.worker_path = state_dir_ / "deaf-worker";
  {
    std::ofstream script(opts.worker_path);
    script << "#!/bin/sh\ntrap '' TERM\nexec sleep 600\n";
  }
  stdfs::permissions(opts.worker_path, stdfs::perms::owner_all);
  auto o = run(id, R"(campaign: deaf
duration: 30s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: deaf
    type: flood
    kind: udp_socket
)",
               1000ms, opts);
  ASSERT_TRUE(o.finished);
  ASSERT_TRUE(o.stop_called_s);
  EXPECT_EQ(o.view.state, State::aborted) << o.view.reason << "\n" << o.event_log();
  // Not before the grace period: SIGTERM did nothing.
  EXPECT_GE(o.run_s - *o.stop_called_s, std::chrono::duration<double>(kStopGrace).count());
  const WorkloadStatus* w = o.workload("deaf");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->state, "killed");
  EXPECT_THAT(w->exit_status, HasSubstr("SIGKILL"));
  EXPECT_THAT(w->exit_status, HasSubstr("ignored SIGTERM for 2000 ms"));
  EXPECT_NE(o.event_log().find("workload deaf ignored SIGTERM for 2000 ms: SIGKILL"),
            std::string::npos)
      << o.event_log();
  EXPECT_EQ(o.view.latest->oom_kills, 0u) << "our SIGKILL is not an OOM kill";
  auto j = report_of(o);
  EXPECT_EQ(j["verdict"], "aborted");
  EXPECT_THAT(j["workloads"][0]["exit_status"].get<std::string>(),
              HasSubstr("ignored SIGTERM for 2000 ms"));
  expect_cleaned_up(id);
}

// 4. The worker cannot be started: verdict error naming the stage, nothing left behind.
TEST_F(CampaignRunnerITest, AWorkerThatCannotStartIsAnErrorAndEverythingIsRemoved) {
  const std::string id = "no-worker";
  RunnerOptions opts = options();
  opts.worker_path = state_dir_ / "does-not-exist" / "memtorture-worker";
  auto o = run(id, R"(campaign: no-worker
duration: 30s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: udp
    type: flood
    kind: udp_socket
    threads: 1
criteria:
  max_oom_kills: 0
)",
               std::nullopt, opts);
  ASSERT_TRUE(o.finished);
  EXPECT_TRUE(o.io_drained) << "work left pending on the io_context after the campaign finished";
  EXPECT_EQ(o.view.state, State::error) << o.view.reason;
  EXPECT_THAT(o.view.reason, HasSubstr("workload udp"));
  EXPECT_THAT(o.view.reason, HasSubstr("worker failed before it started, exec"));
  EXPECT_THAT(o.view.reason, HasSubstr("ENOENT"));
  EXPECT_LT(o.run_s, 30.0) << "an error at start must not wait for the duration";

  auto states = o.all<StateChange>();
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back().state, State::error);

  auto j = report_of(o);
  EXPECT_EQ(j["verdict"], "error");
  EXPECT_THAT(j["reason"].get<std::string>(), HasSubstr("exec"));
  expect_cleaned_up(id);
}

}  // namespace
}  // namespace mt::daemon
