#include "workloads/protocol.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace mt::workloads {
namespace {

// Lines stay well below PIPE_BUF (4096) so that one write(2) to a pipe is atomic.
constexpr std::size_t kMaxText = 1024;

std::string one_line(std::string_view text) {
  std::string out(text.substr(0, kMaxText));
  for (char& ch : out)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return out;
}

Result<std::uint64_t> parse_u64(std::string_view text, std::string_view key,
                                std::string_view line) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    return make_error(fmt::format("bad {} value '{}' in worker line '{}'", key, text, line));
  return value;
}

Result<double> parse_rate(std::string_view text, std::string_view line) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value) || value < 0)
    return make_error(fmt::format("bad rate '{}' in '{}' (want ops/s, 0 or more)", text, line));
  return value;
}

// Calls on_field(key, value) for every "key=value" of `fields` (single spaces between them).
template <class OnField>
Status parse_fields(std::string_view fields, std::string_view line, OnField on_field) {
  while (!fields.empty()) {
    const auto space = fields.find(' ');
    const std::string_view field = fields.substr(0, space);
    const auto eq = field.find('=');
    if (field.empty() || eq == std::string_view::npos || eq == 0)
      return make_error(fmt::format("worker line '{}': '{}' is not key=value", line, field));
    if (auto st = on_field(field.substr(0, eq), field.substr(eq + 1)); !st) return st;
    if (space == std::string_view::npos) break;
    fields.remove_prefix(space + 1);
    if (fields.empty())
      return make_error(fmt::format("worker line '{}' ends with a space", line));
  }
  return {};
}

Result<Counters> parse_counters(std::string_view fields, std::string_view line) {
  Counters c;
  bool have_ops = false;
  auto st = parse_fields(fields, line, [&](std::string_view key, std::string_view value) -> Status {
    std::uint64_t* target = key == "ops"      ? &c.ops
                            : key == "errors" ? &c.errors
                            : key == "bytes"  ? &c.bytes
                                              : nullptr;
    if (target) {
      auto v = parse_u64(value, key, line);
      if (!v) return v.error();
      *target = *v;
      have_ops = have_ops || key == "ops";
    } else if (key == "paused") {
      if (value != "0" && value != "1")
        return make_error(fmt::format("bad paused value '{}' in '{}' (want 0 or 1)", value, line));
      c.paused = value == "1";
    } else if (key == "rate") {
      auto v = parse_rate(value, line);
      if (!v) return v.error();
      c.rate = *v;
    }  // other keys: a newer worker's figure; ignored
    return {};
  });
  if (!st) return st.error();
  if (!have_ops) return make_error(fmt::format("worker line '{}' has no ops= counter", line));
  return c;
}

Result<Hello> parse_hello(std::string_view fields, std::string_view line) {
  Hello h;
  auto st = parse_fields(fields, line, [&](std::string_view key, std::string_view value) -> Status {
    if (key == "version" || key == "threads") {
      auto v = parse_u64(value, key, line);
      if (!v || *v > 1'000'000) return make_error(fmt::format("bad {} in '{}'", key, line));
      (key == "version" ? h.version : h.threads) = static_cast<int>(*v);
    } else if (key == "kind") {
      h.kind = std::string(value);
    }
    return {};
  });
  if (!st) return st.error();
  if (h.version == 0) return make_error(fmt::format("worker hello '{}' has no version", line));
  return h;
}

std::string fields_of(const Counters& c) {
  return fmt::format("ops={} errors={} bytes={} paused={} rate={}", c.ops, c.errors, c.bytes,
                     c.paused ? 1 : 0, c.rate);
}

}  // namespace

std::string format_hello(const Hello& h) {
  return fmt::format("H version={} kind={} threads={}\n", h.version, h.kind, h.threads);
}

std::string format_counters(const Counters& c, bool final) {
  return fmt::format("{} {}\n", final ? 'F' : 'C', fields_of(c));
}

