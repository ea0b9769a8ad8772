// A CgroupOps that makes a plain directory tree behave enough like cgroupfs for unit tests of
// this layer and of the code above it (no root, any kernel):
//  - mkdir under a registered hierarchy fills the new directory with the files the kernel would
//    create (v2 memory.* files only when the parent's cgroup.subtree_control has "memory");
//  - a pid written to cgroup.procs moves there from the other cgroups of that hierarchy;
//  - kill_process() and cgroup.kill take pids out of every cgroup.procs (unless unkillable);
//  - rmdir refuses a cgroup that holds pids or child cgroups (EBUSY), like the kernel;
//  - writes to files that do not exist fail with ENOENT, like the kernel;
//  - sleep_for() advances a fake clock;
//  - failures can be injected, and every side effect is logged as a line of text.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cgroup/ops.h"

namespace mt::cgroup {

class FakeCgroupFs final : public CgroupOps {
 public:
  enum class Flavor { v1_memory, v2 };
  using Files = std::map<std::string, std::string>;  // file name -> initial content

  // Files a new v1 memory cgroup / cgroup2 cgroup gets (as on kernel 6.x, values zero).
  static Files default_files(Flavor flavor);

  // Directories made under `root` get the files of `flavor`. Also creates `root` and its
  // top-level files (cgroup.procs, and for v2 cgroup.subtree_control = `root_subtree_control`).
  void add_hierarchy(const std::filesystem::path& root, Flavor flavor,
                     const std::string& root_subtree_control = "memory");
  Files& files(Flavor flavor) { return templates_[flavor]; }

  // mkdir of `dir` fails with `err` the next `times` times (-1: always).
  void fail_mkdir(const std::filesystem::path& dir, int err, int times = -1) {
    mkdir_errors_[dir] = {err, times};
  }
  // rmdir of `dir` fails with `err` the next `times` times (-1: always).
  void fail_rmdir(const std::filesystem::path& dir, int err, int times = -1) {
    rmdir_errors_[dir] = {err, times};
  }
  // Writes to any file with this name fail with `err`.
  void fail_write(const std::string& file_name, int err) { write_errors_[file_name] = err; }
  // The next write to `file` finds its cgroup gone: another creator's remove() took the
  // directory just before (it is removed, and the write fails with `err`, ENODEV on cgroup v2).
  void vanish_before_write(const std::filesystem::path& file, int err) {
    vanish_[file] = err;
  }
  // The next write to `file` fails with `err` and the directory is there afterwards: it was
  // removed under the write and made again by a third creator before anyone looked.
  void fail_write_once(const std::filesystem::path& file, int err) { fail_once_[file] = err; }
  void unkillable(pid_t pid) { unkillable_.insert(pid); }
  // Puts `pid` into <dir>/cgroup.procs as if the kernel had moved it there.
  void place(const std::filesystem::path& dir, pid_t pid);

  const std::vector<pid_t>& killed() const { return killed_; }
  // "mkdir <path>", "rmdir <path>", "write <path> <content>", "kill <pid>"; failed ones end
  // with " -> <errno name>".
  const std::vector<std::string>& log() const { return log_; }
  FakeClock& fake_clock() { return clock_; }

  int make_dir(const std::filesystem::path& dir) override;
  int remove_dir(const std::filesystem::path& dir) override;
  Status write(const std::filesystem::path& file, std::string_view content) override;
  int kill_process(pid_t pid) override;
  void sleep_for(std::chrono::milliseconds d) override { clock_.advance(d); }
  const Clock& clock() const override { return clock_; }

 private:
  struct Hierarchy {
    std::filesystem::path root;
    Flavor flavor;
  };
  const Hierarchy* hierarchy_of(const std::filesystem::path& p) const;
  // Removes `pid` from every cgroup.procs under `root`; true if it was anywhere.
  bool take_out(const std::filesystem::path& root, pid_t pid);
  int record(std::string what, int err);

  std::vector<Hierarchy> hierarchies_;
  std::map<Flavor, Files> templates_{{Flavor::v1_memory, default_files(Flavor::v1_memory)},
                                     {Flavor::v2, default_files(Flavor::v2)}};
  struct Injected {
    int err;
    int times;
  };
  // The error to inject for `dir`, or 0; counts the injection down.
  static int injected(std::map<std::filesystem::path, Injected>& errors,
                      const std::filesystem::path& dir);
  std::map<std::filesystem::path, Injected> mkdir_errors_;
  std::map<std::filesystem::path, Injected> rmdir_errors_;
  std::map<std::string, int> write_errors_;
  std::set<pid_t> unkillable_;
  std::map<std::filesystem::path, int> vanish_;
  std::map<std::filesystem::path, int> fail_once_;
  std::vector<pid_t> killed_;
  std::vector<std::string> log_;
  FakeClock clock_;
};

}  // namespace mt::cgroup
