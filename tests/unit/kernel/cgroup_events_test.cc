// The v1 eventfd and v2 memory.events readers on fixture files: what is written to
// cgroup.event_control, and that a signal (an eventfd count, a modification) is really seen.
#include "kernel/cgroup_events.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mt::kernel {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class Fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (stdfs::temp_directory_path() / "mt-events-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { stdfs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text, bool append = false) {
    std::ofstream(dir_ / name, append ? std::ios::app : std::ios::trunc) << text;
  }
  std::string read(const std::string& name) {
    std::stringstream ss;
    ss << std::ifstream(dir_ / name).rdbuf();
    return ss.str();
  }
  stdfs::path dir_;
};

TEST(V1EventLine, EventfdControlFdAndArgs) {
  EXPECT_EQ(v1_event_line(7, 9, ""), "7 9");
  EXPECT_EQ(v1_event_line(7, 9, "critical"), "7 9 critical");
}

TEST_F(Fixture, RegisteringWritesTheLineAndReturnsAWorkingEventfd) {
  write("memory.pressure_level", "");
  write("cgroup.event_control", "");
  auto efd = register_v1_event(dir_, "memory.pressure_level", "medium");
  ASSERT_TRUE(efd.ok()) << efd.error().message;
  // "<eventfd> <control fd> medium": the eventfd's number is the one returned.
  const std::string line = read("cgroup.event_control");
  EXPECT_THAT(line, MatchesRegex("[0-9]+ [0-9]+ medium"));
  EXPECT_EQ(line.substr(0, line.find(' ')), std::to_string(*efd));
  // Nothing signalled yet; then two signals read as one count of 2, and the fd is empty again.
  EXPECT_EQ(drain_eventfd(*efd), 0u);
  ASSERT_EQ(::eventfd_write(*efd, 1), 0);
  ASSERT_EQ(::eventfd_write(*efd, 1), 0);
  EXPECT_EQ(drain_eventfd(*efd), 2u);
  EXPECT_EQ(drain_eventfd(*efd), 0u);
  ::close(*efd);
}

TEST_F(Fixture, RegisteringNamesWhatIsMissing) {
  write("cgroup.event_control", "");
  auto no_control = register_v1_event(dir_, "memory.oom_control", "");
  ASSERT_FALSE(no_control.ok());
  EXPECT_THAT(no_control.error().message, HasSubstr("memory.oom_control"));
  stdfs::remove(dir_ / "cgroup.event_control");
  write("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  auto no_events = register_v1_event(dir_, "memory.oom_control", "");
  ASSERT_FALSE(no_events.ok());
  EXPECT_THAT(no_events.error().message, HasSubstr("cgroup.event_control"));
}

TEST_F(Fixture, AMemoryEventsChangeIsSeenAndDrained) {
  write("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
  auto fd = watch_modify(dir_ / "memory.events");
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  EXPECT_FALSE(drain_inotify(*fd));
  write("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  EXPECT_TRUE(drain_inotify(*fd));
  EXPECT_FALSE(drain_inotify(*fd)) << "drained";
  ::close(*fd);
  auto missing = watch_modify(dir_ / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("nope"));
}

}  // namespace
}  // namespace mt::kernel
