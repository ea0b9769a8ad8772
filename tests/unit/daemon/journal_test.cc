// Journal: what it appends, what it leaves out, its size bound, and reading back a file whose
// last line a crash cut in half.
#include "daemon/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;
using testing::Mi;

class JournalTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(JournalTest, SamplesCountersOomKillsAndTriggerEventsComeBack) {
  {
    auto j = Journal::create(dir_.path());
    ASSERT_TRUE(j.ok()) << j.error().message;
    Sample s = testing::sample(0.5, 10 * Mi, 64 * Mi, 2 * Mi, 0);
    s.cgroup_psi = testing::psi(1.5, 0.5, 1000, 200);
    s.peak_bytes = 12 * Mi;
    j->record({0.5, s});
    WorkloadStatus w;
    w.name = "flood";
    w.ops = 77;
    j->record({0.5, WorkloadsUpdate{w}});
    j->record({0.6, OomKill{1, "hog"}});
    j->record({0.7, PsiTriggerEvent{"some", 100000, 2000000}});
    j->record({0.8, LogLine{"left out"}});
    j->record({0.9, StateChange{State::running, "left out"}});
  }
  auto r = read_journal(dir_.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_THAT(r->samples, SizeIs(1));
  EXPECT_EQ(r->samples[0].usage_bytes, 10 * Mi);
  EXPECT_EQ(r->samples[0].peak_bytes, 12 * Mi);
  ASSERT_TRUE(r->samples[0].cgroup_psi);
  EXPECT_EQ(r->samples[0].cgroup_psi->some_stall_delta_us, 1000u);
  EXPECT_FALSE(r->samples[0].system_psi);
  ASSERT_THAT(r->workloads, SizeIs(1));
  EXPECT_EQ(r->workloads[0].ops, 77u);
  EXPECT_THAT(r->oom_kill_times_s, ElementsAre(0.6));
  EXPECT_THAT(r->psi_trigger_events_s, ElementsAre(0.7));
  EXPECT_DOUBLE_EQ(r->last_t_s, 0.7);
}

TEST_F(JournalTest, WorkloadCountersAreWrittenAtMostOnceASecond) {
  {
    auto j = Journal::create(dir_.path());
    ASSERT_TRUE(j.ok());
    for (int i = 0; i < 25; ++i) {
      WorkloadStatus w;
      w.ops = static_cast<std::uint64_t>(i);
      j->record({i * 0.1, WorkloadsUpdate{w}});
    }
  }
  std::ifstream in(dir_.path() / kJournalFile);
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_EQ(lines, 3);  // at 0.0, 1.0 and 2.0 s
  EXPECT_EQ(read_journal(dir_.path())->workloads[0].ops, 20u);
}

TEST_F(JournalTest, PastItsBoundItKeepsEventsButNoMoreSamples) {
  {
    auto j = Journal::create(dir_.path(), /*max_bytes=*/1000);
    ASSERT_TRUE(j.ok());
    for (int i = 0; i < 100; ++i) j->record({i * 0.1, testing::sample(i * 0.1, Mi, 64 * Mi)});
    j->record({10.5, OomKill{1, ""}});
  }
  auto r = read_journal(dir_.path());
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->samples.size(), 10u);
  EXPECT_GT(r->samples.size(), 0u);
  EXPECT_TRUE(r->samples_truncated);
  EXPECT_THAT(r->oom_kill_times_s, ElementsAre(10.5));
  EXPECT_LT(std::filesystem::file_size(dir_.path() / kJournalFile), 2000u);
}

TEST_F(JournalTest, ATornLastLineIsSkipped) {
  {
    auto j = Journal::create(dir_.path());
    ASSERT_TRUE(j.ok());
    j->record({0.1, testing::sample(0.1, Mi, 64 * Mi)});
  }
  std::ofstream(dir_.path() / kJournalFile, std::ios::app) << R"({"t_s":0.2,"sample":{"usage)";
  auto r = read_journal(dir_.path());
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->samples, SizeIs(1));
}

TEST_F(JournalTest, RemoveDeletesTheFile) {
  auto j = Journal::create(dir_.path());
  ASSERT_TRUE(j.ok());
  j->record({0.1, testing::sample(0.1, Mi, 64 * Mi)});
  j->remove();
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / kJournalFile));
}

}  // namespace
}  // namespace mt::daemon
