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

SourcePos position_or(const ReadContext& cx, const std::string& path, SourcePos fallback) {
  const auto it = cx.value_pos.find(path);
  return it != cx.value_pos.end() ? it->second : fallback;
}

}  // namespace mt::campaign
