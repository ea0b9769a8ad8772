#include "workloads/protocol.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace mt::workloads {
namespace {

// Lines stay well below PIPE_BUF (4096) so that one write(2) to a pipe is atomic.
constexpr std::size_t kMaxErrorText = 1024;

Result<std::uint64_t> parse_field(std::string_view text, std::string_view name,
                                  std::string_view line) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return make_error(fmt::format("bad {} field '{}' in worker line '{}'", name, text, line));
  }
  return value;
}

Result<Counters> parse_counters(std::string_view fields, std::string_view line) {
  static constexpr std::array<std::string_view, 3> kNames = {"ops", "errors", "bytes"};
  std::array<std::uint64_t, 3> values{};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    std::size_t space = fields.find(' ');
    bool last = i + 1 == kNames.size();
    if (last != (space == std::string_view::npos)) {
      return make_error(fmt::format(
          "worker line '{}' must have exactly three counters (ops errors bytes)", line));
    }
    auto value = parse_field(fields.substr(0, space), kNames[i], line);
    if (!value) return value.error();
    values[i] = *value;
    if (!last) fields.remove_prefix(space + 1);
  }
  return Counters{.ops = values[0], .errors = values[1], .bytes = values[2]};
}

}  // namespace

std::string format_counters(const Counters& c, bool final) {
  return fmt::format("{} {} {} {}\n", final ? 'F' : 'C', c.ops, c.errors, c.bytes);
}

std::string format_error(std::string_view message) {
  std::string text(message.substr(0, kMaxErrorText));
  for (char& ch : text) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  return fmt::format("E {}\n", text);
}

Result<Message> parse_message(std::string_view line) {
  std::string_view body = line;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  if (body.empty()) return make_error("empty worker line");
  if (body.size() < 2 || body[1] != ' ') {
    return make_error(fmt::format("malformed worker line '{}'", body));
  }
  std::string_view rest = body.substr(2);
  Message message;
  switch (body[0]) {
    case 'C':
    case 'F': {
      auto counters = parse_counters(rest, body);
      if (!counters) return counters.error();
      message.kind = body[0] == 'F' ? Message::Kind::final : Message::Kind::counters;
      message.counters = *counters;
      return message;
    }
    case 'E':
      if (rest.find('\n') != std::string_view::npos) {
        return make_error(fmt::format("worker error line spans lines: '{}'", body));
      }
      message.kind = Message::Kind::error;
      message.text = std::string(rest);
      return message;
    default:
      return make_error(
          fmt::format("unknown worker line kind '{}' in '{}' (want C, F or E)", body[0], body));
  }
}

}  // namespace mt::workloads
