#include "client/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>

#include "campaign/parse.h"
#include "daemon/report_figures.h"

namespace mt::client {
namespace {

using Json = nlohmann::ordered_json;
using daemon::RunFigures;

using Unit = daemon::FigureUnit;

struct Figure {
  const char* key;        // campaign/regression.h
  const char* table_key;  // its column in the variants table
  Unit unit;
  std::function<std::optional<double>(const RunFigures&)> get;
};

const std::vector<Figure>& figures() {
  static const std::vector<Figure> all = {
      {"oom_kills", "oom_kills", Unit::count,
       [](const RunFigures& r) { return std::optional(r.oom_kills); }},
      {"min_headroom_bytes", "min_headroom_bytes", Unit::bytes,
       [](const RunFigures& r) { return r.min_headroom_bytes; }},
      {"psi_some_max", "psi_some_max", Unit::percent,
       [](const RunFigures& r) { return r.psi_some_max; }},
      {"flood_ops_per_s", "flood_ops_per_s", Unit::ops_per_s,
       [](const RunFigures& r) { return r.flood_ops_per_s; }},
      {"rcu_freed_bytes_per_s", "rcu_freed_p50", Unit::bytes_per_s,
       [](const RunFigures& r) { return r.freed_p50; }},
      {"rcu_waiting_max", "rcu_waiting_max", Unit::bytes,
       [](const RunFigures& r) { return r.waiting_max; }},
      {"backlog_p50_bytes", "backlog_p50_bytes", Unit::bytes,
       [](const RunFigures& r) { return r.backlog_p50_bytes; }},
      {"gp_p99_us", "gp_p99_us", Unit::us, [](const RunFigures& r) { return r.gp_p99; }},
      {"reactions_fired", "reactions_fired", Unit::count,
       [](const RunFigures& r) { return std::optional(r.reactions_fired); }},
      {"lowest_oom_eta_s", "lowest_oom_eta_s", Unit::seconds,
       [](const RunFigures& r) { return r.lowest_oom_eta_s; }},
  };
  return all;
}

struct Side {
  double median = 0, min = 0, max = 0;
};

// A campaign's figures: one scope ("") for a plain run, one per variant from its table.
std::map<std::string, std::map<std::string, Side>> sides_of(const Json& report) {
  std::map<std::string, std::map<std::string, Side>> out;
  const Json parts = report.value("parts", Json::object());
  if (parts.contains("variants") && parts["variants"].contains("table")) {
    for (const auto& row : parts["variants"]["table"]) {
      auto& scope = out[row.value("variant", std::string("?"))];
      for (const auto& f : figures())
        if (row.contains(f.table_key) && row[f.table_key].is_object()) {
          const Json& cell = row[f.table_key];
          scope[f.key] = {cell.value("median", 0.0), cell.value("min", 0.0), cell.value("max", 0.0)};
        }
    }
    return out;
  }
  const RunFigures r = daemon::run_figures(report);
  auto& scope = out[""];
  for (const auto& f : figures())
    if (auto v = f.get(r)) scope[f.key] = {*v, *v, *v};
  return out;
}

Status check_report(const Json& j, const char* side) {
  if (!j.is_object() || !j.contains("verdict") || !j.contains("campaign"))
    return make_error(fmt::format("{}: not a memtorture report (no verdict or campaign)", side));
  return {};
}

}  // namespace

const std::map<std::string, Threshold>& default_thresholds() {
  static const std::map<std::string, Threshold> t = [] {
    std::map<std::string, Threshold> out;
    for (const auto& f : campaign::regression_figures())
      if (f.key != "reactions_fired") out[std::string(f.key)] = f.fallback;  // told, not judged
    return out;
  }();
  return t;
}

Result<std::pair<std::string, Threshold>> parse_threshold(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return make_error(fmt::format(
        "threshold '{}': expected FIGURE=LIMIT, e.g. rcu_freed_bytes_per_s=-20%", text));
  const std::string key = text.substr(0, eq);
  if (campaign::find_regression_figure(key) == nullptr)
    return make_error(fmt::format("threshold '{}': no figure '{}' (figures: {})", text, key,
                                  campaign::regression_figure_keys()));
  std::string why;
  auto t = campaign::parse_threshold_value(text.substr(eq + 1), &why);
  if (!t) return make_error(fmt::format("threshold '{}': {}", text, why));
  return std::pair{key, *t};
}

Result<std::map<std::string, Threshold>> thresholds_of(const Json& report) {
  auto out = default_thresholds();
  const std::string yaml = report.value("campaign_yaml", std::string());
  if (yaml.empty()) return out;
  campaign::ParseOptions po;
  po.file_name = "campaign_yaml";
  const auto parsed = campaign::parse_campaign(yaml, po);
  if (!parsed.ok())
    return make_error(fmt::format("its campaign does not parse: {}",
                                  parsed.errors.empty() ? "" : parsed.errors.front().str()));
  for (const auto& [key, t] : parsed.spec->regression) out[key] = t;
  return out;
}

Result<ReportComparison> compare_reports(const Json& a, const Json& b,
                                         const std::map<std::string, Threshold>& thresholds) {
  if (auto st = check_report(a, "A"); !st) return st.error();
  if (auto st = check_report(b, "B"); !st) return st.error();
  ReportComparison c;
  c.campaign = a.value("campaign", std::string());
  if (b.value("campaign", std::string()) != c.campaign)
    return make_error(fmt::format("A is campaign '{}', B is '{}': compare runs of one campaign",
                                  c.campaign, b.value("campaign", std::string())));
  c.verdict_a = a.value("verdict", std::string());
  c.verdict_b = b.value("verdict", std::string());
  if (c.verdict_a == "passed" && c.verdict_b != "passed")
    c.regressions.push_back(fmt::format("verdict: {} -> {}", c.verdict_a, c.verdict_b));
  const auto sa = sides_of(a), sb = sides_of(b);
  for (const auto& [scope, fa] : sa) {
    const auto bit = sb.find(scope);
    for (const auto& f : figures()) {
      FigureComparison fc{.scope = scope, .key = f.key};
      const auto ai = fa.find(f.key);
      const bool have_b = bit != sb.end() && bit->second.contains(f.key);
      if (ai != fa.end()) fc.a = ai->second.median, fc.a_min = ai->second.min, fc.a_max = ai->second.max;
      if (have_b) {
        const Side& s = bit->second.at(f.key);
        fc.b = s.median, fc.b_min = s.min, fc.b_max = s.max;
      }
      if (!fc.a && !fc.b) continue;
      fc.verdict = "-";
      if (fc.a && fc.b) {
        const double d = *fc.b - *fc.a;
        const auto t = thresholds.find(f.key);
        const bool relative = t == thresholds.end() || t->second.relative;
        double change = d;
        if (relative) {
          change = *fc.a != 0 ? 100.0 * d / std::fabs(*fc.a)
                              : (d == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), d));
          fc.change = std::isinf(change) ? fmt::format("from 0 to {}", daemon::figure_text(*fc.b, f.unit))
                                         : fmt::format("{:+.1f}%", change);
        } else {
          fc.change = fmt::format("{:+g}", d);
        }
        if (t != thresholds.end()) {
          const double lim = t->second.limit;
          // The limit's sign says which way is worse: below a negative one, above a positive
          // one; a limit of 0 (counts) is crossed by any increase.
          const bool worse = lim < 0 ? change < lim : change > lim;
          const bool better = lim < 0 ? change > -lim : (lim > 0 ? change < -lim : change < 0);
          const bool overlap = fc.a_min && fc.b_min && (*fc.a_max > *fc.a_min || *fc.b_max > *fc.b_min) &&
                               *fc.a_min <= *fc.b_max && *fc.b_min <= *fc.a_max;
          fc.verdict = worse ? (overlap ? "within spread" : "regressed") : better ? "better" : "ok";
          if (fc.verdict == "regressed")
            c.regressions.push_back(fmt::format(
                "{}{}: {} -> {} ({}; limit {}{})", scope.empty() ? "" : scope + ": ", f.key,
                daemon::figure_text(*fc.a, f.unit), daemon::figure_text(*fc.b, f.unit), fc.change,
                fmt::format("{:+g}", lim), t->second.relative ? "%" : ""));
        }
      }
      c.figures.push_back(std::move(fc));
    }
  }
  return c;
}

std::string comparison_text(const ReportComparison& c) {
  std::string out = fmt::format("campaign {}: A {}, B {}\n", c.campaign, c.verdict_a, c.verdict_b);
  out += fmt::format("  {:<16} {:<20} {:>16} {:>16} {:>14}  {}\n", "variant", "figure", "A", "B",
                     "change", "verdict");
  for (const auto& f : c.figures) {
    Unit unit = Unit::count;
    for (const auto& def : figures())
      if (f.key == def.key) unit = def.unit;
    auto text = [&](const std::optional<double>& v) { return v ? daemon::figure_text(*v, unit) : std::string("-"); };
    out += fmt::format("  {:<16} {:<20} {:>16} {:>16} {:>14}  {}\n", f.scope.empty() ? "-" : f.scope,
                       f.key, text(f.a), text(f.b), f.change.empty() ? "-" : f.change, f.verdict);
  }
  if (c.regressions.empty())
    out += "no regression\n";
  else
    for (const auto& r : c.regressions) out += "REGRESSED " + r + "\n";
  return out;
}

}  // namespace mt::client
