#include "kernel/memory_files.h"

#include <fmt/format.h>

#include <charconv>

#include "common/fs.h"
#include "common/text.h"

namespace mt::kernel {
namespace {

constexpr std::uint64_t kUnlimitedThreshold = std::uint64_t{1} << 62;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool to_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Calls f(line_no, line) for every non-blank line, trimmed.
template <class F>
Status for_each_line(std::string_view text, F&& f) {
  int line_no = 0;
  while (!text.empty()) {
    std::string_view line = trim(next_line(text));
    ++line_no;
    if (line.empty()) continue;
    if (Status s = f(line_no, line); !s) return s;
  }
  return {};
}

}  // namespace

Result<std::map<std::string, std::uint64_t>> parse_flat_keyed(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  Status s = for_each_line(text, [&](int line_no, std::string_view line) -> Status {
    auto sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos)
      return make_error(fmt::format("line {}: expected 'key value', got '{}'", line_no, line));
    std::string_view key = line.substr(0, sp);
    std::string_view value = trim(line.substr(sp));
    std::uint64_t v = 0;
    if (!to_u64(value, v))
      return make_error(fmt::format("line {}: value of '{}' is not an unsigned integer: '{}'",
                                    line_no, key, value));
    if (!out.emplace(std::string(key), v).second)
      return make_error(fmt::format("line {}: duplicate key '{}'", line_no, key));
    return {};
  });
  if (!s) return s.error();
  return out;
}

Result<std::uint64_t> parse_limit(std::string_view text) {
  std::string_view s = trim(text);
  if (s == "max") return kUnlimited;
  std::uint64_t v = 0;
  if (!to_u64(s, v))
    return make_error(fmt::format("expected a number of bytes or 'max', got '{}'", s));
  return v >= kUnlimitedThreshold ? kUnlimited : v;
}

Result<std::map<std::string, std::uint64_t>> parse_meminfo(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  Status s = for_each_line(text, [&](int line_no, std::string_view line) -> Status {
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return make_error(
          fmt::format("line {}: expected 'Key: value [kB]', got '{}'", line_no, line));
    std::string_view key = line.substr(0, colon);
    std::string_view rest = trim(line.substr(colon + 1));
    std::uint64_t multiplier = 1;
    if (rest.size() > 2 && rest.substr(rest.size() - 2) == "kB") {
      multiplier = 1024;
      rest = trim(rest.substr(0, rest.size() - 2));
    }
    std::uint64_t v = 0;
    if (!to_u64(rest, v))
      return make_error(fmt::format("line {}: value of '{}' is not a number: '{}'", line_no, key,
                                    trim(line.substr(colon + 1))));
    if (v > UINT64_MAX / multiplier)
      return make_error(fmt::format("line {}: value of '{}' overflows", line_no, key));
    if (!out.emplace(std::string(key), v * multiplier).second)
      return make_error(fmt::format("line {}: duplicate key '{}'", line_no, key));
    return {};
  });
  if (!s) return s.error();
  return out;
}

namespace {

std::uint64_t get(const std::map<std::string, std::uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

std::uint64_t reclaimable_bytes(const std::map<std::string, std::uint64_t>& stat, bool v2) {
  if (!v2) return get(stat, "total_inactive_file") + get(stat, "total_active_file");
  const std::uint64_t file = get(stat, "file"), shmem = get(stat, "shmem");
  return (file > shmem ? file - shmem : 0) + get(stat, "slab_reclaimable");
}

ReclaimCounters reclaim_counters_v2(const std::map<std::string, std::uint64_t>& stat) {
  return {.scanned = get(stat, "pgscan"), .stolen = get(stat, "pgsteal")};
}

ReclaimCounters reclaim_counters_vmstat(const std::map<std::string, std::uint64_t>& vmstat) {
  if (vmstat.contains("pgscan_anon") || vmstat.contains("pgscan_file"))
    return {.scanned = get(vmstat, "pgscan_anon") + get(vmstat, "pgscan_file"),
            .stolen = get(vmstat, "pgsteal_anon") + get(vmstat, "pgsteal_file")};
  ReclaimCounters c;
  for (const char* who : {"kswapd", "direct", "khugepaged"}) {
    c.scanned += get(vmstat, std::string("pgscan_") + who);
    c.stolen += get(vmstat, std::string("pgsteal_") + who);
  }
  return c;
}

Result<std::uint64_t> read_mem_total(const std::filesystem::path& meminfo) {
  auto text = fs::read_file(meminfo);
  if (!text) return text.error();
  auto parsed = parse_meminfo(*text);
  if (!parsed) return make_error(fmt::format("{}: {}", meminfo.string(), parsed.error().message));
  auto it = parsed->find("MemTotal");
  if (it == parsed->end()) return make_error(fmt::format("{}: no MemTotal line", meminfo.string()));
  return it->second;
}

}  // namespace mt::kernel
