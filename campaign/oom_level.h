// How close a cgroup (or the system) is to OOM, in four words: the level daemon/oom_proximity.h
// computes, and the words a reaction's condition may compare `oom.proximity` with
// (`oom.proximity >= critical`). The figure carries the level's number.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace mt::campaign {

enum class OomLevel { ok = 0, elevated = 1, critical = 2, oom = 3 };

inline constexpr std::array<std::string_view, 4> kOomLevelWords = {"ok", "elevated", "critical",
                                                                   "oom"};

inline std::string_view to_string(OomLevel level) {
  return kOomLevelWords[static_cast<std::size_t>(level)];
}

// The figures whose values are levels (and may be compared with the words).
inline bool is_proximity_figure(std::string_view figure) {
  return figure == "oom.proximity" || figure == "oom.system.proximity";
}

inline std::optional<OomLevel> oom_level_from_word(std::string_view word) {
  for (std::size_t i = 0; i < kOomLevelWords.size(); ++i)
    if (kOomLevelWords[i] == word) return static_cast<OomLevel>(i);
  return std::nullopt;
}

}  // namespace mt::campaign
