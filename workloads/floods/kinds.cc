#include "workloads/floods/kinds.h"

#include <algorithm>

namespace mt::workloads {

// Each defined in floods/<name>.cc.
extern const FloodKind kUdpSocketFlood;
extern const FloodKind kDentryFlood;
extern const FloodKind kTcpListenFlood;
extern const FloodKind kInodeFlood;
extern const FloodKind kTaskFlood;
extern const FloodKind kCredFlood;
extern const FloodKind kEpollFlood;
extern const FloodKind kMmapFlood;
extern const FloodKind kSysvSemFlood;
extern const FloodKind kRenameFlood;

namespace {

constexpr const FloodKind* kKinds[] = {
    &kUdpSocketFlood,
    &kDentryFlood,
    &kTcpListenFlood,
    &kInodeFlood,
    &kRenameFlood,
    &kTaskFlood,
    &kCredFlood,
    &kEpollFlood,
    &kMmapFlood,
    &kSysvSemFlood,
};

}  // namespace

std::span<const FloodKind* const> flood_kinds() {
  return kKinds;
}

const FloodKind* find_flood_kind(std::string_view name) {
  const auto it = std::find_if(std::begin(kKinds), std::end(kKinds),
                               [name](const FloodKind* kind) { return kind->name == name; });
  return it == std::end(kKinds) ? nullptr : *it;
}

std::vector<std::string_view> flood_kind_names() {
  std::vector<std::string_view> names;
  for (const FloodKind* kind : kKinds) names.push_back(kind->name);
  return names;
}

}  // namespace mt::workloads
