// /dev/kmsg records and the OOM killer's "oom-kill:" line, as this kernel printed them.
#include "kernel/kmsg.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace mt::kernel {
namespace {

// Seen here (kernel 6.18) when a campaign's anon workload hit its 128Mi limit.
constexpr std::string_view kOomKill =
    "6,2291,1270652445,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
    "mems_allowed=0,oom_memcg=/memtorture-dev/oom-ramp-1,task_memcg=/memtorture-dev/oom-ramp-1/w,"
    "task=memtorture-work,pid=7757,uid=0\n";

TEST(KmsgRecord, TimeAndTextWithoutContinuationLines) {
  auto r = parse_kmsg_record("4,17,1234567,-;hello world\n SUBSYSTEM=memory\n DEVICE=x\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->usec, 1234567u);
  EXPECT_EQ(r->text, "hello world");
  // Extra flags after the time are allowed ("c" continuation).
  auto c = parse_kmsg_record("6,18,99,c;more");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->usec, 99u);
  EXPECT_EQ(c->text, "more");
}

TEST(KmsgRecord, MalformedRecordsAreRefused) {
  EXPECT_FALSE(parse_kmsg_record("no semicolon at all"));
  EXPECT_FALSE(parse_kmsg_record("6,18;too few fields"));
  EXPECT_FALSE(parse_kmsg_record("6,18,12x,-;time not a number"));
  EXPECT_FALSE(parse_kmsg_record("6,18,,-;empty time"));
}

TEST(OomKillRecord, NamesTheCgroupTheVictimAndItsTime) {
  auto k = parse_oom_kill_record(kOomKill);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->usec, 1270652445u);
  EXPECT_EQ(k->oom_memcg, "/memtorture-dev/oom-ramp-1");
  EXPECT_EQ(k->task_memcg, "/memtorture-dev/oom-ramp-1/w");
  EXPECT_EQ(k->task, "memtorture-work");
  EXPECT_EQ(k->pid, 7757);
}

TEST(OomKillRecord, OtherLinesAndBrokenOnesAreNotKills) {
  EXPECT_FALSE(parse_oom_kill_record(
      "4,1,5,-;memtorture-work invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0"));
  EXPECT_FALSE(parse_oom_kill_record(
      "6,1,5,-;Memory cgroup out of memory: Killed process 7757 (memtorture-work)"));
  EXPECT_FALSE(parse_oom_kill_record("6,1,5,-;oom-kill:constraint=CONSTRAINT_MEMCG,pid=1"))
      << "no oom_memcg";
  EXPECT_FALSE(parse_oom_kill_record("6,1,5,-;oom-kill:oom_memcg=/a,task=x")) << "no pid";
  EXPECT_FALSE(parse_oom_kill_record("6,1,5,-;oom-kill:oom_memcg=/a,pid=12q")) << "bad pid";
  // A key that is a suffix of another is not mistaken for it.
  auto k = parse_oom_kill_record("6,1,5,-;oom-kill:xoom_memcg=/wrong,oom_memcg=/right,pid=3");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->oom_memcg, "/right");
}

TEST(KmsgFile, OpenedAtTheEndReadsOnlyWhatComesAfter) {
  // A FIFO stands in for /dev/kmsg: one write is one record, like the device's reads.
  char dir[] = "/tmp/mt-kmsg-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/kmsg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int writer_keepalive = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  auto fd = open_kmsg_at_end(fifo.c_str());
  ASSERT_FALSE(fd.ok()) << "a FIFO cannot seek: the error says so";
  EXPECT_NE(fd.error().message.find("cannot seek"), std::string::npos);
  ::close(writer);
  ::close(writer_keepalive);
  ::unlink(fifo.c_str());

  // A regular file: positioned at the end, reads nothing until a record is appended.
  const std::string file = std::string(dir) + "/log";
  std::FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("6,1,1,-;old record", f);
  std::fclose(f);
  auto at_end = open_kmsg_at_end(file.c_str());
  ASSERT_TRUE(at_end.ok()) << at_end.error().message;
  EXPECT_FALSE(read_kmsg_record(*at_end));
  f = std::fopen(file.c_str(), "a");
  std::fputs(std::string(kOomKill).c_str(), f);
  std::fclose(f);
  auto rec = read_kmsg_record(*at_end);
  ASSERT_TRUE(rec);
  EXPECT_TRUE(parse_oom_kill_record(*rec));
  ::close(*at_end);
  ::unlink(file.c_str());
  ::rmdir(dir);

  EXPECT_FALSE(open_kmsg_at_end("/nonexistent/kmsg").ok());
}

}  // namespace
}  // namespace mt::kernel
