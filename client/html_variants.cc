// A campaign's variants on its page: the comparison table (each figure's median over the
// repeats, with its range), then a column per variant with its repeats' memory and RCU plots on
// shared axes and its runs' verdicts; a run whose report is missing is named, not plotted.
#include <fmt/format.h>

#include <algorithm>

#include "client/html_page.h"

namespace mt::client::html {
namespace {

std::string spread_text(const Json& s, Unit u) {
  auto med = number(s, "median");
  if (!med) return s.is_number() ? daemon::figure_text(s.get<double>(), u) : "-";
  auto lo = number(s, "min"), hi = number(s, "max");
  if (!lo || !hi || *lo == *hi) return daemon::figure_text(*med, u);
  return fmt::format("{} ({}..{})", daemon::figure_text(*med, u), daemon::figure_text(*lo, u),
                     daemon::figure_text(*hi, u));
}

std::string variants_table_html(const Json& variants) {
  const Json& table = list(variants, "table");
  if (table.empty()) return "<p>No comparison table in the report.</p>\n";
  std::vector<std::string> keys;
  for (const auto& row : table)
    if (row.is_object())
      for (auto it = row.begin(); it != row.end(); ++it) {
        const std::string& k = it.key();
        if (k == "variant" || k == "expect" || k == "runs" || k == "passed") continue;
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
  std::string out =
      "<div class=\"scroll\"><table class=\"variants-table\"><tr><th>variant</th><th>passed</th>";
  for (const auto& k : keys) out += "<th>" + esc(figure_title(k)) + "</th>";
  out += "</tr>\n";
  for (const auto& row : table) {
    const bool expect_fail = text(row, "expect") == "fail";
    out += fmt::format("<tr><td>{}{}</td><td class=\"num\">{}/{}</td>", esc(text(row, "variant")),
                       expect_fail ? " (expect fail)" : "", esc(text(row, "passed")),
                       esc(text(row, "runs")));
    for (const auto& k : keys)
      out +=
          "<td class=\"num\">" + esc(spread_text(at(row, k.c_str()), unit_of_figure(k))) + "</td>";
    out += "</tr>\n";
  }
  out += "</table></div>\n";
  out += "<p class=\"help\">Each figure: the median over the variant's repeats, (min..max).</p>\n";
  if (!text(variants, "best").empty())
    out += "<p class=\"best\">" + esc(text(variants, "best")) + "</p>\n";
  return out;
}

}  // namespace

VariantsPage variants_of(const Json& variants, const std::map<std::string, Json>& runs) {
  VariantsPage vp;
  const Json& vs = list(variants, "variants");
  // Shared axes across the variants: the longest run, the highest value of each figure.
  struct RunData {
    std::string id;
    int repeat = 0;
    SampleColumns cols;
    std::vector<double> kills;
  };
  std::vector<std::vector<RunData>> data(vs.size());
  double xmax = 0, usage_max = 0, freed_max = 0;
  for (std::size_t v = 0; v < vs.size(); ++v)
    for (const auto& run : list(vs[v], "runs")) {
      const std::string id = text(run, "id");
      auto it = runs.find(id);
      if (it == runs.end()) continue;
      RunData d;
      d.id = id;
      d.repeat = static_cast<int>(number(run, "repeat").value_or(0));
      d.cols = columns_of(at(it->second, "samples"));
      for (const auto& e : events_of(it->second))
        if (e.kind == "oom_kill") d.kills.push_back(e.t_s);
      if (!d.cols.t_s.empty()) xmax = std::max(xmax, d.cols.t_s.back());
      if (auto a = number(it->second, "duration_actual_s")) xmax = std::max(xmax, *a);
      if (const Column* c = d.cols.find_field("usage_bytes"))
        for (const auto& x : *c) usage_max = std::max(usage_max, x.value_or(0));
      if (const Column* c = d.cols.find_field("limit_bytes"))
        for (const auto& x : *c) usage_max = std::max(usage_max, x.value_or(0));
      if (const Column* c = d.cols.find_metric("rcu.freed_bytes_per_s"))
        for (const auto& x : *c) freed_max = std::max(freed_max, x.value_or(0));
      data[v].push_back(std::move(d));
    }

  std::string& out = vp.html;
  out += "<section id=\"variants\">\n<h2>Variants</h2>\n";
  out += variants_table_html(variants);
  out += fmt::format(
      "<div class=\"variants-grid\" style=\"grid-template-columns:repeat({},minmax(0,1fr))\">\n",
      std::max<std::size_t>(vs.size(), 1));
  std::size_t counter = 0;
  for (std::size_t v = 0; v < vs.size(); ++v) {
    const Json& variant = vs[v];
    const std::string name = text(variant, "name");
    out += fmt::format("<div class=\"variant\" id=\"variant-{}\">\n<h3>{}{}</h3>\n", v + 1,
                       esc(name), text(variant, "expect") == "fail" ? " (expect fail)" : "");
    const Json& overrides = at(variant, "overrides");
    if (overrides.is_object() && !overrides.empty())
      out += "<p class=\"help\">overrides: " +
             esc(overrides.dump(-1, ' ', false, Json::error_handler_t::replace)) + "</p>\n";
    auto run_plot = [&](const char* title, const char* unit, double top, bool metric,
                        const char* name) {
      Plot p;
      p.title = title;
      p.unit = unit;
      p.group = "variants";
      p.css = "plot-small";
      p.main_events = false;
      p.xmax = xmax;
      if (top > 0) p.range = std::make_pair(0.0, top * 1.05);
      for (std::size_t i = 0; i < data[v].size(); ++i) {
        const RunData& d = data[v][i];
        const Column* c = metric ? d.cols.find_metric(name) : d.cols.find_field(name);
        if (!c || !has_value(*c)) continue;
        Series s;
        s.label = fmt::format("repeat {}", d.repeat ? d.repeat : static_cast<int>(i + 1));
        s.tc = "run:" + d.id;
        s.values = *c;
        s.color = palette(i);
        vp.times["run:" + d.id] = d.cols.t_s;
        p.series.push_back(std::move(s));
        for (double k : d.kills) p.events.push_back({k, "oom_kill", ""});
      }
      if (p.series.empty()) {
        if (!data[v].empty())
          out += fmt::format("<p class=\"not-measured\">{}: not measured in its runs.</p>\n",
                             esc(title));
        return;
      }
      std::sort(p.events.begin(), p.events.end(),
                [](const Event& a, const Event& b) { return a.t_s < b.t_s; });
      p.id = fmt::format("v{}", ++counter);
      p.help = "one line per repeat; OOM kills of the repeats marked";
      out += plot_html(p);
      vp.plots.push_back(std::move(p));
    };
    run_plot("Memory usage", "bytes", usage_max, false, "usage_bytes");
    run_plot("RCU freed bytes/s", "bytes/s", freed_max, true, "rcu.freed_bytes_per_s");
    out += "<ul class=\"runs\">\n";
    for (const auto& run : list(variant, "runs")) {
      const std::string id = text(run, "id");
      const std::string verdict = text(run, "verdict");
      if (!runs.count(id))
        out += fmt::format("<li class=\"missing\">run {}: report not available</li>\n", esc(id));
      else
        out += fmt::format(
            "<li>repeat {} <span class=\"{}\">{}</span>: {} <span "
            "class=\"help\">({})</span></li>\n",
            esc(text(run, "repeat")), verdict_class(verdict), esc(verdict),
            esc(text(run, "reason")), esc(id));
    }
    out += "</ul>\n";
    out += "</div>\n";
  }
  out += "</div>\n</section>\n";
  return vp;
}

}  // namespace mt::client::html
