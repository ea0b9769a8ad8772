// Parsers for the memory files the kernel exposes, split from the I/O so they run on fixtures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::kernel {

inline constexpr std::uint64_t kUnlimited = UINT64_MAX;

// "key value" lines: memory.events, memory.stat, memory.oom_control, cgroup.stat.
Result<std::map<std::string, std::uint64_t>> parse_flat_keyed(std::string_view text);
// A single number, or "max" (cgroup v2) -> kUnlimited. v1 reports "unlimited" as a huge number
// (PAGE_COUNTER_MAX * page size); values >= 2^62 are returned as kUnlimited too.
Result<std::uint64_t> parse_limit(std::string_view text);
// /proc/meminfo: "MemTotal:       24590056 kB" -> bytes, by key.
Result<std::map<std::string, std::uint64_t>> parse_meminfo(std::string_view text);
// What of a memory cgroup's usage reclaim can take back without swap, from its memory.stat:
// v1 total_inactive_file + total_active_file (the file LRUs, hierarchical; v1 memory.stat has
// no reclaimable-slab key), v2 (file - shmem) + slab_reclaimable. Dirty and writeback pages are
// included: reclaim writes them back first, slower.
std::uint64_t reclaimable_bytes(const std::map<std::string, std::uint64_t>& stat, bool v2);
// Pages scanned and reclaimed ("stolen") so far: v2 memory.stat pgscan/pgsteal (the cgroup's),
// /proc/vmstat pgscan_anon+pgscan_file / pgsteal_anon+pgsteal_file (the system's; older kernels:
// the kswapd, direct and khugepaged counters).
struct ReclaimCounters {
  std::uint64_t scanned = 0, stolen = 0;
};
ReclaimCounters reclaim_counters_v2(const std::map<std::string, std::uint64_t>& stat);
ReclaimCounters reclaim_counters_vmstat(const std::map<std::string, std::uint64_t>& vmstat);
Result<std::uint64_t> read_mem_total(const std::filesystem::path& meminfo = "/proc/meminfo");

}  // namespace mt::kernel
