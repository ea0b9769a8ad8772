// The one list of flood kinds (each defined in its own file in this folder). The campaign parser
// validates `kind:` against it, the emitter writes the name, the worker runs the driver.
// Adding a flood kind: its file here (a FloodKind with name, summary, needs_dir and driver), one
// line in kinds.cc, one in CMakeLists.txt, and its test in tests/unit/workloads/.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "workloads/floods/flood_kind.h"

namespace mt::workloads {

// Every kind, in the order messages list them.
std::span<const FloodKind* const> flood_kinds();

// The kind of that name (exact spelling), or nullptr.
const FloodKind* find_flood_kind(std::string_view name);

// The names, in list order ("udp_socket", "dentry").
std::vector<std::string_view> flood_kind_names();

// Every kind this host cannot run, by name, with the reason (FloodKind::unavailable).
std::vector<std::pair<std::string, std::string>> unavailable_flood_kinds();

}  // namespace mt::workloads
