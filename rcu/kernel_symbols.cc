#include "rcu/kernel_symbols.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/fs.h"

namespace mt::rcu {
namespace {

// Calls f(line) for each line of `text`.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

bool is_text_type(char type) {
  return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

std::optional<KallsymsLine> parse_kallsyms_line(std::string_view line) {
  KallsymsLine l;
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return std::nullopt;
  const char* first = line.data();
  auto [p, ec] = std::from_chars(first, first + sp1, l.addr, 16);
  if (ec != std::errc() || p != first + sp1) return std::nullopt;
  if (line.size() < sp1 + 4 || line[sp1 + 2] != ' ') return std::nullopt;
  l.type = line[sp1 + 1];
  std::string_view rest = line.substr(sp1 + 3);
  const auto tab = rest.find('\t');
  l.name = rest.substr(0, tab);
  if (tab != std::string_view::npos) {
    std::string_view mod = rest.substr(tab + 1);
    if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']')
      l.module = mod.substr(1, mod.size() - 2);
  }
  if (l.name.empty()) return std::nullopt;
  return l;
}

namespace {

// parse_text_layout over any source of lines: lines(on_line) calls on_line for each.
template <class Lines>
Result<TextLayout> text_layout_of(Lines&& lines, const std::vector<std::string>& wanted) {
  TextLayout t;
  bool any_address = false;
  Status read = lines([&](std::string_view raw) {
    auto l = parse_kallsyms_line(raw);
    if (!l) return;
    if (l->addr) any_address = true;
    if (!l->module.empty()) {
      // Real modules only: ftrace's trampolines are listed as [__builtin__ftrace].
      if (!is_text_type(l->type) || l->module.substr(0, 11) == "__builtin__") return;
      if (!t.module_lo || l->addr < t.module_lo) t.module_lo = l->addr;
      if (l->addr > t.module_hi) t.module_hi = l->addr;
      return;
    }
    if (l->name == "_stext") t.stext = l->addr;
    if (l->name == "_etext") t.etext = l->addr;
    if (!is_text_type(l->type)) return;
    if (std::find(wanted.begin(), wanted.end(), l->name) != wanted.end())
      t.wanted.emplace(std::string(l->name), l->addr);
  });
  if (!read) return read.error();
  if (!any_address)
    return make_error(
        "/proc/kallsyms shows every address as 0 (kptr_restrict): the ledger "
        "needs them, run it as root with CAP_SYSLOG");
  if (!t.stext || !t.etext || t.etext <= t.stext)
    return make_error("/proc/kallsyms has no _stext/_etext: cannot tell kernel text");
  // The last module symbol starts a function; give it room to end.
  if (t.module_hi) t.module_hi += 1 << 20;
  return t;
}

// resolve_symbols over any source of lines, as text_layout_of.
template <class Lines>
std::map<std::uint64_t, std::string> symbols_of(Lines&& lines,
                                                const std::vector<std::uint64_t>& addrs) {
  std::vector<std::uint64_t> targets(addrs);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  // Best symbol so far for each target: the highest address at or below it.
  std::vector<std::uint64_t> best(targets.size(), 0);
  std::vector<std::string> names(targets.size());
  Status read = lines([&](std::string_view raw) {
    auto l = parse_kallsyms_line(raw);
    if (!l || !l->addr || !is_text_type(l->type)) return;
    for (auto i = std::lower_bound(targets.begin(), targets.end(), l->addr) - targets.begin();
         i < static_cast<std::ptrdiff_t>(targets.size()); ++i) {
      // A target far beyond this symbol is someone else's; 1 MiB bounds a function.
      if (targets[i] - l->addr > (1u << 20)) break;
      if (best[i] && best[i] >= l->addr) continue;
      best[i] = l->addr;
      names[i] =
          l->module.empty() ? std::string(l->name) : fmt::format("{} [{}]", l->name, l->module);
    }
  });
  std::map<std::uint64_t, std::string> out;
  if (!read) return out;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!best[i]) continue;
    out[targets[i]] =
        best[i] == targets[i] ? names[i] : fmt::format("{}+{:#x}", names[i], targets[i] - best[i]);
  }
  return out;
}

// Lines of text in memory, and of a file read block by block (never whole).
auto lines_of(std::string_view text) {
  return [text](const auto& on_line) {
    for_each_line(text, on_line);
    return Status{};
  };
}
auto lines_in(const std::filesystem::path& file) {
  return [&file](const auto& on_line) {
    return fs::for_each_line(file, std::function<void(std::string_view)>(on_line));
  };
}

}  // namespace

Result<TextLayout> parse_text_layout(std::string_view kallsyms,
                                     const std::vector<std::string>& wanted) {
  return text_layout_of(lines_of(kallsyms), wanted);
}

Result<TextLayout> read_text_layout(const std::filesystem::path& kallsyms,
                                    const std::vector<std::string>& wanted) {
  return text_layout_of(lines_in(kallsyms), wanted);
}

std::map<std::uint64_t, std::string> resolve_symbols(std::string_view kallsyms,
                                                     const std::vector<std::uint64_t>& addrs) {
  return symbols_of(lines_of(kallsyms), addrs);
}

std::map<std::uint64_t, std::string> resolve_symbols_in(const std::filesystem::path& kallsyms,
                                                        const std::vector<std::uint64_t>& addrs) {
  return symbols_of(lines_in(kallsyms), addrs);
}

}  // namespace mt::rcu
