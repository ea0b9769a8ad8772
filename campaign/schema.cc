#include "campaign/schema.h"

#include <fmt/format.h>

#include "common/units.h"

namespace mt::campaign {

std::optional<Field> get(const MapFields& m, std::string_view key, Need need) {
  return need == Need::required ? m.required(key) : m.optional(key);
}

std::optional<std::uint64_t> read_memory_size(const Field& f, const ParseOptions& options) {
  const auto size = read_size(f);
  if (!size || options.physical_memory_bytes == 0) return size;
  if (!f.check(*size <= options.physical_memory_bytes,
               fmt::format("must not exceed the physical memory ({})",
                           size_to_string(options.physical_memory_bytes))))
    return std::nullopt;
  return size;
}

// A figure's name: lower case letters, digits and '_', words joined by '.' ("rcu.gp_latency_us").
bool is_metric_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '.' || name.back() == '.')
    return false;
  char previous = 0;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

// A limit: a plain number ("50000", "2.5"), or a size in bytes ("8Mi").
std::optional<double> read_limit(const Field& f) {
  const YAML::Node& node = f.node();
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    const bool plain = !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
    if (plain) return read_number(f, -1e18, 1e18);
    if (auto bytes = parse_size(text)) return static_cast<double>(*bytes);
  }
  f.error(fmt::format("expected a number or a size (e.g. 8Mi), got {}", describe(node)));
  return std::nullopt;
}

void UniqueNames::check(const std::string& name, const MapFields& m, ReadContext& cx) {
  if (name.empty()) return;
  const std::string path = m.path_of("name");
  const SourcePos at = cx.value_pos.at(path);
  const auto [it, inserted] = first_line_.emplace(name, at.line);
  if (!inserted)
    cx.diagnostics.error(at, path, fmt::format("duplicate {} name '{}' (first used at line {})",
                                               what_, name, it->second));
}

SourcePos position_or(const ReadContext& cx, const std::string& path, SourcePos fallback) {
  const auto it = cx.value_pos.find(path);
  return it != cx.value_pos.end() ? it->second : fallback;
}

}  // namespace mt::campaign
