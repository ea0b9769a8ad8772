#include "cgroup/delegation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/xattr.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "cgroup/cgroup.h"
#include "common/fs.h"
#include "common/text.h"

namespace mt::cgroup {
namespace stdfs = std::filesystem;

namespace {

// The pids in <dir>/cgroup.procs, for an error message.
std::string pids_in(const stdfs::path& dir) {
  auto text = fs::read_file(dir / "cgroup.procs");
  if (!text) return "?";
  const std::vector<pid_t> pids = parse_pids(*text);
  return pids.empty() ? "none" : fmt::format("{}", fmt::join(pids, " "));
}

// An explicit --cgroup-parent: a directory of the cgroup2 hierarchy that offers the memory
// controller to its children.
Result<stdfs::path> explicit_parent(const Layout& layout, std::string_view requested) {
  stdfs::path p(requested);
  stdfs::path rel = p.is_absolute() ? p.lexically_normal().lexically_relative(layout.memory_root)
                                    : p.lexically_normal();
  if (p.is_absolute() && (rel.empty() || *rel.begin() == ".."))
    rel = p.relative_path().lexically_normal();  // "/system.slice/x" as /proc/self/cgroup says
  if (!rel.has_filename() && rel.has_parent_path()) rel = rel.parent_path();
  for (const auto& part : rel)
    if (part == "..")
      return make_error(fmt::format("--cgroup-parent '{}': leaves the cgroup2 hierarchy at {}",
                                    requested, layout.memory_root.string()));
  if (rel.empty() || rel == ".")
    return stdfs::path{};  // the root itself
  stdfs::path dir = layout.memory_root / rel;
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec))
    return make_error(fmt::format("--cgroup-parent '{}': no such cgroup ({})", requested,
                                  dir.string()));
  auto controllers = fs::read_line(dir / "cgroup.controllers");
  if (!controllers)
    return make_error(fmt::format("--cgroup-parent '{}': {} is not a cgroup v2 directory ({})",
                                  requested, dir.string(), controllers.error().message));
  if (!lists_controller(*controllers, "memory"))
    return make_error(fmt::format(
        "--cgroup-parent '{}': the memory controller is not available in {} (cgroup.controllers "
        "'{}'): its parent does not enable it in cgroup.subtree_control",
        requested, dir.string(), *controllers));
  return dir;
}

}  // namespace

Result<stdfs::path> own_unified_cgroup(std::string_view proc_self_cgroup) {
  while (!proc_self_cgroup.empty()) {
    std::string_view line = next_line(proc_self_cgroup);
    if (line.starts_with("0::")) {
      line.remove_prefix(3);
      if (line.empty() || line.front() != '/')
        return make_error(fmt::format("/proc/self/cgroup: '0::{}' is not an absolute path", line));
      return stdfs::path(line).lexically_normal();
    }
  }
  return make_error("/proc/self/cgroup has no '0::' line: the process is in no cgroup2 hierarchy");
}

DelegationFacts host_delegation_facts() {
  DelegationFacts f;
  if (auto text = fs::read_file("/proc/self/cgroup")) f.proc_self_cgroup = std::move(*text);
  const char* invocation = std::getenv("INVOCATION_ID");
  f.under_systemd = invocation != nullptr && *invocation != '\0';
  f.delegate_attribute = [](const stdfs::path& dir) -> std::optional<std::string> {
    for (const char* name : {"trusted.delegate", "user.delegate"}) {
      std::array<char, 16> value{};
      ssize_t n = ::getxattr(dir.c_str(), name, value.data(), value.size());
      if (n >= 0) return std::string(value.data(), static_cast<std::size_t>(n));
    }
    return std::nullopt;
  };
  return f;
}

