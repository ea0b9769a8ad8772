// Stopped or not, from a made-up /proc: every thread of every pid must show 'T' (or 't').
#include "kernel/process_state.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace mt::kernel {
namespace {

TEST(StatState, TheLetterAfterTheLastParenthesis) {
  EXPECT_EQ(stat_state("4242 (memtorture-work) T 1 4242 0"), 'T');
  EXPECT_EQ(stat_state("4242 (a) b) (c) R 1 2"), 'R');
  EXPECT_EQ(stat_state("4242 (no close R 1"), std::nullopt);
  EXPECT_EQ(stat_state("4242 (x)"), std::nullopt);
}

class AllStopped : public ::testing::Test {
 protected:
  AllStopped() {
    std::string t = (std::filesystem::temp_directory_path() / "mt-proc-XXXXXX").string();
    root_ = ::mkdtemp(t.data());
  }
  ~AllStopped() override { std::filesystem::remove_all(root_); }
  void thread(pid_t pid, pid_t tid, char state) {
    const auto dir = root_ / std::to_string(pid) / "task" / std::to_string(tid);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "stat") << tid << " (memtorture-work) " << state << " 1 1 0\n";
  }
  std::filesystem::path root_;
};

TEST_F(AllStopped, EveryThreadOfEveryPidMustBeStopped) {
  thread(10, 10, 'T');
  thread(10, 11, 'T');
  thread(20, 20, 't');
  EXPECT_TRUE(all_stopped({10, 20}, root_));
  thread(20, 21, 'R');  // a thread still in a system call
  EXPECT_FALSE(all_stopped({10, 20}, root_));
  EXPECT_TRUE(all_stopped({10, 99}, root_)) << "a process that is gone queues nothing";
  EXPECT_TRUE(all_stopped({}, root_));
}

}  // namespace
}  // namespace mt::kernel
