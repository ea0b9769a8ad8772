// Change notifications from memory cgroup files, as file descriptors a caller waits on:
//   v1: an eventfd registered through cgroup.event_control for memory.oom_control (signalled
//       when the cgroup enters OOM, before its victim is killed) or memory.pressure_level
//       ("low", "medium", "critical": vmpressure, each listener also told of higher levels);
//   v2: an inotify watch on memory.events (the kernel notifies the file on every counter change:
//       high, max, oom, oom_kill).
// Reading a ready eventfd returns the count of signals since the last read; a ready inotify fd
// is drained and the file read again by the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::kernel {

// The line written to cgroup.event_control: "<eventfd> <control fd>[ <args>]".
std::string v1_event_line(int event_fd, int control_fd, std::string_view args);
// A non-blocking eventfd registered for `control_file` ("memory.oom_control",
// "memory.pressure_level") of the v1 cgroup `dir`, with `args` ("" or a pressure level). The
// caller owns it; closing it ends the registration.
Result<int> register_v1_event(const std::filesystem::path& dir, std::string_view control_file,
                              std::string_view args);
// Reads a non-blocking eventfd: the count since the last read (0 if none).
std::uint64_t drain_eventfd(int fd);
// A non-blocking inotify fd watching `file` for modification.
Result<int> watch_modify(const std::filesystem::path& file);
// Reads every pending inotify event; true if there was one.
bool drain_inotify(int fd);

}  // namespace mt::kernel
