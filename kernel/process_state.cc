#include "kernel/process_state.h"

#include <string>

#include "common/fs.h"

namespace mt::kernel {

std::optional<char> stat_state(std::string_view line) {
  const auto close = line.rfind(')');
  if (close == std::string_view::npos || close + 2 >= line.size() || line[close + 1] != ' ')
    return std::nullopt;
  return line[close + 2];
}

bool all_stopped(const std::vector<pid_t>& pids, const std::filesystem::path& proc) {
  for (pid_t pid : pids) {
    std::error_code ec;
    std::filesystem::directory_iterator tasks(proc / std::to_string(pid) / "task", ec);
    if (ec) continue;  // gone
    for (const auto& task : tasks) {
      auto line = fs::read_line(task.path() / "stat");
      if (!line) continue;  // the thread exited meanwhile
      const auto state = stat_state(*line);
      if (!state || (*state != 'T' && *state != 't')) return false;
    }
  }
  return true;
}

}  // namespace mt::kernel
