// Single flood operations, a few dozen times each (never the flood itself: that runs only inside
// a memory-limited cgroup, in the integration tests).
#include "workloads/flood.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "workloads/floods/dentry.h"
#include "workloads/floods/kinds.h"

namespace mt::workloads {
namespace {

namespace stdfs = std::filesystem;

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (stdfs::temp_directory_path() / "mt-flood-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    stdfs::remove_all(dir_, ec);
  }
  static std::size_t entries(const stdfs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(stdfs::directory_iterator(dir), stdfs::directory_iterator()));
  }
  stdfs::path dir_;
};

// This host (root in CI) can run every kind; a kind that says why not names its reason.
TEST(FloodKinds, WhatThisHostCannotRunSaysWhy) {
  for (const auto& [kind, why] : unavailable_flood_kinds()) {
    EXPECT_NE(find_flood_kind(kind), nullptr) << kind;
    EXPECT_FALSE(why.empty()) << kind;
  }
  if (::geteuid() != 0) return;
  EXPECT_TRUE(has_effective_capability(6)) << "CAP_SETGID, as root";
  for (const auto& [kind, why] : unavailable_flood_kinds()) ADD_FAILURE() << kind << ": " << why;
}

TEST(FloodKinds, OneListFoundByExactName) {
  ASSERT_FALSE(flood_kinds().empty());
  for (const FloodKind* kind : flood_kinds()) {
    EXPECT_EQ(find_flood_kind(kind->name), kind);
    EXPECT_FALSE(kind->summary.empty()) << kind->name;
    EXPECT_NE(kind->make_op, nullptr) << kind->name;
  }
  EXPECT_EQ(find_flood_kind("UDP_SOCKET"), nullptr);
  EXPECT_EQ(find_flood_kind(""), nullptr);
  EXPECT_EQ(flood_kind_names().front(), "udp_socket");
}

// Every kind's operation, with what its driver needs: it succeeds, closes what it opens, and
// leaves its directory as it found it. A new kind gets this test by being in the list.
TEST_F(TempDir, EveryKindsOperationSucceedsAndLeavesNothingBehind) {
  for (const FloodKind* kind : flood_kinds()) {
    SCOPED_TRACE(kind->name);
    const stdfs::path dir = dir_ / std::string(kind->name);
    FloodOpContext context{.thread = 0, .dir = {}};
    if (kind->needs_dir) {
      ASSERT_TRUE(stdfs::create_directory(dir));
      context.dir = dir;
    }
    const int before = ::dup(0);
    ASSERT_GE(before, 0);
    ::close(before);
    {
      auto op = kind->make_op(context);
      if (kind->name == "cred" && ::geteuid() != 0) {  // not root: refused, saying why
        ASSERT_FALSE(op);
        EXPECT_NE(op.error().message.find("CAP_SETGID"), std::string::npos) << op.error().message;
        continue;
      }
      ASSERT_TRUE(op) << op.error().message;
      for (int i = 0; i < 30; ++i) ASSERT_EQ((**op)(), 0) << "op " << i;
    }
    const int after = ::dup(0);
    ASSERT_GE(after, 0);
    ::close(after);
    EXPECT_EQ(after, before);  // the lowest free descriptor did not move
    if (kind->needs_dir) EXPECT_EQ(entries(dir), 0u);
  }
}

TEST_F(TempDir, DentryOpLeavesNothingBehind) {
  auto op = DentryOp::open(dir_, 3);
  ASSERT_TRUE(op.ok()) << op.error().message;
  for (int i = 0; i < 40; ++i) ASSERT_EQ((*op)(), 0) << "op " << i;
  EXPECT_EQ(entries(dir_), 0u);
}

TEST_F(TempDir, DentryNamesAreLongAndNew) {
  auto op = DentryOp::open(dir_, 12);
  ASSERT_TRUE(op.ok()) << op.error().message;
  std::string first = op->next_name();
  EXPECT_EQ(first.size(), kDentryNameLength);
  EXPECT_GT(first.size(), 40u);  // longer than the inline dentry name
  EXPECT_NE(first.find("t0012"), std::string::npos) << first;
  ASSERT_EQ((*op)(), 0);
  std::string second = op->next_name();
  EXPECT_EQ(second.size(), kDentryNameLength);
  EXPECT_NE(first, second);
}

