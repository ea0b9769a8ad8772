// Every figure a campaign can bound in `criteria.max`/`criteria.min`, by name: the core figures
// of every sample (fixed fields of Sample) and the metrics the campaign parts declare. compile()
// checks a campaign's names against this list (HostFeatures::metrics), and the criteria read a
// sample's figure by name through figure_by_name().
//
// A part with metrics adds one line to all_metrics() in metric_catalog.cc (its static
// declared()); a new core figure is one entry in kCore there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/model.h"

namespace mt::daemon {

// The core figures, in the order messages list them.
const std::vector<MetricDef>& core_metrics();
// Core figures then the parts' metrics.
std::vector<MetricDef> all_metrics();
std::vector<std::string> all_metric_names();
// The declaration of `name`, or nullptr.
const MetricDef* find_metric(const std::vector<MetricDef>& defs, std::string_view name);

// The figure `name` of sample `s`: a core figure, else a part's metric; nullopt when the sample
// does not carry it (no PSI could be read, a part measured nothing this time).
// `from_system_psi` is set when a PSI figure had to come from the system's PSI.
std::optional<double> figure_by_name(std::string_view name, const Sample& s,
                                     bool* from_system_psi = nullptr);

}  // namespace mt::daemon
