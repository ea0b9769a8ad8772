#include "cgroup/cgroup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>

#include "common/fs.h"
#include "common/text.h"
#include "kernel/memory_files.h"

namespace mt::cgroup {
namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kPollInterval = 10ms;
constexpr std::size_t kMaxNameLength = 64;

bool path_exists(const stdfs::path& p) {
  std::error_code ec;
  return stdfs::exists(p, ec);
}

// The cgroup2 twin's hierarchy root: only when memory is on v1 and a cgroup2 mount exists.
stdfs::path twin_root(const Layout& layout) {
  if (layout.memory_v2 || layout.unified_root.empty()) return {};
  return layout.unified_root;
}

// Where <prefix>/ lives in the hierarchies a campaign uses: the memory one (its campaign root),
// then the twin's (if any).
std::vector<stdfs::path> hierarchy_roots(const Layout& layout) {
  std::vector<stdfs::path> roots{layout.campaign_root()};
  if (stdfs::path twin = twin_root(layout); !twin.empty()) roots.push_back(twin);
  return roots;
}

// Pids in <dir>/cgroup.procs; a directory that has gone away holds none.
std::vector<pid_t> read_pids(const stdfs::path& dir) {
  auto text = fs::read_file(dir / "cgroup.procs");
  return text ? parse_pids(*text) : std::vector<pid_t>{};
}

// `dir` and every cgroup below it, children before parents (the order rmdir needs).
void collect_tree(const stdfs::path& dir, std::vector<stdfs::path>& out) {
  std::error_code ec;
  if (!stdfs::is_directory(stdfs::symlink_status(dir, ec))) return;
  for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->symlink_status(ec).type() == stdfs::file_type::directory) collect_tree(it->path(), out);
  }
  out.push_back(dir);
}

std::string join_pids(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += (out.empty() ? "" : " ") + std::to_string(p);
  return out;
}

// Kills everything in `dirs` (and cgroups below them), waits until they are empty, rmdirs them,
// and checks they are gone. Directories that do not exist are fine (idempotent).
Status empty_and_remove(CgroupOps& ops, const std::vector<stdfs::path>& dirs,
                        std::chrono::milliseconds timeout) {
  const auto start = ops.clock().now();
  const pid_t self = ::getpid();
  std::vector<std::string> remains;
  for (;;) {
    remains.clear();
    std::vector<stdfs::path> tree;
    for (const stdfs::path& d : dirs) collect_tree(d, tree);

    bool populated = false;
    for (const stdfs::path& d : tree) {
      std::vector<pid_t> pids = read_pids(d);
      if (pids.empty()) continue;
      populated = true;
      remains.push_back(fmt::format("{} still holds pids {}", d.string(), join_pids(pids)));
      if (std::find(pids.begin(), pids.end(), self) != pids.end())
        return make_error(fmt::format("refusing to kill pid {} (this process), which is in {}",
                                      self, d.string()));
      // cgroup.kill (v2, 5.14+) also catches children forked while we kill.
      if (path_exists(d / "cgroup.kill") && ops.write(d / "cgroup.kill", "1")) continue;
      for (pid_t p : pids) ops.kill_process(p);  // ESRCH: it exited meanwhile
    }

    if (!populated) {
      for (const stdfs::path& d : tree) {  // children first
        int rc = ops.remove_dir(d);
        if (rc != 0 && rc != ENOENT)
          remains.push_back(fmt::format("cannot remove {}: {}", d.string(), fs::errno_text(rc)));
      }
      if (remains.empty()) break;
    }
    if (ops.clock().now() - start >= timeout) {
      std::string what;
      for (const std::string& r : remains) what += (what.empty() ? "" : "; ") + r;
      return make_error(fmt::format("after {} ms: {}", timeout.count(), what));
    }
    ops.sleep_for(kPollInterval);
  }

  for (const stdfs::path& d : dirs) {
    if (path_exists(d)) return make_error(fmt::format("{} still exists after rmdir", d.string()));
  }
  return {};
}

// rmdir <root>/<prefix> for each hierarchy; other campaigns may still be using it.
void remove_prefix_dirs(CgroupOps& ops, const Layout& layout, const std::string& prefix) {
  for (const stdfs::path& root : hierarchy_roots(layout)) (void)ops.remove_dir(root / prefix);
}

bool subtree_control_has_memory(const stdfs::path& dir, std::string* content) {
  auto text = fs::read_line(dir / "cgroup.subtree_control");
  if (!text) {
    *content = text.error().message;
    return false;
  }
  *content = *text;
  return lists_controller(*text, "memory");
}

