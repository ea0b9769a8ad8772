// The kernel log as /dev/kmsg gives it: one record per read(), "<prio>,<seq>,<usec>,<flags>;
// <text>", where <usec> is CLOCK_MONOTONIC in microseconds. Used for the kernel's own time of an
// OOM kill: the "oom-kill:" line the OOM killer prints before it kills (mm/oom_kill.c,
// dump_oom_victim), which names the OOM's memory cgroup, the victim's pid and its command.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::kernel {

struct KmsgRecord {
  std::uint64_t usec = 0;  // CLOCK_MONOTONIC
  std::string_view text;
};
std::optional<KmsgRecord> parse_kmsg_record(std::string_view record);

struct OomKillLine {
  std::uint64_t usec = 0;
  std::string oom_memcg;   // "/memtorture/c1": the cgroup whose limit was hit
  std::string task_memcg;  // the victim's cgroup
  std::string task;        // its command
  pid_t pid = 0;
};
// "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/x,task_memcg=/x/y,task=z,pid=1,uid=0".
std::optional<OomKillLine> parse_oom_kill_record(std::string_view record);

// /dev/kmsg (or `path`) opened non-blocking and positioned after the last record.
Result<int> open_kmsg_at_end(const char* path = "/dev/kmsg");
// The next record, without blocking: nullopt when there is none yet. Records overwritten before
// they were read (EPIPE) are skipped.
std::optional<std::string> read_kmsg_record(int fd);

}  // namespace mt::kernel
