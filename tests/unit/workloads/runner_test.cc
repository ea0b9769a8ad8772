// The runner with a scripted stand-in workload (no flood, no anon): reporting, stop conditions,
// fatal errors, cleanup.
#include "workloads/runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

// Counts loop turns; optional hooks script failures and signals.
class ScriptedWorkload final : public Workload {
 public:
  explicit ScriptedWorkload(int threads) : threads_(threads) {}

  std::string name() const override { return "scripted"; }
  int thread_count() const override { return threads_; }
  Status prepare() override {
    ++prepared;
    if (!prepare_error.empty()) return make_error(prepare_error);
    return {};
  }
  Status run(int index, StopFlag& stop) override {
    ++running;
    if (on_run) {
      Status s = on_run(index, stop);
      if (!s) return s;
    }
    // One op before the first sleep: every thread that ran counts at least one, however
    // little of the CPU it got before the stop.
    do {
      ops.fetch_add(1);
    } while (!stop.sleep_for(1ms));
    return {};
  }
  Counters counters() const override {
    return Counters{.ops = ops.load(), .errors = 0, .bytes = 42, .paused = paused.load()};
  }
  Status set_paused(bool p) override {
    paused = p;
    return {};
  }
  Status cleanup() override {
    ++cleaned;
    return {};
  }

  int threads_;
  std::string prepare_error;
  std::function<Status(int, StopFlag&)> on_run;
  std::atomic<int> prepared{0}, running{0}, cleaned{0};
  std::atomic<std::uint64_t> ops{0};
  std::atomic<bool> paused{false};
};

// A fake clock that moves only when it is read: the first reading is the start, every later
// one is `step` after the previous. The runner reads it once at the start and once per turn of
// its supervise loop, so the run time it sees, and with it when it reports and when it stops,
// follow from the readings alone, not from how fast this machine runs the test. (The runner
// still waits in real time between turns, at most one report interval per turn.)
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(std::chrono::nanoseconds step) : step_(step) {}
  time_point now() const override { return kStart + step_ * readings_.fetch_add(1); }
  // The fake time the clock has reached, measured from the first reading.
  std::chrono::nanoseconds elapsed() const { return step_ * (readings_.load() - 1); }

 private:
  static constexpr time_point kStart{std::chrono::seconds(1000)};
  const std::chrono::nanoseconds step_;
  mutable std::atomic<std::int64_t> readings_{0};
};

// Stands in for "never" as a maximum run time: only a signal, a fatal error or a gone reader
// can end these runs. A run that reaches it fails its stop_reason check instead of hanging.
constexpr std::chrono::milliseconds kNoEnd = 60s;

// A pipe for the report lines; lines() reads everything written so far.
class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  int report_fd() const { return fds_[1]; }
  void close_reader() {
    ::close(fds_[0]);
    fds_[0] = -1;
  }
  // Every line after the hello, which must come first.
  std::vector<Message> messages() {
    auto all = all_messages();
    if (all.empty() || all.front().kind != Message::Kind::hello) {
      ADD_FAILURE() << "the first line is not the hello";
      return all;
    }
    EXPECT_EQ(all.front().hello.version, kProtocolVersion);
    EXPECT_EQ(all.front().hello.kind, "scripted");
    all.erase(all.begin());
    return all;
  }
  std::vector<Message> all_messages() {
    ::close(fds_[1]);
    fds_[1] = -1;
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
    std::vector<Message> out;
    std::size_t pos = 0;
    while (pos < all.size()) {
      std::size_t nl = all.find('\n', pos);
      EXPECT_NE(nl, std::string::npos) << "unterminated line";
      if (nl == std::string::npos) break;
      auto m = parse_message(std::string_view(all).substr(pos, nl - pos + 1));
      EXPECT_TRUE(m.ok()) << m.error().message;
      if (m.ok()) out.push_back(*m);
      pos = nl + 1;
    }
    return out;
  }
  RunOptions options(std::chrono::milliseconds max_runtime) {
    return RunOptions{.report_fd = report_fd(),
                      .control_fd = -1,
                      .max_runtime = max_runtime,
                      .report_interval = kReportInterval,
                      .log = &log_};
  }

  // Runs `w` for `run_time` with `commands` waiting on its control pipe; the lines after hello.
  std::vector<Message> run_with_control(ScriptedWorkload& w, const std::string& commands,
                                        std::chrono::milliseconds run_time) {
    int control[2];
    EXPECT_EQ(::pipe2(control, O_CLOEXEC), 0);
    EXPECT_EQ(::write(control[1], commands.data(), commands.size()),
              static_cast<ssize_t>(commands.size()));
    auto o = options(run_time);
    o.control_fd = control[0];
    Runner runner(w, o, clock_);
    EXPECT_EQ(runner.run(), kExitOk);
    EXPECT_EQ(runner.stop_reason(), StopReason::max_runtime) << "ran on after every command";
    ::close(control[0]);
    ::close(control[1]);
    return messages();
  }

  int fds_[2] = {-1, -1};
  SteadyClock clock_;
  std::ostringstream log_;
};

