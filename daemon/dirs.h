// The daemon's own directories (socket directory, state directory): made with the daemon's
// modes when they are missing, left exactly as they are when they exist, and removed again
// (when still empty) if the daemon refuses to start, so that a refused daemon leaves nothing.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <vector>

#include "common/result.h"

namespace mt::daemon {

class MadeDirs {
 public:
  MadeDirs() = default;
  MadeDirs(const MadeDirs&) = delete;
  MadeDirs& operator=(const MadeDirs&) = delete;
  ~MadeDirs();  // removes the directories made, deepest first, unless keep() was called

  // Makes `dir` and every missing parent with `mode` (umask aside). A directory that already
  // exists keeps its mode and owner: only what this call created is chmod'ed.
  Status make(const std::filesystem::path& dir, mode_t mode);
  void keep() { made_.clear(); }
  const std::vector<std::filesystem::path>& made() const { return made_; }

 private:
  std::vector<std::filesystem::path> made_;  // in the order made
};

// The socket's directory must not be writable by anyone but its owner: whoever can write there
// can replace the socket or its lock file. An error says which bits and how to fix it.
Status check_socket_dir(const std::filesystem::path& dir);

}  // namespace mt::daemon
