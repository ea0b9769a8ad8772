// `regression:` in a campaign file, and memtorturectl compare's thresholds: how far each headline
// figure of a campaign may move the wrong way from one run to the next (last night's to
// tonight's) before it counts as a regression. "-20%": a relative drop of more than 20% (a figure
// where higher is better); "+50%": a rise of more than 50%; "+0" (no %): any increase of a count.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mt::campaign {

struct Threshold {
  double limit = 0;
  bool relative = true;  // limit in percent of the earlier value; else in the figure's own unit
  bool operator==(const Threshold&) const = default;
};

struct RegressionFigure {
  std::string_view key;
  Threshold fallback;  // when neither the campaign nor the command line sets one
  std::string_view what;
};
// Every figure compared, in the order tables show them.
std::span<const RegressionFigure> regression_figures();
const RegressionFigure* find_regression_figure(std::string_view key);
// "figure, figure, ..." for messages.
std::string regression_figure_keys();

// "-20%", "+50%", "+0", "-1.5": the threshold, or nothing with `why` saying what is wrong.
std::optional<Threshold> parse_threshold_value(std::string_view text, std::string* why);
std::string threshold_text(const Threshold& t);  // "-20%", "+0"

// The campaign's thresholds by figure key (only those it sets).
using RegressionThresholds = std::map<std::string, Threshold>;

}  // namespace mt::campaign
