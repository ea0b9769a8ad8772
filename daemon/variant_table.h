// The comparison of a campaign's variants (`variants:`): figures of each run read from its
// report.json, per variant the median and min-max over its repeats, a text table, and a plain
// sentence naming the variant that did best on the campaign's criteria, or saying that the
// differences are within the spread of the repeats. Pure: unit-tested on made-up reports.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/model.h"
#include "daemon/report_figures.h"

namespace mt::daemon {

struct VariantRuns {
  std::string name;
  bool expect_fail = false;
  std::vector<RunFigures> runs;
};

// Median, min and max of one figure over a variant's runs (those that have it).
struct Spread {
  double median = 0, min = 0, max = 0;
  int n = 0;
};

struct Comparison {
  nlohmann::ordered_json table;     // one object per variant: each figure's spread
  std::vector<std::string> text;    // the table as aligned lines, and the sentence
  std::string best;                 // the sentence alone
  State verdict = State::passed;    // the worst variant's, not counting `expect: fail` ones
  std::string reason;
};

Comparison compare_variants(const std::vector<VariantRuns>& variants);

}  // namespace mt::daemon
