#include "kernel/psi.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

#include "common/fs.h"
#include "common/text.h"

namespace mt::kernel {
namespace {

// Splits on runs of spaces/tabs.
template <class F>
void for_each_word(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) f(s.substr(i, j - i));
    i = j;
  }
}

// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" without the leading word.
Result<PsiLine> parse_line(std::string_view rest, int line_no, std::string_view kind) {
  PsiLine out;
  bool have_avg10 = false, have_avg60 = false, have_avg300 = false, have_total = false;
  std::string error;
  for_each_word(rest, [&](std::string_view word) {
    if (!error.empty()) return;
    auto eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      error = fmt::format("line {} ('{}'): expected key=value, got '{}'", line_no, kind, word);
      return;
    }
    std::string_view key = word.substr(0, eq);
    std::string_view value = word.substr(eq + 1);
    const char* end = value.data() + value.size();
    if (key == "total") {
      auto [p, ec] = std::from_chars(value.data(), end, out.total_us);
      if (ec != std::errc() || p != end || value.empty())
        error = fmt::format("line {} ('{}'): total is not an unsigned integer: '{}'", line_no, kind,
                            value);
      have_total = true;
      return;
    }
    double* target = key == "avg10"    ? &out.avg10
                     : key == "avg60"  ? &out.avg60
                     : key == "avg300" ? &out.avg300
                                       : nullptr;
    if (target == nullptr) return;  // a field added by a newer kernel
    auto [p, ec] = std::from_chars(value.data(), end, *target, std::chars_format::fixed);
    // from_chars reads "nan" and "inf" too: not an average (a NaN passes every bound).
    if (ec != std::errc() || p != end || value.empty() || !std::isfinite(*target) ||
        *target < 0) {
      error = fmt::format("line {} ('{}'): {} is not a non-negative decimal: '{}'", line_no, kind,
                          key, value);
      return;
    }
    (key == "avg10" ? have_avg10 : key == "avg60" ? have_avg60 : have_avg300) = true;
  });
  if (!error.empty()) return make_error(error);
  for (auto [have, name] : {std::pair{have_avg10, "avg10"}, std::pair{have_avg60, "avg60"},
                            std::pair{have_avg300, "avg300"}, std::pair{have_total, "total"}}) {
    if (!have) return make_error(fmt::format("line {} ('{}'): missing {}=", line_no, kind, name));
  }
  return out;
}

}  // namespace

Result<Psi> parse_psi(std::string_view text) {
  Psi psi;
  bool have_some = false;
  int line_no = 0;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    ++line_no;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty()) continue;
    auto sp = line.find_first_of(" \t");
    std::string_view kind = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp);
    if (kind != "some" && kind != "full")
      return make_error(fmt::format("line {}: expected 'some' or 'full', got '{}'", line_no, kind));
    if ((kind == "some" && have_some) || (kind == "full" && psi.full))
      return make_error(fmt::format("line {}: second '{}' line", line_no, kind));
    auto parsed = parse_line(rest, line_no, kind);
    if (!parsed) return parsed.error();
    if (kind == "some") {
      psi.some = *parsed;
      have_some = true;
    } else {
      psi.full = *parsed;
    }
  }
  if (!have_some) return make_error("no 'some' line");
  return psi;
}

Result<Psi> read_psi(const std::filesystem::path& file) {
  auto text = fs::read_file(file);
  if (!text) return text.error();
  auto psi = parse_psi(*text);
  if (!psi) return make_error(fmt::format("{}: {}", file.string(), psi.error().message));
  return psi;
}

Result<int> open_psi_trigger(const std::filesystem::path& file, const std::string& trigger) {
  const int fd = ::open(file.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return make_error(fmt::format("cannot open {}: {}", file.string(), fs::errno_text(errno)));
  if (::write(fd, trigger.c_str(), trigger.size() + 1) < 0) {
    const int err = errno;
    ::close(fd);
    const std::string hint =
        err == EINVAL ? " (without CAP_SYS_RESOURCE the window must be a multiple of 2 s)" : "";
    return make_error(fmt::format("kernel refused PSI trigger '{}' on {}: {}{}", trigger,
                                  file.string(), fs::errno_text(err), hint));
  }
  return fd;
}

}  // namespace mt::kernel
