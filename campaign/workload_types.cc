#include <algorithm>
#include <variant>

#include "campaign/workload_type.h"

namespace mt::campaign {

// Each defined in workload_types/<name>.cc.
extern const WorkloadType kFloodType;
extern const WorkloadType kAnonType;
extern const WorkloadType kPageCacheType;
extern const WorkloadType kStressNgType;
extern const WorkloadType kRcutortureType;

namespace {

// In the order of WorkloadSpec::params' alternatives (type_of() relies on it).
constexpr const WorkloadType* kTypes[] = {
    &kFloodType,
    &kAnonType,
    &kPageCacheType,
    &kStressNgType,
    &kRcutortureType,
};
static_assert(std::size(kTypes) == std::variant_size_v<decltype(WorkloadSpec::params)>,
              "one WorkloadType per alternative of WorkloadSpec::params");

}  // namespace

std::span<const WorkloadType* const> workload_types() {
  return kTypes;
}

const WorkloadType* find_workload_type(std::string_view name) {
  const auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                               [name](const WorkloadType* t) { return t->name == name; });
  return it == std::end(kTypes) ? nullptr : *it;
}

const WorkloadType& type_of(const WorkloadSpec& w) {
  return *kTypes[w.params.index()];
}

}  // namespace mt::campaign