// Removes, in reverse order, the directories a failed create() made.
class Undo {
 public:
  explicit Undo(CgroupOps& ops) : ops_(ops) {}
  ~Undo() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) (void)ops_.remove_dir(*it);
  }
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  void made(stdfs::path dir) { made_.push_back(std::move(dir)); }
  void commit() { made_.clear(); }

 private:
  CgroupOps& ops_;
  std::vector<stdfs::path> made_;
};

// mkdir <root>/<prefix> if missing (a concurrent creator may win: EEXIST is fine), and on v2
// delegate the memory controller to its children.
Status ensure_prefix(CgroupOps& ops, Undo& undo, const stdfs::path& root, const std::string& prefix,
                     bool enable_memory) {
  stdfs::path dir = root / prefix;
  int rc = ops.make_dir(dir);
  if (rc == 0) {
    undo.made(dir);
  } else if (rc != EEXIST) {
    return make_error(fmt::format("cannot create {}: {}", dir.string(), fs::errno_text(rc)));
  }
  if (enable_memory) {
    if (Status s = ops.write(dir / "cgroup.subtree_control", "+memory"); !s)
      return make_error("cannot enable the memory controller for campaign cgroups: " +
                        s.error().message);
  }
  return {};
}

Result<stdfs::path> make_campaign_dir(CgroupOps& ops, Undo& undo, const stdfs::path& root,
                                      const std::string& prefix, const std::string& name,
                                      bool enable_memory) {
  // Another campaign's remove() may empty and remove the prefix at any moment: between its
  // mkdir and the subtree_control write (ENODEV on cgroup v2: seen in a 6.12 guest), or before
  // our mkdir of the campaign (ENOENT). Both mean: make the prefix again. Whether it is gone
  // cannot be told afterwards (a third creator may have made it again meanwhile, as a guest run
  // showed): every failure is tried again, a lasting one three times more.
  Status made = ensure_prefix(ops, undo, root, prefix, enable_memory);
  for (int again = 0; again < 3 && !made; ++again)
    made = ensure_prefix(ops, undo, root, prefix, enable_memory);
  if (!made) return made.error();
  stdfs::path dir = root / prefix / name;
  int rc = ops.make_dir(dir);
  if (rc == ENOENT) {
    if (Status s = ensure_prefix(ops, undo, root, prefix, enable_memory); !s) return s.error();
    rc = ops.make_dir(dir);
  }
  if (rc == EEXIST)
    return make_error(fmt::format(
        "{} already exists: a campaign named '{}' is running, or a daemon that died left it "
        "behind (sweep_prefix removes leftovers)",
        dir.string(), name));
  if (rc != 0)
    return make_error(fmt::format("cannot create {}: {}", dir.string(), fs::errno_text(rc)));
  undo.made(dir);
  return dir;
}

std::string limit_text(std::uint64_t bytes, bool v2) {
  if (bytes == kernel::kUnlimited) return v2 ? "max" : "-1";
  return std::to_string(bytes);
}

// A number file (memory.usage_in_bytes, memory.max, ...); a missing optional file reads as 0.
Result<std::uint64_t> read_number(const stdfs::path& file, bool optional, bool limit = false) {
  if (optional && !path_exists(file)) return std::uint64_t{0};
  auto text = fs::read_file(file);
  if (!text) return text.error();
  if (limit) {
    auto v = kernel::parse_limit(*text);
    if (!v) return make_error(fmt::format("{}: {}", file.string(), v.error().message));
    return v;
  }
  auto line = fs::read_u64(file);
  return line;
}

// A flat-keyed file (memory.events, memory.stat, memory.oom_control); missing optional: empty.
Result<std::map<std::string, std::uint64_t>> read_keyed(const stdfs::path& file, bool optional) {
  if (optional && !path_exists(file)) return std::map<std::string, std::uint64_t>{};
  auto text = fs::read_file(file);
  if (!text) return text.error();
  auto parsed = kernel::parse_flat_keyed(*text);
  if (!parsed) return make_error(fmt::format("{}: {}", file.string(), parsed.error().message));
  return parsed;
}

std::uint64_t key_or_zero(const std::map<std::string, std::uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

std::vector<pid_t> parse_pids(std::string_view text) {
  std::vector<pid_t> out;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    pid_t pid = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec == std::errc() && pid > 0) out.push_back(pid);
  }
  return out;
}

