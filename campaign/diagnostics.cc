#include "campaign/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace mt::campaign {

std::string Diagnostic::str() const {
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

void DiagnosticSink::error(SourcePos pos, std::string_view path, std::string_view message) {
  std::string text = path.empty() ? std::string(message) : fmt::format("{}: {}", path, message);
  errors_.push_back(Diagnostic{file_, pos.line, pos.column, std::move(text)});
  failed_paths_.emplace(path);
}

bool DiagnosticSink::failed(std::string_view path) const {
  // Walk up "workloads[1].ramp" -> "workloads[1]" -> "workloads".
  while (true) {
    if (failed_paths_.contains(path)) return true;
    const auto cut = path.find_last_of(".[");
    if (cut == std::string_view::npos || cut == 0) return false;
    path = path.substr(0, cut);
  }
}

std::vector<Diagnostic> DiagnosticSink::sorted() const {
  std::vector<Diagnostic> out = errors_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return out;
}

}  // namespace mt::campaign
