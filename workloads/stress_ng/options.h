// The stress-ng options a campaign may set (`type: stress_ng`, `stressors:`), as an allow-list of
// option names and value types: nothing from a campaign file reaches a shell or stress-ng's own
// command line. The campaign parser checks `stressors:` against it; the worker writes the checked
// options into a job file (job_file_text), one option per line, as stress-ng's `--job` reads them.
// Options memtorture sets itself (the YAML and log files, the temporary directory, the timeout,
// --oomable) are not on the list: the campaign's duration and cgroup govern the run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mt::workloads::stress_ng {

enum class ValueType {
  instances,  // a stressor: how many instances (0: one per online CPU, as stress-ng reads it)
  count,      // a whole number >= 0
  size,       // bytes, in the campaign's size units ("64Mi"); written to the job file in bytes
  flag,       // true (given) or false (left out)
  choice,     // one of `choices`
};

struct OptionDef {
  std::string_view name;  // as stress-ng spells it, without the leading "--"
  ValueType type = ValueType::count;
  // The stressor the option belongs to (itself for a stressor); empty for a global option.
  std::string_view stressor;
  std::span<const std::string_view> choices = {};  // for ValueType::choice
};

// Every option on the allow-list, stressors first, in the order messages list them.
std::span<const OptionDef> option_defs();
const OptionDef* find_option(std::string_view name);
// The stressors (ValueType::instances) on the list.
std::vector<std::string_view> stressor_names();

// Why an option name is refused where it is not on the list and is one memtorture sets itself or
// one that would escape the cgroup or the campaign's control (e.g. "timeout"); nullopt otherwise.
std::optional<std::string> reserved_reason(std::string_view name);

// One checked option: its name and its value as the job file takes it ("" for a flag).
struct Option {
  std::string name;
  std::string value;
  bool operator==(const Option&) const = default;
};

// The job file: one "name value" (or "name") line per option, in the order given.
std::string job_file_text(std::span<const Option> options);

// The stressors among `options`, in order.
std::vector<std::string> requested_stressors(std::span<const Option> options);

}  // namespace mt::workloads::stress_ng
