#include "daemon/variant_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

#include "common/units.h"
#include "daemon/report.h"
#include "daemon/report_figures.h"

namespace mt::daemon {
namespace {

using Json = nlohmann::ordered_json;

Spread spread(const std::vector<RunFigures>& runs,
              const std::function<std::optional<double>(const RunFigures&)>& get) {
  std::vector<double> v;
  for (const auto& r : runs)
    if (auto x = get(r)) v.push_back(*x);
  Spread s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = static_cast<int>(v.size());
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}

struct Column {
  const char* key;    // in the table's JSON
  const char* title;  // in the text table
  FigureUnit unit;
  std::function<std::optional<double>(const RunFigures&)> get;
};

const std::vector<Column>& columns() {
  using U = FigureUnit;
  static const std::vector<Column> cols = {
      {"oom_kills", "OOM", U::count, [](const RunFigures& r) { return std::optional(r.oom_kills); }},
      {"min_headroom_bytes", "min headroom", U::bytes, [](const RunFigures& r) { return r.min_headroom_bytes; }},
      {"psi_some_max", "PSI some", U::percent, [](const RunFigures& r) { return r.psi_some_max; }},
      {"psi_full_max", "PSI full", U::percent, [](const RunFigures& r) { return r.psi_full_max; }},
      {"rcu_freed_p50", "RCU freed p50", U::bytes_per_s, [](const RunFigures& r) { return r.freed_p50; }},
      {"rcu_freed_max", "RCU freed max", U::bytes_per_s, [](const RunFigures& r) { return r.freed_max; }},
      {"rcu_waiting_p50", "waiting p50", U::bytes, [](const RunFigures& r) { return r.waiting_p50; }},
      {"rcu_waiting_max", "waiting max", U::bytes, [](const RunFigures& r) { return r.waiting_max; }},
      {"gp_p50_us", "GP p50", U::us, [](const RunFigures& r) { return r.gp_p50; }},
      {"gp_p99_us", "GP p99", U::us, [](const RunFigures& r) { return r.gp_p99; }},
      {"reactions_fired", "reactions", U::count, [](const RunFigures& r) { return std::optional(r.reactions_fired); }},
  };
  return cols;
}

std::string spread_text(const Spread& s, FigureUnit u) {
  if (s.n == 0) return "-";
  if (s.n == 1 || s.min == s.max) return figure_text(s.median, u);
  return fmt::format("{} ({}..{})", figure_text(s.median, u), figure_text(s.min, u),
                     figure_text(s.max, u));
}

int severity(State s) {
  switch (s) {
    case State::passed:
      return 0;
    case State::failed:
      return 1;
    case State::aborted:
      return 2;
    default:
      return 3;
  }
}

int passed(const VariantRuns& v) {
  return static_cast<int>(std::count_if(v.runs.begin(), v.runs.end(),
                                        [](const RunFigures& r) { return r.verdict == State::passed; }));
}

bool overlap(const Spread& a, const Spread& b) {
  return a.n > 0 && b.n > 0 && a.min <= b.max && b.min <= a.max;
}

}  // namespace

Comparison compare_variants(const std::vector<VariantRuns>& variants) {
  Comparison c;
  c.table = Json::array();
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"variant", "passed"});
  for (const auto& col : columns()) cells[0].push_back(col.title);
  std::vector<std::map<std::string, Spread>> spreads;
  for (const auto& v : variants) {
    Json row = {{"variant", v.name},
                {"expect", v.expect_fail ? "fail" : "pass"},
                {"runs", v.runs.size()},
                {"passed", passed(v)}};
    std::vector<std::string> line = {v.name + (v.expect_fail ? " (expect fail)" : ""),
                                     fmt::format("{}/{}", passed(v), v.runs.size())};
    std::map<std::string, Spread> by_key;
    for (const auto& col : columns()) {
      const Spread s = spread(v.runs, col.get);
      by_key[col.key] = s;
      row[col.key] = s.n == 0 ? Json(nullptr)
                              : Json{{"median", s.median}, {"min", s.min}, {"max", s.max}};
      line.push_back(spread_text(s, col.unit));
    }
    spreads.push_back(std::move(by_key));
    c.table.push_back(std::move(row));
    cells.push_back(std::move(line));
  }
  // Aligned columns.
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& line : cells)
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i)
      text += fmt::format("{:<{}}{}", line[i], width[i], i + 1 < line.size() ? "  " : "");
    c.text.push_back(text);
  }

  // The verdict: the worst variant's, `expect: fail` ones aside.
  c.verdict = State::passed;
  for (const auto& v : variants) {
    if (v.expect_fail) continue;
    for (const auto& r : v.runs)
      if (severity(r.verdict) > severity(c.verdict)) {
        c.verdict = r.verdict;
        c.reason = fmt::format("variant {}: {}", v.name, r.reason);
      }
  }
  if (c.verdict == State::passed)
    c.reason = fmt::format("every run of {} passed",
                           variants.size() == 1 ? "the variant" : "the variants expected to pass");

  // Best on the campaign's criteria: most runs passed, then fewest OOM kills, then the most
  // headroom left, then the least memory waiting in RCU (medians).
  std::vector<std::size_t> order(variants.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](std::size_t i) {
    const auto& s = spreads[i];
    const double pass_share = variants[i].runs.empty()
                                  ? 0
                                  : double(passed(variants[i])) / double(variants[i].runs.size());
    return std::tuple(-pass_share, s.at("oom_kills").median, -s.at("min_headroom_bytes").median,
                      s.at("rcu_waiting_p50").n ? s.at("rcu_waiting_p50").median : 0.0);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  if (variants.size() >= 2) {
    const std::size_t a = order[0], b = order[1];
    const auto& sa = spreads[a];
    const auto& sb = spreads[b];
    const bool same_outcome = std::get<0>(key(a)) == std::get<0>(key(b)) &&
                              std::get<1>(key(a)) == std::get<1>(key(b));
    const bool headroom_overlaps = overlap(sa.at("min_headroom_bytes"), sb.at("min_headroom_bytes"));
    const bool waiting_overlaps = sa.at("rcu_waiting_p50").n == 0 ||
                                  overlap(sa.at("rcu_waiting_p50"), sb.at("rcu_waiting_p50"));
    const bool one_run = sa.at("oom_kills").n < 2 || sb.at("oom_kills").n < 2;
    if (same_outcome && headroom_overlaps && waiting_overlaps) {
      c.best = fmt::format(
          "No variant did clearly best: {} and {} passed as often and had as many OOM kills, and "
          "their min headroom{} within the spread of their repeats.",
          variants[a].name, variants[b].name,
          sa.at("rcu_waiting_p50").n ? " and memory waiting in RCU are" : " is");
    } else {
      std::string why;
      if (!same_outcome)
        why = fmt::format("{}/{} runs passed, {:g} OOM kills (median), against {}/{} and {:g} for {}",
                          passed(variants[a]), variants[a].runs.size(), sa.at("oom_kills").median,
                          passed(variants[b]), variants[b].runs.size(), sb.at("oom_kills").median,
                          variants[b].name);
      else if (!headroom_overlaps)
        why = fmt::format("min headroom {} against {} for {}",
                          human_bytes(sa.at("min_headroom_bytes").median),
                          human_bytes(sb.at("min_headroom_bytes").median), variants[b].name);
      else
        why = fmt::format("memory waiting in RCU {} (median) against {} for {}",
                          human_bytes(sa.at("rcu_waiting_p50").median),
                          human_bytes(sb.at("rcu_waiting_p50").median), variants[b].name);
      if (one_run && same_outcome) why += "; one run each, so the spread is unknown: repeat to know";
      else if (!one_run && same_outcome) why += ", the ranges of the repeats apart";
      c.best = fmt::format("Best: {} ({}).", variants[a].name, why);
    }
    c.text.push_back(c.best);
  }
  return c;
}

}  // namespace mt::daemon