TEST_F(TempDir, DentryOpReportsErrno) {
  auto op = DentryOp::open(dir_ / "missing", 0);
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.error().message.find("ENOENT"), std::string::npos) << op.error().message;

  stdfs::path sub = dir_ / "sub";
  stdfs::create_directory(sub);
  auto in_sub = DentryOp::open(sub, 0);
  ASSERT_TRUE(in_sub.ok()) << in_sub.error().message;
  stdfs::remove(sub);  // the directory goes away under the open descriptor
  EXPECT_EQ((*in_sub)(), ENOENT);
}

TEST_F(TempDir, DentryWorkloadMakesAndRemovesThreadDirectories) {
  // prepare() and cleanup() only: no thread runs.
  FakeClock clock;
  FloodWorkload w(FloodOptions{.kind = find_flood_kind("dentry"), .threads = 3, .rate = 0, .dir = dir_},
                  clock);
  EXPECT_EQ(w.thread_count(), 3);
  EXPECT_EQ(w.name(), "flood/dentry");
  Status prepared = w.prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(entries(dir_), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(stdfs::is_directory(w.thread_dir(i))) << w.thread_dir(i);
    EXPECT_EQ(w.thread_dir(i).parent_path(), dir_);
  }
  // A file left over in a thread directory (as after an error in the middle of an operation).
  { std::ofstream(w.thread_dir(1) / "leftover") << "x"; }
  Status cleaned = w.cleanup();
  EXPECT_TRUE(cleaned.ok()) << cleaned.error().message;
  EXPECT_EQ(entries(dir_), 0u);
  EXPECT_TRUE(stdfs::is_directory(dir_));  // the daemon's directory itself stays
  EXPECT_EQ(w.counters(), Counters{});
}

TEST_F(TempDir, DentryWorkloadFailsOnAMissingDirectory) {
  FakeClock clock;
  FloodWorkload w(
      FloodOptions{.kind = find_flood_kind("dentry"), .threads = 2, .rate = 0, .dir = dir_ / "nope"},
      clock);
  Status prepared = w.prepare();
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.error().message.find("ENOENT"), std::string::npos) << prepared.error().message;
  EXPECT_TRUE(w.cleanup().ok());
}

TEST(FloodWorkload, UdpNeedsNoPreparation) {
  FakeClock clock;
  FloodWorkload w(FloodOptions{.kind = find_flood_kind("udp_socket"), .threads = 2, .rate = 0, .dir = {}},
                  clock);
  EXPECT_EQ(w.name(), "flood/udp_socket");
  EXPECT_TRUE(w.prepare().ok());
  EXPECT_TRUE(w.cleanup().ok());
}

// A paused flood does no operation; resumed, it goes on; a new rate is taken up at once.
// Relations only: counts before and after, never a speed.
TEST(FloodWorkload, PauseStopsTheOperationsAndResumeStartsThemAgain) {
  SteadyClock clock;
  FloodWorkload w(FloodOptions{.kind = find_flood_kind("udp_socket"), .threads = 1, .rate = 0, .dir = {}},
                  clock);
  ASSERT_TRUE(w.prepare().ok());
  StopFlag stop;
  std::thread t([&] { EXPECT_TRUE(w.run(0, stop).ok()); });
  auto wait_for_ops = [&](std::uint64_t more_than) {
    for (int i = 0; i < 2000 && w.counters().ops <= more_than; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return w.counters().ops;
  };
  EXPECT_GT(wait_for_ops(0), 0u);
  ASSERT_TRUE(w.set_paused(true).ok());
  EXPECT_TRUE(w.counters().paused);
  std::this_thread::sleep_for(kPausePoll * 4);  // the operation in flight ends
  const auto paused_at = w.counters().ops;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(w.counters().ops, paused_at) << "operations went on while paused";
  ASSERT_TRUE(w.set_paused(false).ok());
  EXPECT_GT(wait_for_ops(paused_at), paused_at);
  ASSERT_TRUE(w.set_rate(10).ok());
  EXPECT_EQ(w.counters().rate, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the old pace ends
  const auto slow_from = w.counters().ops;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // At 10/s with the default burst, 200 ms allow a few operations, never thousands.
  EXPECT_LT(w.counters().ops - slow_from, 20u);
  stop.request_stop();
  t.join();
  EXPECT_TRUE(w.cleanup().ok());
}

}  // namespace
}  // namespace mt::workloads
