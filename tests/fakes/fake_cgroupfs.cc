#include "tests/fakes/fake_cgroupfs.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/fs.h"

namespace mt::cgroup {
namespace stdfs = std::filesystem;

namespace {

constexpr const char* kPsiZero =
    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put(const stdfs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::trunc);
  out << content;
}

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

bool has_token(const std::string& s, const std::string& token) {
  auto t = tokens(s);
  return std::find(t.begin(), t.end(), token) != t.end();
}

std::string errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : std::to_string(err);
}

}  // namespace

FakeCgroupFs::Files FakeCgroupFs::default_files(Flavor flavor) {
  if (flavor == Flavor::v1_memory) {
    return {
        {"cgroup.procs", ""},
        {"tasks", ""},
        {"notify_on_release", "0\n"},
        {"memory.limit_in_bytes", "9223372036854771712\n"},
        {"memory.usage_in_bytes", "0\n"},
        {"memory.max_usage_in_bytes", "0\n"},
        {"memory.kmem.usage_in_bytes", "0\n"},
        {"memory.failcnt", "0\n"},
        {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"},
        {"memory.stat", "cache 0\nrss 0\nrss_huge 0\nshmem 0\nmapped_file 0\n"},
    };
  }
  return {
      {"cgroup.procs", ""},
      {"cgroup.controllers", "\n"},
      {"cgroup.subtree_control", "\n"},
      {"cgroup.kill", ""},
      {"cgroup.events", "populated 0\nfrozen 0\n"},
      {"cpu.pressure", kPsiZero},
      {"io.pressure", kPsiZero},
      {"memory.pressure", kPsiZero},
      // Only with the memory controller enabled by the parent:
      {"memory.current", "0\n"},
      {"memory.peak", "0\n"},
      {"memory.max", "max\n"},
      {"memory.high", "max\n"},
      {"memory.low", "0\n"},
      {"memory.min", "0\n"},
      {"memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"},
      {"memory.stat", "anon 0\nfile 0\nkernel 0\nkernel_stack 0\nsock 0\nslab 0\n"},
  };
}

void FakeCgroupFs::add_hierarchy(const stdfs::path& root, Flavor flavor,
                                 const std::string& root_subtree_control) {
  stdfs::create_directories(root);
  hierarchies_.push_back({root, flavor});
  if (!stdfs::exists(root / "cgroup.procs")) put(root / "cgroup.procs", "");
  if (flavor == Flavor::v2) {
    put(root / "cgroup.controllers", "memory pids\n");
    put(root / "cgroup.subtree_control", root_subtree_control + "\n");
  }
}

const FakeCgroupFs::Hierarchy* FakeCgroupFs::hierarchy_of(const stdfs::path& p) const {
  for (const Hierarchy& h : hierarchies_) {
    auto rel = p.lexically_normal().lexically_relative(h.root.lexically_normal());
    if (!rel.empty() && *rel.begin() != "..") return &h;
  }
  return nullptr;
}

int FakeCgroupFs::record(std::string what, int err) {
  if (err != 0) what += " -> " + errno_name(err);
  log_.push_back(std::move(what));
  return err;
}

int FakeCgroupFs::injected(std::map<stdfs::path, Injected>& errors, const stdfs::path& dir) {
  auto it = errors.find(dir);
  if (it == errors.end() || it->second.times == 0) return 0;
  if (it->second.times > 0) --it->second.times;
  return it->second.err;
}

int FakeCgroupFs::make_dir(const stdfs::path& dir) {
  std::string what = "mkdir " + dir.string();
  if (int err = injected(mkdir_errors_, dir)) return record(what, err);
  if (::mkdir(dir.c_str(), 0755) != 0) return record(what, errno);
  if (const Hierarchy* h = hierarchy_of(dir)) {
    std::string parent_control = slurp(dir.parent_path() / "cgroup.subtree_control");
    bool memory_enabled = h->flavor == Flavor::v1_memory || has_token(parent_control, "memory");
    for (const auto& [name, content] : templates_[h->flavor]) {
      bool memory_file = name.starts_with("memory.") && name != "memory.pressure";
      if (h->flavor == Flavor::v2 && memory_file && !memory_enabled) continue;
      put(dir / name, name == "cgroup.controllers" ? parent_control : content);
    }
  }
  return record(what, 0);
}

int FakeCgroupFs::remove_dir(const stdfs::path& dir) {
  std::string what = "rmdir " + dir.string();
  if (int err = injected(rmdir_errors_, dir)) return record(what, err);
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) return record(what, ENOENT);
  if (hierarchy_of(dir) != nullptr) {
    std::string procs = slurp(dir / "cgroup.procs");
    if (!tokens(procs).empty()) return record(what, EBUSY);
    for (const auto& entry : stdfs::directory_iterator(dir)) {
      if (entry.is_directory()) return record(what, EBUSY);
    }
    for (const auto& entry : stdfs::directory_iterator(dir)) stdfs::remove(entry.path());
  }
  if (::rmdir(dir.c_str()) != 0) return record(what, errno);
  return record(what, 0);
}

