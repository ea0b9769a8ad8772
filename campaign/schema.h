// Pieces of the campaign schema that the top-level reader (parse.cc) and the workload types
// (workload_types/) share.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "campaign/parse.h"
#include "campaign/yaml_fields.h"

namespace mt::campaign {

// Whether a key must be there.
enum class Need { required, optional };

std::optional<Field> get(const MapFields& m, std::string_view key, Need need);

// A size that must also fit in the machine's memory, when that is known.
std::optional<std::uint64_t> read_memory_size(const Field& f, const ParseOptions& options);

// A figure's name: lower case letters, digits and '_', words joined by '.' ("rcu.gp_latency_us").
bool is_metric_name(std::string_view name);
// A limit: a plain number ("50000", "2.5"), or a size in bytes ("8Mi").
std::optional<double> read_limit(const Field& f);

// A flood's `rate:`: `unlimited` (nullopt) or operations per second per thread.
void read_flood_rate(const Field& f, std::optional<std::uint64_t>& rate);
// `kernel:`: RCU knobs by name, each value range-checked (parse.cc).
void read_kernel(const Field& f, ReadContext& cx, std::vector<KnobSetting>& kernel);

// The names of one list's items (workloads, reactions, variants): a name used again is an error
// at its second use.
class UniqueNames {
 public:
  explicit UniqueNames(std::string what) : what_(std::move(what)) {}
  // `name` as read from the item's map `m` (empty: not read, nothing to check).
  void check(const std::string& name, const MapFields& m, ReadContext& cx);

 private:
  std::string what_;  // "workload"
  std::map<std::string, int, std::less<>> first_line_;
};

// Where `path`'s value stood, or `fallback` when it was not written.
SourcePos position_or(const ReadContext& cx, const std::string& path, SourcePos fallback);

template <class T>
void assign(T& target, const std::optional<T>& value) {
  if (value) target = *value;
}

}  // namespace mt::campaign
