// Small text helpers shared by the kernel-file parsers.
#pragma once

#include <string_view>

namespace mt {

// Returns the first line of `text` (without its '\n') and advances `text` past it.
inline std::string_view next_line(std::string_view& text) {
  const auto nl = text.find('\n');
  const std::string_view line = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  return line;
}

}  // namespace mt
