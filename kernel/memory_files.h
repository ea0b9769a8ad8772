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
Result<std::uint64_t> read_mem_total(const std::filesystem::path& meminfo = "/proc/meminfo");

}  // namespace mt::kernel
