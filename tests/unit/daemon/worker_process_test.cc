// describe_wait_status on built statuses and on real children; spawn_worker's error when exec
// fails (no cgroups involved, so no root needed).
#include "daemon/worker_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Forks a child that runs `body` and returns its wait status.
template <class F>
int status_of_child(F body) {
  const pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    body();
    ::_exit(99);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return status;
}

TEST(DescribeWaitStatusTest, ExitCodes) {
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, 0)), "exit 0");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(1, 0)), "exit 1");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(127, 0)), "exit 127");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(255, 0)), "exit 255");
}

TEST(DescribeWaitStatusTest, SignalsByTheirNames) {
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGKILL)), "killed by SIGKILL");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGTERM)), "killed by SIGTERM");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGSEGV)), "killed by SIGSEGV");
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGINT)), "killed by SIGINT");
  // A core dump does not change which signal it was.
  EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGABRT) | WCOREFLAG), "killed by SIGABRT");
}

TEST(DescribeWaitStatusTest, ASignalWithoutANameStillSaysWhichOne) {
  // glibc has no abbreviation for real-time signals.
  const int rt = SIGRTMIN + 1;
  EXPECT_THAT(describe_wait_status(W_EXITCODE(0, rt)),
              ::testing::AllOf(StartsWith("killed by "), HasSubstr(std::to_string(rt))));
}

TEST(DescribeWaitStatusTest, RealChildren) {
  EXPECT_EQ(describe_wait_status(status_of_child([] { ::_exit(0); })), "exit 0");
  EXPECT_EQ(describe_wait_status(status_of_child([] { ::_exit(42); })), "exit 42");
  EXPECT_EQ(describe_wait_status(status_of_child([] {
              std::signal(SIGTERM, SIG_DFL);
              ::raise(SIGTERM);
            })),
            "killed by SIGTERM");
  EXPECT_EQ(describe_wait_status(status_of_child([] { ::raise(SIGKILL); })), "killed by SIGKILL");
}

TEST(DescribeWaitStatusTest, NeitherExitedNorSignaledIsShownRaw) {
  const int stopped = W_STOPCODE(SIGSTOP);
  EXPECT_EQ(describe_wait_status(stopped), "wait status " + std::to_string(stopped));
}

TEST(SpawnWorkerTest, AnExecutableThatIsNotThereFailsNamingExecAndErrno) {
  testing::TempDir dir;
  SpawnOptions o;
  o.executable = dir / "no-such-worker";
  o.log_file = dir / "worker.log";
  auto r = spawn_worker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith("worker failed before it started, exec: "));
  EXPECT_THAT(r.error().message, HasSubstr("ENOENT"));
}

TEST(SpawnWorkerTest, AnUnwritableProcsFileFailsNamingTheAttachStage) {
  testing::TempDir dir;
  SpawnOptions o;
  o.executable = "/bin/true";
  o.cgroup_procs = {dir / "missing-cgroup" / "cgroup.procs"};
  o.log_file = dir / "worker.log";
  auto r = spawn_worker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              StartsWith("worker failed before it started, attaching to the campaign cgroup: "));
}

TEST(SpawnWorkerTest, AnUnopenableLogFileIsReportedBeforeForking) {
  testing::TempDir dir;
  SpawnOptions o;
  o.executable = "/bin/true";
  o.log_file = dir / "no" / "dir" / "worker.log";
  auto r = spawn_worker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith("cannot open worker log " + o.log_file.string()));
}

}  // namespace
}  // namespace mt::daemon