TEST_F(RunnerTest, ReportsOnTimeAndEndsWithTheFinalLine) {
  // Every 50 ms of (fake) run time, 400 ms in all. The clock moves 25 ms per reading, so the
  // runner sees every report time: one line on its first turn (25 ms), then one at 50, 100, ...,
  // 350 ms, and at 400 ms it stops for the max run time: exactly 8 counters lines, whatever the
  // load on this machine.
  SteppingClock clock(25ms);
  ScriptedWorkload w(2);
  Runner runner(w, options(400ms), clock);
  EXPECT_EQ(runner.run(), kExitOk);
  EXPECT_EQ(runner.stop_reason(), StopReason::max_runtime);
  EXPECT_GE(clock.elapsed(), 400ms) << "stopped before the max run time";
  EXPECT_EQ(w.prepared, 1);
  EXPECT_EQ(w.running, 2);
  EXPECT_EQ(w.cleaned, 1);

  auto lines = messages();
  ASSERT_GE(lines.size(), 2u);
  int counters = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i].kind, Message::Kind::counters) << "line " << i;
    if (i > 0) {
      EXPECT_GE(lines[i].counters.ops, lines[i - 1].counters.ops);
    }
    ++counters;
  }
  EXPECT_EQ(counters, 400 / 50);
  const Message& last = lines.back();
  EXPECT_EQ(last.kind, Message::Kind::final);
  EXPECT_EQ(last.counters.ops, w.ops.load());
  EXPECT_GE(last.counters.ops, 2u) << "each of the 2 threads counts an op before it sleeps";
  EXPECT_EQ(last.counters.bytes, 42u);
  EXPECT_NE(log_.str().find("max run time"), std::string::npos) << log_.str();
}

TEST_F(RunnerTest, OnTheRealClockRunsTheMaxRunTimeAndReportsAtMostOncePerInterval) {
  // Bounds a loaded machine cannot miss: the runner never stops before the max run time, and
  // it writes the k-th counters line no earlier than k report intervals after the start, so
  // over `took` there are at most took / interval + 1 of them (fewer when it is starved).
  ScriptedWorkload w(2);
  Runner runner(w, options(400ms), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, kNoEnd);
  EXPECT_EQ(runner.stop_reason(), StopReason::max_runtime);

  auto lines = messages();
  ASSERT_GE(lines.size(), 2u) << "at least the first counters line and the final line";
  EXPECT_EQ(lines.front().kind, Message::Kind::counters);
  EXPECT_EQ(lines.back().kind, Message::Kind::final);
  const auto counters = static_cast<std::int64_t>(lines.size() - 1);
  EXPECT_LE(counters, took / kReportInterval + 1) << "took " << took.count() << " ns";
  EXPECT_GE(lines.back().counters.ops, 2u);
}

TEST_F(RunnerTest, StopsOnSigterm) {
  ScriptedWorkload w(1);
  w.on_run = [](int, StopFlag&) -> Status {
    // SIGTERM is blocked in this thread (inherited from the runner): it waits for the runner.
    std::this_thread::sleep_for(100ms);
    ::kill(::getpid(), SIGTERM);
    return {};
  };
  Runner runner(w, options(kNoEnd), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);
  // The signal ended it, before the max run time could.
  EXPECT_EQ(runner.stop_reason(), StopReason::signal);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kNoEnd);
  EXPECT_EQ(w.cleaned, 1);
  auto lines = messages();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().kind, Message::Kind::final);
  EXPECT_NE(log_.str().find("SIGTERM"), std::string::npos) << log_.str();
}

TEST_F(RunnerTest, StopsOnSigint) {
  ScriptedWorkload w(1);
  w.on_run = [](int, StopFlag&) -> Status {
    std::this_thread::sleep_for(50ms);
    ::kill(::getpid(), SIGINT);
    return {};
  };
  Runner runner(w, options(kNoEnd), clock_);
  EXPECT_EQ(runner.run(), kExitOk);
  EXPECT_EQ(runner.stop_reason(), StopReason::signal);
}

