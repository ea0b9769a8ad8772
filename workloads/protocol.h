// How a memtorture-worker and the daemon talk: text lines on two pipes, one each way. Every line
// stays below PIPE_BUF, so one write(2) is atomic.
//
// Worker -> daemon (fd kReportFd in the worker):
//   "H version=2 kind=<kind> threads=<n>"  hello: the first line, once
//   "C ops=<n> errors=<n> bytes=<n> paused=<0|1> rate=<ops/s>"
//                                          counters so far, at least every kReportInterval
//   "F ..."                                the same, the final counters, once before a clean exit
//   "A <command>"                          a control command was applied (as the worker read it)
//   "N <command>: <why>"                   a control command was refused (the worker runs on)
//   "E <message>"                          a fatal error; the worker exits non-zero after it
//   "R <section> <key>=<value> ..."        a result the workload reports once, besides its
//                                          counters (a stress-ng stressor's metrics), before its
//                                          final or error line; values hold no spaces
// Counter and hello fields are key=value pairs in any order; keys a reader does not know are
// ignored and missing ones keep their defaults, so either side can add a figure first.
// ops: operations done (flood: socket/file create+close cycles; anon: pages touched).
// errors: failed operations (e.g. ENOMEM, EMFILE). bytes: memory the worker holds (anon), else 0.
// paused: 1 while a "pause" is in force. rate: the ops/s per thread in force (0: unlimited).
//
// Daemon -> worker (fd kControlFd in the worker; absent when the worker runs by hand):
//   "pause", "resume", "rate <ops per second per thread; 0: unlimited>"
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace mt::workloads {

inline constexpr int kReportFd = 3;
inline constexpr int kControlFd = 4;
inline constexpr std::chrono::milliseconds kReportInterval{50};
inline constexpr int kProtocolVersion = 2;

struct Counters {
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
  bool paused = false;
  double rate = 0;  // ops/s per thread in force; 0: unlimited
  bool operator==(const Counters&) const = default;
};

struct Hello {
  int version = 0;
  std::string kind;  // "flood/udp_socket", "flood/dentry", "anon"
  int threads = 0;
  bool operator==(const Hello&) const = default;
};

// A command from the daemon.
struct Control {
  enum class Kind { pause, resume, rate };
  Kind kind = Kind::pause;
  double rate = 0;  // for Kind::rate
  bool operator==(const Control&) const = default;
};

// A result a workload reports once, beside its counters: one stress-ng stressor's metrics.
struct ResultRecord {
  std::string section;  // a word: "stress_ng"
  std::vector<std::pair<std::string, std::string>> fields;  // in order; values have no spaces
  bool operator==(const ResultRecord&) const = default;
};

struct Message {
  enum class Kind { hello, counters, final, applied, refused, error, result };
  Kind kind = Kind::counters;
  Counters counters;    // counters, final
  Hello hello;          // hello
  std::string text;     // error: the message; applied/refused: the command (and why)
  ResultRecord record;  // result
};

std::string format_hello(const Hello& h);
std::string format_counters(const Counters& c, bool final);
std::string format_error(std::string_view message);
// Spaces and line breaks in keys and values become '_'; a line that would not fit in PIPE_BUF
// drops its last fields.
std::string format_result(const ResultRecord& r);
std::string format_applied(const Control& c);
// `command`: the line as read (it may not have parsed).
std::string format_refused(std::string_view command, std::string_view why);
// One line, with or without the trailing newline.
Result<Message> parse_message(std::string_view line);

std::string format_control(const Control& c);  // "pause\n", "rate 1000\n"
Result<Control> parse_control(std::string_view line);

}  // namespace mt::workloads
