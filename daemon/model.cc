#include "daemon/model.h"

#include <algorithm>
#include <cstdint>

namespace mt::daemon {

std::string_view to_string(State s) {
  switch (s) {
    case State::pending:
      return "pending";
    case State::running:
      return "running";
    case State::passed:
      return "passed";
    case State::failed:
      return "failed";
    case State::aborted:
      return "aborted";
    case State::error:
      return "error";
  }
  return "unknown";
}

std::int64_t lowest_headroom(const Sample& s) {
  if (s.peak_bytes == 0 || s.headroom_bytes == INT64_MAX) return s.headroom_bytes;
  const auto at_peak =
      static_cast<std::int64_t>(s.limit_bytes) - static_cast<std::int64_t>(s.peak_bytes);
  return std::min(s.headroom_bytes, at_peak);
}

bool is_final(State s) {
  return s != State::pending && s != State::running;
}

}  // namespace mt::daemon
