// Where campaign cgroups go on a cgroup v2 host: under the hierarchy's root, or inside a subtree
// delegated to the daemon (systemd's Delegate=yes, or --cgroup-parent), never beside the service
// manager's own cgroups. cgroup v2's "no internal processes" rule means a cgroup that enables
// the memory controller for its children holds no processes itself, so the daemon first moves
// itself into a leaf of that subtree (<subtree>/memtortured), then enables +memory in the
// subtree's cgroup.subtree_control. DelegatedSubtree undoes both when the daemon stops.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cgroup/layout.h"
#include "cgroup/ops.h"
#include "common/result.h"

namespace mt::cgroup {

// The leaf the daemon moves itself into when it runs in the subtree its campaigns go under.
inline constexpr std::string_view kDaemonLeaf = "memtortured";

// The daemon's own cgroup2 path ("/system.slice/memtortured.service") from /proc/self/cgroup
// text: its "0::" line. An error when there is none (no cgroup2 hierarchy).
Result<std::filesystem::path> own_unified_cgroup(std::string_view proc_self_cgroup);

// What decides where campaigns go, read from the host by host_delegation_facts() or made up by
// tests.
struct DelegationFacts {
  std::string proc_self_cgroup;  // /proc/self/cgroup
  // The value of the "trusted.delegate" (or "user.delegate") extended attribute of a cgroup
  // directory, which systemd (since v251) sets to "1" on the cgroups it delegates; nullopt when
  // the directory has neither.
  std::function<std::optional<std::string>(const std::filesystem::path&)> delegate_attribute;
  bool under_systemd = false;  // $INVOCATION_ID is set: started as a systemd unit
};
DelegationFacts host_delegation_facts();

struct CampaignParent {
  std::filesystem::path dir;  // empty: the memory hierarchy's root
  std::string why;            // one line for the log and `memtorturectl system`
};

// `requested` is --cgroup-parent: "auto" (the subtree systemd delegated to the daemon if it runs
// in one, else the hierarchy's root) or a cgroup v2 directory, relative to the cgroup2 mount
// ("system.slice/memtortured.service") or absolute under it. The error says what is wrong
// with an explicit directory (not v2 memory, missing, outside the mount, no memory controller).
Result<CampaignParent> choose_campaign_parent(const Layout& layout, std::string_view requested,
                                              const DelegationFacts& facts);

// A subtree taken over for campaigns: the daemon moved into <dir>/memtortured when it ran in
// <dir> itself, +memory enabled in <dir>/cgroup.subtree_control when it was not. release() (or
// the destructor) undoes exactly that: -memory, the daemon back into <dir>, the leaf removed.
class DelegatedSubtree {
 public:
  // On failure nothing is left changed and the error names the file and the processes that
  // stand in the way (other processes in <dir> make the subtree_control write fail with EBUSY).
  static Result<std::unique_ptr<DelegatedSubtree>> adopt(const std::filesystem::path& dir,
                                                         pid_t self,
                                                         std::shared_ptr<CgroupOps> ops);
  ~DelegatedSubtree();
  DelegatedSubtree(const DelegatedSubtree&) = delete;
  DelegatedSubtree& operator=(const DelegatedSubtree&) = delete;

  // Once campaign cgroups are gone; the destructor calls it when nobody did (and drops its
  // error). Errors name each step that failed.
  Status release();
  // Where the daemon runs now: <dir>/memtortured, or empty when it did not have to move.
  const std::filesystem::path& leaf() const { return leaf_; }

 private:
  DelegatedSubtree(std::filesystem::path dir, pid_t self, std::shared_ptr<CgroupOps> ops)
      : dir_(std::move(dir)), self_(self), ops_(std::move(ops)) {}
  std::filesystem::path dir_;
  pid_t self_;
  std::shared_ptr<CgroupOps> ops_;
  std::filesystem::path leaf_;
  bool made_leaf_ = false;
  bool enabled_memory_ = false;
  bool released_ = false;
};

}  // namespace mt::cgroup
