// The runner with a scripted stand-in workload (no flood, no anon): reporting, stop conditions,
// fatal errors, cleanup.
#include "workloads/runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
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
    while (!stop.sleep_for(1ms)) ops.fetch_add(1);
    return {};
  }
  Counters counters() const override {
    return Counters{.ops = ops.load(), .errors = 0, .bytes = 42};
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
};

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
  std::vector<Message> messages() {
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
                      .max_runtime = max_runtime,
                      .report_interval = kReportInterval,
                      .log = &log_};
  }

  int fds_[2] = {-1, -1};
  SteadyClock clock_;
  std::ostringstream log_;
};

TEST_F(RunnerTest, ReportsOnTimeAndEndsWithTheFinalLine) {
  ScriptedWorkload w(2);
  Runner runner(w, options(400ms), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(runner.stop_reason(), StopReason::max_runtime);
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
  // Every 50 ms over 400 ms: 8 or 9 lines; allow a loaded machine to miss a few.
  EXPECT_GE(counters, 5);
  EXPECT_LE(counters, 10);
  const Message& last = lines.back();
  EXPECT_EQ(last.kind, Message::Kind::final);
  EXPECT_EQ(last.counters.ops, w.ops.load());
  EXPECT_GT(last.counters.ops, 0u);
  EXPECT_EQ(last.counters.bytes, 42u);
  EXPECT_NE(log_.str().find("max run time"), std::string::npos) << log_.str();
}

TEST_F(RunnerTest, StopsOnSigterm) {
  ScriptedWorkload w(1);
  w.on_run = [](int, StopFlag&) -> Status {
    // SIGTERM is blocked in this thread (inherited from the runner): it waits for the runner.
    std::this_thread::sleep_for(100ms);
    ::kill(::getpid(), SIGTERM);
    return {};
  };
  Runner runner(w, options(30000ms), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(runner.stop_reason(), StopReason::signal);
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
  Runner runner(w, options(30000ms), clock_);
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
  Runner runner(w, options(30000ms), clock_);
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
  Runner runner(w, options(30000ms), clock_);
  EXPECT_EQ(runner.run(), kExitFatal);
  auto lines = messages();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().kind, Message::Kind::error);
  EXPECT_NE(lines.back().text.find("boom"), std::string::npos);
}

TEST_F(RunnerTest, PrepareFailureWritesOnlyTheErrorLine) {
  ScriptedWorkload w(2);
  w.prepare_error = "mmap of 1 bytes failed: ENOMEM (Cannot allocate memory)";
  Runner runner(w, options(30000ms), clock_);
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
  Runner runner(w, options(30000ms), clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run(), kExitOk);  // survived SIGPIPE
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(runner.stop_reason(), StopReason::report_closed);
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

}  // namespace
}  // namespace mt::workloads
