// Whether processes are stopped (SIGSTOP took effect), read from /proc/<pid>/task/<tid>/stat:
// a signal is delivered when a thread next returns to user space, so a thread inside a system
// call runs on for a moment after kill() returned. The state letter is parsed after the last ')'
// (a comm may hold spaces and parentheses).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace mt::kernel {

// The state letter of a stat line ('R', 'S', 'T', 't', ...); nullopt when it does not parse.
std::optional<char> stat_state(std::string_view stat_line);

// True when every thread of every pid is stopped ('T' or 't'), or gone (it can queue nothing).
bool all_stopped(const std::vector<pid_t>& pids, const std::filesystem::path& proc = "/proc");

}  // namespace mt::kernel
