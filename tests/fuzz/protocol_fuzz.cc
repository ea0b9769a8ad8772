// libFuzzer target: the worker protocol (workloads/protocol.h), both directions. The daemon parses
// every line a worker writes (parse_message); a worker parses every line of its control pipe
// (parse_control). Any bytes must parse or give an error, never crash. What parses must come
// back the same through its format_*() function, and a result record with any words in it must
// format into a line that parses (stress-ng's metric names reach format_result unchecked).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_check.h"
#include "workloads/protocol.h"

namespace {

using namespace mt::workloads;
using mt::fuzz::fail;

void check_message(std::string_view line) {
  auto m = parse_message(line);
  if (!m) return;
  switch (m->kind) {
    case Message::Kind::hello: {
      auto again = parse_message(format_hello(m->hello));
      if (!again || again->kind != Message::Kind::hello || !(again->hello == m->hello))
        fail("format_hello() does not give back the hello it was given", format_hello(m->hello));
      break;
    }
    case Message::Kind::counters:
    case Message::Kind::final: {
      const bool final = m->kind == Message::Kind::final;
      const std::string text = format_counters(m->counters, final);
      auto again = parse_message(text);
      if (!again || again->kind != m->kind || !(again->counters == m->counters))
        fail("format_counters() does not give back the counters it was given", text);
      break;
    }
    case Message::Kind::result: {
      // Words are cut and spaces replaced on the way out: one more round changes nothing.
      const std::string text = format_result(m->record);
      auto again = parse_message(text);
      if (!again || again->kind != Message::Kind::result)
        fail("format_result() of a parsed result does not parse", text);
      if (format_result(again->record) != text)
        fail("format_result() of a parsed result reads back as another result", text);
      break;
    }
    case Message::Kind::error: {
      auto again = parse_message(format_error(m->text));
      if (!again || again->kind != Message::Kind::error)
        fail("format_error() does not give an error line", format_error(m->text));
      break;
    }
    case Message::Kind::applied:
    case Message::Kind::refused: {
      auto again = parse_message(format_refused(m->text, m->text));
      if (!again || again->kind != Message::Kind::refused)
        fail("format_refused() does not give a refused line", format_refused(m->text, m->text));
      break;
    }
  }
}

void check_control(std::string_view line) {
  auto c = parse_control(line);
  if (!c) {
    // The worker answers a command it cannot read with "N <command>: <why>".
    const std::string refused = format_refused(line, c.error().message);
    auto m = parse_message(refused);
    if (!m || m->kind != Message::Kind::refused)
      fail("format_refused() of a refused command does not parse as one", refused);
    return;
  }
  const std::string text = format_control(*c);
  auto again = parse_control(text);
  if (!again || !(*again == *c)) fail("format_control() does not give back its command", text);
  auto applied = parse_message(format_applied(*c));
  if (!applied || applied->kind != Message::Kind::applied)
    fail("format_applied() does not give an applied line", format_applied(*c));
}

// A result record made of the input's tab-separated words (section, key, value, key, value...):
// whatever the words, its line must parse as a result with as many fields as fit.
void check_any_record(std::string_view bytes) {
  ResultRecord r;
  std::string key;
  for (std::size_t i = 0, n = 0;; ++n) {
    const auto tab = bytes.find('\t', i);
    std::string word(bytes.substr(i, tab == std::string_view::npos ? tab : tab - i));
    if (n == 0)
      r.section = std::move(word);
    else if (n % 2 == 1)
      key = std::move(word);
    else
      r.fields.emplace_back(std::move(key), std::move(word));
    if (tab == std::string_view::npos) break;
    i = tab + 1;
  }
  const std::string text = format_result(r);
  if (text.size() >= 4096) fail("format_result() wrote a line longer than PIPE_BUF", text);
  auto m = parse_message(text);
  if (!m || m->kind != Message::Kind::result)
    fail("format_result() wrote a line that does not parse as a result",
         text + (m ? "" : "\n" + m.error().message));
  if (m->record.fields.size() > r.fields.size())
    fail("format_result() wrote more fields than it was given", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The input as one line (as given), then line by line as the two readers split a pipe.
  check_message(bytes);
  check_control(bytes);
  if (bytes.find('\n') != std::string_view::npos && bytes.find('\n') + 1 < bytes.size()) {
    for (std::size_t i = 0; i < bytes.size();) {
      const auto nl = bytes.find('\n', i);
      const std::size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
      check_message(bytes.substr(i, end - i));  // the daemon: asio read_until keeps the '\n'
      check_control(bytes.substr(i, end - i - (nl == std::string_view::npos ? 0 : 1)));
      i = end;
    }
  }
  check_any_record(bytes);
  return 0;
}