std::string format_error(std::string_view message) {
  return fmt::format("E {}\n", one_line(message));
}

std::string format_result(const ResultRecord& r) {
  auto word = [](std::string_view text, bool is_value) {
    std::string out(text.substr(0, 256));
    for (char& ch : out)
      if (ch == ' ' || ch == '\n' || ch == '\r' || (ch == '=' && !is_value)) ch = '_';
    return out.empty() && !is_value ? std::string("_") : out;
  };
  std::string line = "R " + word(r.section, false);
  for (const auto& [key, value] : r.fields) {
    std::string field = " " + word(key, false) + "=" + word(value, true);
    if (line.size() + field.size() + 1 > kMaxText * 3) break;
    line += field;
  }
  return line + "\n";
}

std::string format_control(const Control& c) {
  switch (c.kind) {
    case Control::Kind::pause:
      return "pause\n";
    case Control::Kind::resume:
      return "resume\n";
    case Control::Kind::rate:
      return fmt::format("rate {}\n", c.rate);
  }
  return "\n";
}

std::string format_applied(const Control& c) {
  auto text = format_control(c);
  text.pop_back();
  return fmt::format("A {}\n", text);
}

std::string format_refused(std::string_view command, std::string_view why) {
  if (!command.empty() && command.back() == '\n') command.remove_suffix(1);
  return fmt::format("N {}: {}\n", one_line(command.substr(0, 64)), one_line(why));
}

Result<Control> parse_control(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line == "pause") return Control{Control::Kind::pause, 0};
  if (line == "resume") return Control{Control::Kind::resume, 0};
  if (line.starts_with("rate ")) {
    auto rate = parse_rate(line.substr(5), line);
    if (!rate) return rate.error();
    return Control{Control::Kind::rate, *rate};
  }
  return make_error(fmt::format("unknown control command '{}' (want pause, resume or rate N)",
                                one_line(line)));
}

Result<Message> parse_message(std::string_view line) {
  std::string_view body = line;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  if (body.empty()) return make_error("empty worker line");
  if (body.size() < 2 || body[1] != ' ')
    return make_error(fmt::format("malformed worker line '{}'", body));
  const std::string_view rest = body.substr(2);
  if (rest.find('\n') != std::string_view::npos)
    return make_error(fmt::format("worker line spans lines: '{}'", body));
  Message message;
  switch (body[0]) {
    case 'H': {
      auto hello = parse_hello(rest, body);
      if (!hello) return hello.error();
      message.kind = Message::Kind::hello;
      message.hello = std::move(*hello);
      return message;
    }
    case 'C':
    case 'F': {
      auto counters = parse_counters(rest, body);
      if (!counters) return counters.error();
      message.kind = body[0] == 'F' ? Message::Kind::final : Message::Kind::counters;
      message.counters = *counters;
      return message;
    }
    case 'R': {
      const auto space = rest.find(' ');
      message.kind = Message::Kind::result;
      message.record.section = std::string(rest.substr(0, space));
      if (message.record.section.empty())
        return make_error(fmt::format("worker result line '{}' has no section", body));
      if (space != std::string_view::npos) {
        auto st = parse_fields(rest.substr(space + 1), body,
                               [&](std::string_view key, std::string_view value) -> Status {
                                 message.record.fields.emplace_back(key, value);
                                 return {};
                               });
        if (!st) return st.error();
      }
      return message;
    }
    case 'A':
    case 'N':
    case 'E':
      message.kind = body[0] == 'A'   ? Message::Kind::applied
                     : body[0] == 'N' ? Message::Kind::refused
                                      : Message::Kind::error;
      message.text = std::string(rest);
      return message;
    default:
      return make_error(fmt::format(
          "unknown worker line kind '{}' in '{}' (want H, C, F, A, N, E or R)", body[0], body));
  }
}

}  // namespace mt::workloads
