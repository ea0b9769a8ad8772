#include "workloads/stress_ng/metrics.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace mt::workloads::stress_ng {
namespace {

std::optional<double> as_number(const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> StressorMetrics::figure(std::string_view key) const {
  for (const auto& [k, v] : figures)
    if (k == key) return v;
  return std::nullopt;
}

Result<std::vector<StressorMetrics>> parse_metrics(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return make_error("stress-ng's YAML does not parse: " + e.msg);
  }
  if (!root.IsMap()) return make_error("stress-ng's YAML is not a map");
  const YAML::Node list = root["metrics"];
  if (!list) return make_error("stress-ng's YAML has no metrics: list");
  if (!list.IsSequence()) return make_error("stress-ng's YAML metrics: is not a list");
  std::vector<StressorMetrics> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    if (!entry.IsMap() || !entry["stressor"] || !entry["stressor"].IsScalar())
      return make_error("stress-ng's YAML metrics[" + std::to_string(i) + "] has no stressor");
    StressorMetrics m;
    m.stressor = entry["stressor"].Scalar();
    for (const auto& pair : entry) {
      const YAML::Node& key = pair.first;
      const YAML::Node& value = pair.second;
      if (!key.IsScalar() || !value.IsScalar() || key.Scalar() == "stressor") continue;
      if (auto v = as_number(value.Scalar())) m.figures.emplace_back(key.Scalar(), *v);
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> missing_stressors(const std::vector<std::string>& requested,
                                           const std::vector<StressorMetrics>& metrics) {
  std::vector<std::string> missing;
  for (const auto& name : requested)
    if (std::none_of(metrics.begin(), metrics.end(),
                     [&](const StressorMetrics& m) { return m.stressor == name; }))
      missing.push_back(name);
  return missing;
}

}  // namespace mt::workloads::stress_ng
