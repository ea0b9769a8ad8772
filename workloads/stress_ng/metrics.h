// stress-ng's YAML report (`--yaml FILE`, written when it ends, also on SIGTERM/SIGINT; not on
// SIGKILL): its `metrics:` list, one entry per stressor that ran, with bogo-ops, times and the
// stressor's own figures. Parsed here, with no I/O, for the worker to report.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace mt::workloads::stress_ng {

struct StressorMetrics {
  std::string stressor;
  // Every numeric figure of the entry, in file order, by stress-ng's own key ("bogo-ops",
  // "bogo-ops-per-second-real-time", "wall-clock-time", "max-rss", ...).
  std::vector<std::pair<std::string, double>> figures;
  // The figure `key`, or nullopt.
  std::optional<double> figure(std::string_view key) const;
};

// The `metrics:` entries of a stress-ng YAML report. An error says what is wrong with the text
// (not YAML, no `metrics:` list, an entry without `stressor:`).
Result<std::vector<StressorMetrics>> parse_metrics(std::string_view yaml_text);

// The stressors of `requested` that have no entry in `metrics`: stress-ng leaves out a stressor
// it could not run (unsupported, refused) and still exits 0.
std::vector<std::string> missing_stressors(const std::vector<std::string>& requested,
                                           const std::vector<StressorMetrics>& metrics);

}  // namespace mt::workloads::stress_ng