bool lists_controller(std::string_view line, std::string_view controller) {
  while (!line.empty()) {
    const auto end = line.find_first_of(" \n");
    if (line.substr(0, end) == controller) return true;
    if (end == std::string_view::npos) break;
    line.remove_prefix(end + 1);
  }
  return false;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool valid_prefix(std::string_view prefix) {
  return valid_name(prefix) && prefix.starts_with("memtorture");
}

Result<std::unique_ptr<CampaignCgroup>> CampaignCgroup::create(const Layout& layout,
                                                               const std::string& prefix,
                                                               const std::string& name,
                                                               const Limits& limits) {
  return create(layout, prefix, name, limits, kernel_ops());
}

Result<std::unique_ptr<CampaignCgroup>> CampaignCgroup::create(const Layout& layout,
                                                               const std::string& prefix,
                                                               const std::string& name,
                                                               const Limits& limits,
                                                               std::shared_ptr<CgroupOps> ops) {
  if (!valid_prefix(prefix))
    return make_error(fmt::format(
        "invalid cgroup prefix '{}': it must start with 'memtorture', use only [A-Za-z0-9_.-], "
        "and be at most {} characters",
        prefix, kMaxNameLength));
  if (!valid_name(name))
    return make_error(fmt::format(
        "invalid campaign cgroup name '{}': use only [A-Za-z0-9_.-], at most {} characters, "
        "not '.' or '..'",
        name, kMaxNameLength));
  if (layout.memory_root.empty()) return make_error("no memory controller in the cgroup layout");
  if (limits.memory_limit == 0)
    return make_error(fmt::format("campaign cgroup '{}': memory_limit is not set", name));
  if (limits.memory_high && !layout.memory_v2)
    return make_error(fmt::format(
        "campaign cgroup '{}': memory_high needs cgroup v2 (memory.high); this host's memory "
        "controller is cgroup v1 at {}",
        name, layout.memory_root.string()));
  if (layout.memory_v2) {
    std::string content;
    if (!subtree_control_has_memory(layout.campaign_root(), &content))
      return make_error(fmt::format(
          "the memory controller is not enabled in {}/cgroup.subtree_control ('{}'); enable it "
          "there (echo +memory > ...): memtorture does not change cgroups it did not create",
          layout.campaign_root().string(), content));
  }

  Undo undo(*ops);
  auto memory_dir = make_campaign_dir(*ops, undo, layout.campaign_root(), prefix, name,
                                      /*enable_memory=*/layout.memory_v2);
  if (!memory_dir) return memory_dir.error();
  stdfs::path unified_dir;
  if (stdfs::path twin = twin_root(layout); !twin.empty()) {
    auto made = make_campaign_dir(*ops, undo, twin, prefix, name, /*enable_memory=*/false);
    if (!made) return made.error();
    unified_dir = *made;
  } else if (layout.memory_v2) {
    unified_dir = *memory_dir;
  }

  if (layout.memory_v2) {
    if (Status s = ops->write(*memory_dir / "memory.max", limit_text(limits.memory_limit, true));
        !s)
      return s.error();
    if (limits.memory_high) {
      if (Status s = ops->write(*memory_dir / "memory.high", limit_text(*limits.memory_high, true));
          !s)
        return s.error();
    }
  } else {
    if (Status s = ops->write(*memory_dir / "memory.limit_in_bytes",
                              limit_text(limits.memory_limit, false));
        !s)
      return s.error();
  }

  undo.commit();
  std::unique_ptr<CampaignCgroup> cg(
      new CampaignCgroup(layout, prefix, std::move(memory_dir).value(), std::move(unified_dir)));
  cg->ops_ = std::move(ops);
  return cg;
}

CampaignCgroup::CampaignCgroup(Layout layout, std::string prefix, stdfs::path memory_path,
                               stdfs::path unified_path)
    : layout_(std::move(layout)),
      prefix_(std::move(prefix)),
      memory_path_(std::move(memory_path)),
      unified_path_(std::move(unified_path)),
      ops_(kernel_ops()) {}

CampaignCgroup::~CampaignCgroup() {
  if (!removed_) (void)remove();
}

std::vector<stdfs::path> CampaignCgroup::procs_files() const {
  std::vector<stdfs::path> out{memory_path_ / "cgroup.procs"};
  if (!unified_path_.empty() && unified_path_ != memory_path_)
    out.push_back(unified_path_ / "cgroup.procs");
  return out;
}

Status CampaignCgroup::attach(pid_t pid) const {
  for (const stdfs::path& file : procs_files()) {
    if (Status s = ops_->write(file, std::to_string(pid)); !s) return s;
  }
  return {};
}

Result<MemoryStats> read_memory_stats(const stdfs::path& d, bool memory_v2) {
  MemoryStats st;
  auto fill = [](std::uint64_t& field, Result<std::uint64_t> r) -> Status {
    if (!r) return r.error();
    field = *r;
    return {};
  };
  if (!memory_v2) {
    for (Status s : {fill(st.usage, read_number(d / "memory.usage_in_bytes", false)),
                     fill(st.peak, read_number(d / "memory.max_usage_in_bytes", true)),
                     fill(st.limit, read_number(d / "memory.limit_in_bytes", false, true)),
                     fill(st.kernel, read_number(d / "memory.kmem.usage_in_bytes", true)),
                     fill(st.failcnt, read_number(d / "memory.failcnt", false))}) {
      if (!s) return s.error();
    }
    auto oom = read_keyed(d / "memory.oom_control", false);
    if (!oom) return oom.error();
    st.oom_kills = key_or_zero(*oom, "oom_kill");
    return st;
  }
  for (Status s : {fill(st.usage, read_number(d / "memory.current", false)),
                   fill(st.peak, read_number(d / "memory.peak", true)),
                   fill(st.limit, read_number(d / "memory.max", false, true))}) {
    if (!s) return s.error();
  }
  auto stat = read_keyed(d / "memory.stat", true);
  if (!stat) return stat.error();
  st.kernel = key_or_zero(*stat, "kernel");
  auto events = read_keyed(d / "memory.events", false);
  if (!events) return events.error();
  st.failcnt = key_or_zero(*events, "max");
  st.oom_events = key_or_zero(*events, "oom");
  st.oom_kills = key_or_zero(*events, "oom_kill");
  return st;
}

Result<std::map<std::string, std::uint64_t>> read_memory_stat(const stdfs::path& dir) {
  return read_keyed(dir / "memory.stat", false);
}

Result<MemoryStats> CampaignCgroup::read_memory() const {
  return read_memory_stats(memory_path_, layout_.memory_v2);
}

Result<std::map<std::string, std::uint64_t>> CampaignCgroup::read_memory_stat() const {
  return cgroup::read_memory_stat(memory_path_);
}

std::optional<stdfs::path> CampaignCgroup::pressure_file() const {
  if (unified_path_.empty()) return std::nullopt;
  return unified_path_ / "memory.pressure";
}

Result<kernel::Psi> CampaignCgroup::read_psi() const {
  auto file = pressure_file();
  if (!file)
    return make_error(fmt::format("no per-cgroup PSI for {}: this host has no cgroup2 hierarchy",
                                  memory_path_.string()));
  return kernel::read_psi(*file);
}

std::vector<pid_t> CampaignCgroup::pids() const {
  std::set<pid_t> all;
  for (const stdfs::path& file : procs_files()) {
    for (pid_t p : read_pids(file.parent_path())) all.insert(p);
  }
  return {all.begin(), all.end()};
}

Status CampaignCgroup::remove(std::chrono::milliseconds timeout) {
  if (removed_) return {};
  std::vector<stdfs::path> dirs{memory_path_};
  if (!unified_path_.empty() && unified_path_ != memory_path_) dirs.push_back(unified_path_);
  Status s = empty_and_remove(*ops_, dirs, timeout);
  remove_prefix_dirs(*ops_, layout_, prefix_);
  if (!s)
    return make_error(
        fmt::format("removing campaign cgroup {}: {}", memory_path_.string(), s.error().message));
  removed_ = true;
  return {};
}

int attach_self_raw(const char* const* procs_files, int count) {
  for (int i = 0; i < count; ++i) {
    int fd;
    do {
      fd = ::open(procs_files[i], O_WRONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno;
    ssize_t n;
    do {
      n = ::write(fd, "0", 1);
    } while (n < 0 && errno == EINTR);
    int err = n == 1 ? 0 : (n < 0 ? errno : EIO);
    ::close(fd);
    if (err != 0) return err;
  }
  return 0;
}

Result<std::vector<std::string>> sweep_prefix(const Layout& layout, const std::string& prefix) {
  return sweep_prefix(layout, prefix, *kernel_ops());
}

Result<std::vector<std::string>> sweep_prefix(const Layout& layout, const std::string& prefix,
                                              CgroupOps& ops, std::chrono::milliseconds timeout) {
  if (!valid_prefix(prefix))
    return make_error(
        fmt::format("invalid cgroup prefix '{}': it must start with 'memtorture'", prefix));
  if (layout.memory_root.empty()) return make_error("no memory controller in the cgroup layout");
  const std::vector<stdfs::path> roots = hierarchy_roots(layout);
  std::set<std::string> names;
  for (const stdfs::path& root : roots) {
    std::error_code ec;
    for (stdfs::directory_iterator it(root / prefix, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->symlink_status(ec).type() == stdfs::file_type::directory)
        names.insert(it->path().filename().string());
    }
  }
  std::vector<std::string> removed;
  std::string errors;
  for (const std::string& name : names) {
    std::vector<stdfs::path> dirs;
    for (const stdfs::path& root : roots) dirs.push_back(root / prefix / name);
    if (Status s = empty_and_remove(ops, dirs, timeout); s) {
      removed.push_back(name);
    } else {
      errors += (errors.empty() ? "" : "; ") + s.error().message;
    }
  }
  remove_prefix_dirs(ops, layout, prefix);
  if (!errors.empty())
    return make_error(
        fmt::format("sweeping {}/{}: {}", layout.campaign_root().string(), prefix, errors));
  return removed;
}

}  // namespace mt::cgroup
