#include "workloads/report.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (fds[0] >= 0) ::close(fds[0]);
    fds[0] = -1;
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  std::string read_some() {
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  int fds[2] = {-1, -1};
};

TEST(ReportWriter, WritesALine) {
  Pipe p;
  ReportWriter w(p.fds[1]);
  EXPECT_EQ(w.write_line("C 1 2 3\n", 0ms), ReportWriter::Outcome::written);
  EXPECT_EQ(p.read_some(), "C 1 2 3\n");
}

TEST(ReportWriter, ClosedReaderIsEpipe) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  Pipe p;
  p.close_read();
  ReportWriter w(p.fds[1]);
  EXPECT_EQ(w.write_line("C 1 2 3\n", 0ms), ReportWriter::Outcome::closed);
  EXPECT_EQ(w.error(), EPIPE);
  ::sigaction(SIGPIPE, &old, nullptr);
}

TEST(ReportWriter, FullPipeDropsInsteadOfBlocking) {
  Pipe p;
  ASSERT_EQ(::fcntl(p.fds[1], F_SETFL, O_NONBLOCK), 0);
  std::string chunk(4096, 'x');
  while (::write(p.fds[1], chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_EQ(::fcntl(p.fds[1], F_SETFL, 0), 0);  // back to blocking, as the daemon's pipe is
  ReportWriter w(p.fds[1]);
  // Nobody reads, so a write that blocked would never return: coming back at all, and "busy",
  // is what shows the line was dropped instead. The wait is a lower bound (poll(2) does not time
  // out early), checked so that a final line is seen to wait for room; how much longer a loaded
  // machine takes is not asserted.
  EXPECT_EQ(w.write_line("C 1 2 3\n", 0ms), ReportWriter::Outcome::busy);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(w.write_line("F 1 2 3\n", 50ms), ReportWriter::Outcome::busy);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  p.read_some();  // room again
  EXPECT_EQ(w.write_line("F 1 2 3\n", 50ms), ReportWriter::Outcome::written);
}

TEST(ReportWriter, BadDescriptorFails) {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::close(fd);  // now a closed descriptor number
  EXPECT_FALSE(ReportWriter::is_open(fd));
  ReportWriter w(fd);
  EXPECT_EQ(w.write_line("C 1 2 3\n", 0ms), ReportWriter::Outcome::failed);
  EXPECT_EQ(w.error(), EBADF);
  EXPECT_TRUE(ReportWriter::is_open(1));
  EXPECT_FALSE(ReportWriter::is_open(-1));
}

}  // namespace
}  // namespace mt::workloads
