// How a memtorture-worker talks to the daemon: text lines on a pipe (fd kReportFd in the worker).
//   "C <ops> <errors> <bytes>\n"   counters so far, at least every kReportInterval
//   "F <ops> <errors> <bytes>\n"   final counters, written once just before a clean exit
//   "E <message>\n"                a fatal error; the worker exits non-zero after it
// ops: operations done (flood: socket/file create+close cycles; anon: pages touched).
// errors: failed operations (e.g. ENOMEM, EMFILE). bytes: memory the worker holds (anon), else 0.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::workloads {

inline constexpr int kReportFd = 3;
inline constexpr std::chrono::milliseconds kReportInterval{50};

struct Counters {
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
  bool operator==(const Counters&) const = default;
};

struct Message {
  enum class Kind { counters, final, error };
  Kind kind = Kind::counters;
  Counters counters;
  std::string text;  // for Kind::error
};

std::string format_counters(const Counters& c, bool final);
std::string format_error(std::string_view message);
// One line, with or without the trailing newline.
Result<Message> parse_message(std::string_view line);

}  // namespace mt::workloads
