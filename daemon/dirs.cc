#include "daemon/dirs.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fs.h"

namespace mt::daemon {

MadeDirs::~MadeDirs() {
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) ::rmdir(it->c_str());
}

Status MadeDirs::make(const std::filesystem::path& dir, mode_t mode) {
  std::vector<std::filesystem::path> missing;  // deepest first
  for (auto p = dir.lexically_normal(); !p.empty(); p = p.parent_path()) {
    if (p.filename().empty()) p = p.parent_path();  // "a/b/" -> "a/b"
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return make_error(fmt::format("{} exists and is not a directory", p.string()));
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST)
      return make_error(fmt::format("cannot create {}: {}", it->string(), fs::errno_text(errno)));
    made_.push_back(*it);
    // mkdir's mode is cut by the umask; ours is exact. Only on what we just made.
    if (::chmod(it->c_str(), mode) != 0)
      return make_error(fmt::format("cannot chmod {}: {}", it->string(), fs::errno_text(errno)));
  }
  return {};
}

Status check_socket_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return make_error(fmt::format("cannot stat {}: {}", dir.string(), fs::errno_text(errno)));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0) return {};
  return make_error(fmt::format(
      "socket directory {} is writable by {} (mode {:04o}): anyone who can write there could "
      "replace memtortured's socket or lock file; use a directory of its own (e.g. --socket "
      "{}/memtorture/memtorture.sock, which memtortured creates 0750)",
      dir.string(), (st.st_mode & S_IWOTH) ? "everyone" : "its group", st.st_mode & 07777,
      dir.string()));
}

}  // namespace mt::daemon
