#include "workloads/floods/kinds.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

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
extern const FloodKind kFdtableFlood;

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
    &kFdtableFlood,
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

std::vector<std::pair<std::string, std::string>> unavailable_flood_kinds() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const FloodKind* kind : kKinds)
    if (kind->unavailable != nullptr)
      if (std::string why = kind->unavailable(); !why.empty())
        out.emplace_back(std::string(kind->name), std::move(why));
  return out;
}

bool has_effective_capability(int cap) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("CapEff:", 0) == 0) {
      const unsigned long long mask = std::strtoull(line.c_str() + 7, nullptr, 16);
      return cap >= 0 && cap < 64 && ((mask >> cap) & 1ULL) != 0;
    }
  return false;
}

std::vector<std::string_view> flood_kind_names() {
  std::vector<std::string_view> names;
  for (const FloodKind* kind : kKinds) names.push_back(kind->name);
  return names;
}

}  // namespace mt::workloads
