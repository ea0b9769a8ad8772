// A workload type described once: its `type:` name, the keys it takes, how they are read, written
// back, checked against the rest of the campaign and warned about. One file per type in
// workload_types/; the one list of them is workload_types.cc. parse.cc, emit.cc and rules.cc go
// through this list and name no type. What a type's worker does is its driver in workloads/.
//
// Adding a workload type: its params struct in spec.h (an alternative of WorkloadSpec::params),
// its file in workload_types/ (a WorkloadType), one line in workload_types.cc and in
// CMakeLists.txt, its driver in workloads/ (make_workload) and its tests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/parse.h"
#include "campaign/schema.h"
#include "campaign/spec.h"
#include "campaign/yaml_fields.h"

namespace mt::campaign {

class RuleReader;

struct WorkloadType {
  std::string_view name;                  // the `type:` value
  std::span<const std::string_view> keys;  // besides name, type and start_after
  // Reads its keys from `m` into `w.params` (which it sets to its own alternative). `need` is
  // Need::optional while the type is not known (an unknown `type:`): values are still checked,
  // but a missing required key is not reported on top of the unknown type.
  void (*read)(const MapFields& m, Need need, const ParseOptions& options, WorkloadSpec& w);
  // Writes its keys, normalized (every default filled in).
  void (*emit)(YAML::Emitter& out, const WorkloadSpec& w);
  // The rules that tie its fields to the rest of the campaign; `path` is "workloads[i]".
  void (*check)(const WorkloadSpec& w, const std::string& path, const RuleReader& rules);
  // Legal but probably not meant; `path` as above.
  void (*warn)(const WorkloadSpec& w, const std::string& path, const ParseOptions& options,
               const ReadContext& cx, std::vector<Diagnostic>& out);
};

// Every type, in the order messages list them.
std::span<const WorkloadType* const> workload_types();
// The type of that name (exact spelling), or nullptr.
const WorkloadType* find_workload_type(std::string_view name);
// The type `w` holds.
const WorkloadType& type_of(const WorkloadSpec& w);

}  // namespace mt::campaign
