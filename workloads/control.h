// The worker's end of the daemon's control pipe (fd kControlFd): complete lines, read without
// blocking from the runner's loop. A worker started by hand has no such descriptor; then, and
// after the daemon closed its end, there is simply nothing to read.
#pragma once

#include <string>
#include <vector>

namespace mt::workloads {

class ControlReader {
 public:
  // Takes `fd` if it is open (and makes it non-blocking); -1 or a closed fd: none.
  explicit ControlReader(int fd);
  bool open() const { return fd_ >= 0; }
  // The complete lines that have arrived (without their newline); a partial line waits.
  std::vector<std::string> read_lines();

 private:
  int fd_ = -1;
  std::string pending_;
};

}  // namespace mt::workloads