Status FakeCgroupFs::write(const stdfs::path& file, std::string_view content_view) {
  std::string content(content_view);
  std::string name = file.filename().string();
  auto fail = [&](int err) -> Status {
    record(fmt::format("write {} {}", file.string(), content), err);
    return make_error(
        fmt::format("cannot write '{}' to {}: {}", content, file.string(), fs::errno_text(err)));
  };
  if (auto it = write_errors_.find(name); it != write_errors_.end()) return fail(it->second);
  if (auto it = fail_once_.find(file); it != fail_once_.end()) {
    const int err = it->second;
    fail_once_.erase(it);
    return fail(err);
  }
  if (auto it = vanish_.find(file); it != vanish_.end()) {
    const int err = it->second;
    vanish_.erase(it);
    std::error_code ec;
    stdfs::remove_all(file.parent_path(), ec);
    return fail(err);
  }
  std::error_code ec;
  if (!stdfs::is_regular_file(file, ec)) {
    record(fmt::format("write {} {}", file.string(), content), ENOENT);
    return make_error(
        fmt::format("cannot open {} for writing: {}", file.string(), fs::errno_text(ENOENT)));
  }

  const Hierarchy* h = hierarchy_of(file);
  if (name == "cgroup.procs") {
    pid_t pid = -1;
    auto [p, err] = std::from_chars(content.data(), content.data() + content.size(), pid);
    if (err != std::errc() || pid < 0) return fail(EINVAL);
    if (pid == 0) pid = ::getpid();
    if (h) take_out(h->root, pid);
    put(file, slurp(file) + std::to_string(pid) + "\n");
  } else if (name == "cgroup.kill") {
    if (content != "1") return fail(EINVAL);
    for (const auto& entry : stdfs::recursive_directory_iterator(file.parent_path())) {
      if (entry.path().filename() != "cgroup.procs") continue;
      std::string kept;
      for (const std::string& t : tokens(slurp(entry.path()))) {
        pid_t pid = std::stoi(t);
        if (unkillable_.count(pid)) {
          kept += t + "\n";
        } else {
          killed_.push_back(pid);
        }
      }
      put(entry.path(), kept);
    }
  } else if (name == "cgroup.subtree_control") {
    // cgroup v2's "no internal processes": below the root, a cgroup with processes cannot
    // enable a controller for its children.
    const bool below_root = h && file.parent_path().lexically_normal() != h->root.lexically_normal();
    if (below_root && content.find('+') != std::string::npos &&
        !tokens(slurp(file.parent_path() / "cgroup.procs")).empty())
      return fail(EBUSY);
    std::set<std::string> enabled;
    for (const std::string& t : tokens(slurp(file))) enabled.insert(t);
    for (const std::string& t : tokens(content)) {
      if (t.size() < 2 || (t[0] != '+' && t[0] != '-')) return fail(EINVAL);
      if (t[0] == '+') {
        enabled.insert(t.substr(1));
      } else {
        enabled.erase(t.substr(1));
      }
    }
    std::string joined;
    for (const std::string& c : enabled) joined += (joined.empty() ? "" : " ") + c;
    put(file, joined + "\n");
  } else if (name == "memory.limit_in_bytes" && content == "-1") {
    put(file, "9223372036854771712\n");
  } else {
    put(file, content.ends_with('\n') ? content : content + "\n");
  }
  record(fmt::format("write {} {}", file.string(), content), 0);
  return {};
}

bool FakeCgroupFs::take_out(const stdfs::path& root, pid_t pid) {
  bool found = false;
  const std::string needle = std::to_string(pid);
  for (const auto& entry : stdfs::recursive_directory_iterator(root)) {
    if (entry.path().filename() != "cgroup.procs") continue;
    std::string kept;
    for (const std::string& t : tokens(slurp(entry.path()))) {
      if (t == needle) {
        found = true;
      } else {
        kept += t + "\n";
      }
    }
    put(entry.path(), kept);
  }
  return found;
}

void FakeCgroupFs::place(const stdfs::path& dir, pid_t pid) {
  if (const Hierarchy* h = hierarchy_of(dir)) take_out(h->root, pid);
  put(dir / "cgroup.procs", slurp(dir / "cgroup.procs") + std::to_string(pid) + "\n");
}

int FakeCgroupFs::kill_process(pid_t pid) {
  std::string what = "kill " + std::to_string(pid);
  killed_.push_back(pid);
  if (unkillable_.count(pid)) return record(what, 0);
  bool found = false;
  for (const Hierarchy& h : hierarchies_) found |= take_out(h.root, pid);
  return record(what, found ? 0 : ESRCH);
}

}  // namespace mt::cgroup
