// A campaign's cgroup: <campaign root>/<prefix>/<name> (the memory hierarchy's root, or the
// subtree delegated to the daemon: Layout::campaign_root), plus on hybrid hosts its cgroup2 twin
// <unified_root>/<prefix>/<name> for per-cgroup PSI. Everything the project creates lives under
// the prefix; nothing outside it is created or written.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/layout.h"
#include "cgroup/ops.h"
#include "common/result.h"
#include "kernel/psi.h"

namespace mt::cgroup {

// The pids of a cgroup.procs file's text, one per line.
std::vector<pid_t> parse_pids(std::string_view text);
// Whether a cgroup.controllers or cgroup.subtree_control line ("cpu io memory") names `controller`.
bool lists_controller(std::string_view line, std::string_view controller);

// [A-Za-z0-9_.-]+, not "." or "..", at most 64 characters.
bool valid_name(std::string_view name);
// A prefix is a valid name that starts with "memtorture".
bool valid_prefix(std::string_view prefix);

struct Limits {
  // v1 memory.limit_in_bytes, v2 memory.max. Must be set: 0 is refused; kernel::kUnlimited
  // writes "-1" (v1) / "max" (v2).
  std::uint64_t memory_limit = 0;
  std::optional<std::uint64_t> memory_high;  // v2 memory.high; an error on v1
};

struct MemoryStats {
  std::uint64_t usage = 0;   // v1 memory.usage_in_bytes, v2 memory.current
  std::uint64_t peak = 0;    // v1 memory.max_usage_in_bytes, v2 memory.peak (0 if absent)
  std::uint64_t limit = 0;   // kernel::kUnlimited when unlimited
  std::uint64_t kernel = 0;  // v1 memory.kmem.usage_in_bytes, v2 memory.stat "kernel" (0 if absent)
  std::uint64_t failcnt = 0;     // v1 memory.failcnt, v2 memory.events "max"
  std::uint64_t oom_events = 0;  // v2 memory.events "oom"; v1 has no counter (0)
  std::uint64_t oom_kills = 0;   // v1 memory.oom_control "oom_kill", v2 memory.events "oom_kill"
};

// The counters of any memory cgroup directory `dir` (v1 or v2 files), and its memory.stat.
Result<MemoryStats> read_memory_stats(const std::filesystem::path& dir, bool memory_v2);
Result<std::map<std::string, std::uint64_t>> read_memory_stat(const std::filesystem::path& dir);

class CampaignCgroup {
 public:
  // Creates <prefix>/ (if missing) and <prefix>/<name>/ in the memory hierarchy (and the
  // unified twin on hybrid hosts), enables +memory in the prefix's subtree_control on v2, sets the
  // limits. On any failure, removes what it created and returns the error.
  static Result<std::unique_ptr<CampaignCgroup>> create(const Layout& layout,
                                                        const std::string& prefix,
                                                        const std::string& name,
                                                        const Limits& limits);
  // The same with the kernel's side effects going through `ops` (FakeCgroupFs in tests).
  static Result<std::unique_ptr<CampaignCgroup>> create(const Layout& layout,
                                                        const std::string& prefix,
                                                        const std::string& name,
                                                        const Limits& limits,
                                                        std::shared_ptr<CgroupOps> ops);
  // Best-effort remove() if it was not called.
  ~CampaignCgroup();
  CampaignCgroup(const CampaignCgroup&) = delete;
  CampaignCgroup& operator=(const CampaignCgroup&) = delete;

  const std::filesystem::path& memory_path() const { return memory_path_; }
  // Empty when the host has no cgroup2 twin (pure v1).
  const std::filesystem::path& unified_path() const { return unified_path_; }
  // The cgroup.procs files a new process must be written into (memory cgroup first, then the
  // twin). A forked child writes "0" into each before exec (see attach_self_raw).
  std::vector<std::filesystem::path> procs_files() const;

  Status attach(pid_t pid) const;
  Result<MemoryStats> read_memory() const;
  // memory.stat, by key (v1: this cgroup's and total_* hierarchical keys; v2: hierarchical).
  Result<std::map<std::string, std::uint64_t>> read_memory_stat() const;
  bool memory_v2() const { return layout_.memory_v2; }
  // memory.pressure of this cgroup (v2 cgroup or hybrid twin); nullopt when the host has none.
  std::optional<std::filesystem::path> pressure_file() const;
  Result<kernel::Psi> read_psi() const;
  // Pids in the memory cgroup and the twin (deduplicated).
  std::vector<pid_t> pids() const;

  // SIGKILLs whatever is still inside (by pid, or cgroup.kill on v2), waits until empty (up to
  // `timeout`), rmdirs both directories, removes <prefix>/ when it is empty, and verifies the
  // directories are gone. Idempotent.
  Status remove(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  CampaignCgroup(Layout layout, std::string prefix, std::filesystem::path memory_path,
                 std::filesystem::path unified_path);
  Layout layout_;
  std::string prefix_;
  std::filesystem::path memory_path_;
  std::filesystem::path unified_path_;
  std::shared_ptr<CgroupOps> ops_;
  bool removed_ = false;
};

// Async-signal-safe: writes "0" (the calling process) into each procs file. For the child
// between fork and exec. Returns 0, or the errno of the first failure.
int attach_self_raw(const char* const* procs_files, int count);

// Removes every campaign cgroup left under <prefix>/ by a daemon that died (kills what is
// inside, rmdirs). Returns the names it removed. Each name gets `timeout` to empty, as in
// remove(). Only for a prefix no live daemon is using (the daemon holds a lock file): it kills
// whatever is in the cgroups under it.
Result<std::vector<std::string>> sweep_prefix(const Layout& layout, const std::string& prefix);
Result<std::vector<std::string>> sweep_prefix(
    const Layout& layout, const std::string& prefix, CgroupOps& ops,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace mt::cgroup