TEST_F(RunnerTest, ThreadFailureIsFatal) {
  ScriptedWorkload w(3);
  w.on_run = [](int index, StopFlag&) -> Status {
    if (index == 1) {
      std::this_thread::sleep_for(80ms);
      return make_error("cannot frobnicate: EIO");
    }
    return {};
  };
  Runner runner(w, options(kNoEnd), clock_);
  EXPECT_EQ(runner.run(), kExitFatal);
  EXPECT_EQ(runner.stop_reason(), StopReason::fatal);
  EXPECT_EQ(w.cleaned, 1);
  auto lines = messages();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().kind, Message::Kind::error);
  EXPECT_NE(lines.back().text.find("cannot frobnicate: EIO"), std::string::npos);
  for (const auto& m : lines) EXPECT_NE(m.kind, Message::Kind::final);
  EXPECT_NE(log_.str().find("cannot frobnicate"), std::string::npos) << log_.str();
}

TEST_F(RunnerTest, ExceptionInAThreadIsFatal) {
  ScriptedWorkload w(1);
  w.on_run = [](int, StopFlag&) -> Status { throw std::runtime_error("boom"); };
  Runner runner(w, options(kNoEnd), clock_);
  EXPECT_EQ(runner.run(), kExitFatal);
  auto lines = messages();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().kind, Message::Kind::error);
  EXPECT_NE(lines.back().text.find("boom"), std::string::npos);
}

TEST_F(RunnerTest, PrepareFailureWritesOnlyTheErrorLine) {
  ScriptedWorkload w(2);
  w.prepare_error = "mmap of 1 bytes failed: ENOMEM (Cannot allocate memory)";
  Runner runner(w, options(kNoEnd), clock_);
  EXPECT_EQ(runner.run(), kExitFatal);
  EXPECT_EQ(w.running, 0);
  EXPECT_EQ(w.cleaned, 1);
  auto lines = messages();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].kind, Message::Kind::error);
  EXPECT_EQ(lines[0].text, w.prepare_error);
}

TEST_F(RunnerTest, GoneReaderStopsTheRun) {
  ScriptedWorkload w(2);
  close_reader();
  Runner runner(w, options(kNoEnd), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);  // survived SIGPIPE
  // The gone reader ended it, before the max run time could.
  EXPECT_EQ(runner.stop_reason(), StopReason::report_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kNoEnd);
  EXPECT_EQ(w.cleaned, 1);
}

TEST_F(RunnerTest, RestoresTheSignalMask) {
  ScriptedWorkload w(1);
  Runner runner(w, options(60ms), clock_);
  EXPECT_EQ(runner.run(), kExitOk);
  sigset_t mask;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &mask), 0);
  EXPECT_FALSE(sigismember(&mask, SIGTERM));
  EXPECT_FALSE(sigismember(&mask, SIGINT));
}

TEST_F(RunnerTest, AppliesControlCommandsAndAnswersEach) {
  ScriptedWorkload w(1);
  std::vector<std::string> answers;
  for (const auto& m : run_with_control(w, "pause\nrate 5\nbogus\nresume\n", 300ms))
    if (m.kind == Message::Kind::applied || m.kind == Message::Kind::refused)
      answers.push_back((m.kind == Message::Kind::applied ? "A " : "N ") + m.text);
  // In order; a workload without a rate refuses it, an unknown command is refused; the worker
  // runs on after both.
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0], "A pause");
  EXPECT_EQ(answers[1], "N rate 5: scripted workloads have no rate");
  EXPECT_EQ(answers[2].substr(0, 9), "N bogus: ");
  EXPECT_EQ(answers[3], "A resume");
  EXPECT_FALSE(w.paused.load());
}

TEST_F(RunnerTest, APauseShowsInTheCountersItReports) {
  ScriptedWorkload w(1);
  auto lines = run_with_control(w, "pause\n", 200ms);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().kind, Message::Kind::final);
  EXPECT_TRUE(lines.back().counters.paused);
}

TEST_F(RunnerTest, AClosedControlPipeIsNoControl) {
  int control[2];
  ASSERT_EQ(::pipe2(control, O_CLOEXEC), 0);
  ::close(control[1]);  // the daemon's end is gone
  ScriptedWorkload w(1);
  auto o = options(150ms);
  o.control_fd = control[0];
  Runner runner(w, o, clock_);
  EXPECT_EQ(runner.run(), kExitOk);
  EXPECT_EQ(runner.stop_reason(), StopReason::max_runtime);
  ::close(control[0]);
}

}  // namespace
}  // namespace mt::workloads