Result<CampaignParent> choose_campaign_parent(const Layout& layout, std::string_view requested,
                                              const DelegationFacts& facts) {
  const std::string root = layout.memory_root.string();
  if (requested != "auto") {
    if (!layout.memory_v2)
      return make_error(fmt::format(
          "--cgroup-parent '{}': needs the memory controller on cgroup v2; here it is cgroup v1 "
          "at {} (campaigns go under that root)",
          requested, root));
    auto dir = explicit_parent(layout, requested);
    if (!dir) return dir.error();
    if (dir->empty()) return CampaignParent{{}, "the cgroup2 root (--cgroup-parent /)"};
    return CampaignParent{*dir, fmt::format("--cgroup-parent {}", requested)};
  }
  if (!layout.memory_v2)
    return CampaignParent{{}, "the hierarchy's root: the memory controller is cgroup v1 here"};
  auto own = own_unified_cgroup(facts.proc_self_cgroup);
  if (!own)
    return CampaignParent{{}, fmt::format("the hierarchy's root ({})", own.error().message)};
  if (*own == "/") return CampaignParent{{}, "the hierarchy's root: the daemon runs in the root cgroup"};
  const stdfs::path own_dir = layout.memory_root / own->relative_path();
  // A leaf the daemon moved itself into earlier (a restart in place) belongs to the subtree.
  stdfs::path subtree = own_dir;
  if (own_dir.filename() == kDaemonLeaf) subtree = own_dir.parent_path();
  std::optional<std::string> mark =
      facts.delegate_attribute ? facts.delegate_attribute(subtree) : std::nullopt;
  if (mark && (*mark == "1" || *mark == "1\n"))
    return CampaignParent{
        subtree, fmt::format("{} delegated it to the daemon (trusted.delegate=1 on {})",
                             facts.under_systemd ? "systemd (Delegate=yes)" : "its manager",
                             subtree.string())};
  if (facts.under_systemd)
    return CampaignParent{
        {}, fmt::format("the hierarchy's root: the systemd unit did not delegate its cgroup {} "
                        "(no trusted.delegate attribute; add Delegate=yes to keep campaigns "
                        "inside the service's subtree)",
                        own->string())};
  return CampaignParent{
      {}, fmt::format("the hierarchy's root: the daemon's cgroup {} is not delegated to it",
                      own->string())};
}

Result<std::unique_ptr<DelegatedSubtree>> DelegatedSubtree::adopt(const stdfs::path& dir,
                                                                  pid_t self,
                                                                  std::shared_ptr<CgroupOps> ops) {
  std::unique_ptr<DelegatedSubtree> s(new DelegatedSubtree(dir, self, std::move(ops)));
  CgroupOps& o = *s->ops_;
  // Is the daemon in `dir` itself? Then it must leave for a leaf first.
  auto procs = fs::read_file(dir / "cgroup.procs");
  if (!procs)
    return make_error(fmt::format("cannot read {}/cgroup.procs: {}", dir.string(),
                                  procs.error().message));
  const std::vector<pid_t> pids = parse_pids(*procs);
  const bool inside = std::find(pids.begin(), pids.end(), self) != pids.end();
  if (inside) {
    const stdfs::path leaf = dir / kDaemonLeaf;
    int rc = o.make_dir(leaf);
    if (rc != 0 && rc != EEXIST)
      return make_error(
          fmt::format("cannot create the daemon's leaf {}: {}", leaf.string(), fs::errno_text(rc)));
    s->made_leaf_ = rc == 0;
    s->leaf_ = leaf;
    if (Status st = o.write(leaf / "cgroup.procs", std::to_string(self)); !st) {
      (void)s->release();  // undo what was made; the first error is the one to report
      return make_error(fmt::format("cannot move the daemon (pid {}) into {}: {}", self,
                                    leaf.string(), st.error().message));
    }
  }
  std::string control;
  if (auto text = fs::read_line(dir / "cgroup.subtree_control")) control = *text;
  if (!lists_controller(control, "memory")) {
    if (Status st = o.write(dir / "cgroup.subtree_control", "+memory"); !st) {
      std::string others = pids_in(dir);
      (void)s->release();
      return make_error(fmt::format(
          "cannot enable the memory controller for campaign cgroups in {}: {} (processes still "
          "in {}: {})",
          dir.string(), st.error().message, dir.string(), others));
    }
    s->enabled_memory_ = true;
  }
  return s;
}

Status DelegatedSubtree::release() {
  if (std::exchange(released_, true)) return {};
  std::string errors;
  auto note = [&errors](const std::string& e) { errors += (errors.empty() ? "" : "; ") + e; };
  if (enabled_memory_)
    if (Status st = ops_->write(dir_ / "cgroup.subtree_control", "-memory"); !st)
      note(st.error().message);
  if (!leaf_.empty()) {
    if (Status st = ops_->write(dir_ / "cgroup.procs", std::to_string(self_)); !st)
      note(st.error().message);
    else if (made_leaf_)
      if (int rc = ops_->remove_dir(leaf_); rc != 0)
        note(fmt::format("cannot remove {}: {}", leaf_.string(), fs::errno_text(rc)));
  }
  if (!errors.empty()) return make_error("putting the delegated cgroup back: " + errors);
  return {};
}

DelegatedSubtree::~DelegatedSubtree() { (void)release(); }

}  // namespace mt::cgroup
