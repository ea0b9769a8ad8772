// A suite's index page: a row per campaign with its verdict, reason and headline figures, and
// with a history, those figures plotted over the nights and the verdicts per night.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>

#include "client/html_page.h"
#include "client/html_report.h"

namespace mt::client {
namespace {

// ISO 8601 UTC ("2026-12-06T02:44:04Z", fractions allowed) to Unix milliseconds.
std::optional<double> iso_ms(const std::string& s) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6)
    return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = 0;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return static_cast<double>(t) * 1000.0 + sec * 1000.0;
}

}  // namespace

std::string render_index_html(const std::string& title, const std::vector<IndexRow>& rows,
                              const std::vector<HistoryNight>& history, const HtmlAssets& assets) {
  using namespace html;  // the page builders' parts (html_page.h)
  std::string content = "<header id=\"title\"><h1>" + esc(title) + "</h1></header>\n";
  content += "<section id=\"campaigns\">\n<h2>Campaigns</h2>\n";
  content +=
      "<table><tr><th>campaign</th><th>verdict</th><th>duration</th><th>reason</th>"
      "<th>figures</th><th>report</th></tr>\n";
  for (const auto& row : rows) {
    std::string name = esc(row.name);
    if (!row.html_href.empty()) name = "<a href=\"" + esc(row.html_href) + "\">" + name + "</a>";
    std::string figs;
    for (const auto& [label, value] : row.headline)
      figs += (figs.empty() ? "" : "; ") + esc(label) + " <b>" + esc(value) + "</b>";
    content += fmt::format(
        "<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        name, verdict_class(row.verdict), esc(row.verdict), esc(seconds_text(row.duration_s)),
        esc(row.reason), figs,
        row.report_href.empty() ? "" : "<a href=\"" + esc(row.report_href) + "\">report.json</a>");
  }
  content += "</table>\n</section>\n";

  std::vector<Plot> plots;
  std::map<std::string, std::vector<double>> times;
  if (!history.empty()) {
    content += "<section id=\"history\">\n<h2>Over the nights</h2>\n";
    std::vector<std::string> campaigns;
    for (const auto& row : rows)
      if (std::find(campaigns.begin(), campaigns.end(), row.name) == campaigns.end())
        campaigns.push_back(row.name);
    std::vector<std::string> figures;
    for (const auto& night : history) {
      for (const auto& [c, v] : night.verdicts)
        if (std::find(campaigns.begin(), campaigns.end(), c) == campaigns.end())
          campaigns.push_back(c);
      for (const auto& [c, f] : night.figures) {
        if (std::find(campaigns.begin(), campaigns.end(), c) == campaigns.end())
          campaigns.push_back(c);
        for (const auto& [name, value] : f)
          if (std::find(figures.begin(), figures.end(), name) == figures.end())
            figures.push_back(name);
      }
    }
    // The nights with a readable time, in time order.
    std::vector<std::pair<double, const HistoryNight*>> nights;
    for (const auto& n : history)
      if (auto ms = iso_ms(n.time)) nights.emplace_back(*ms, &n);
    std::stable_sort(nights.begin(), nights.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<double> t;
    for (const auto& [ms, n] : nights) t.push_back(ms);
    times["nights"] = t;
    std::size_t counter = 0;
    for (const auto& fig : figures) {
      Plot p;
      p.title = figure_title(fig);
      p.help = fig;
      p.group = "history";
      p.dates = true;
      p.main_events = false;
      p.unit = axis_unit_of(unit_of_figure(fig));
      for (const auto& c : campaigns) {
        Series s;
        s.label = c;
        s.tc = "nights";
        s.values.resize(nights.size());
        for (std::size_t i = 0; i < nights.size(); ++i) {
          auto ci = nights[i].second->figures.find(c);
          if (ci == nights[i].second->figures.end()) continue;
          auto fi = ci->second.find(fig);
          if (fi != ci->second.end() && std::isfinite(fi->second)) s.values[i] = fi->second;
        }
        if (!has_value(s.values)) continue;
        s.color = palette(p.series.size());
        p.series.push_back(std::move(s));
      }
      if (p.series.empty()) continue;
      p.id = fmt::format("h{}", ++counter);
      content += plot_html(p);
      plots.push_back(std::move(p));
    }
    content += "<h3>Verdicts per night</h3>\n<table class=\"nights\"><tr><th>night</th>";
    for (const auto& c : campaigns) content += "<th>" + esc(c) + "</th>";
    content += "</tr>\n";
    for (const auto& night : history) {
      content += "<tr><td>" + esc(night.time) + "</td>";
      for (const auto& c : campaigns) {
        auto it = night.verdicts.find(c);
        if (it == night.verdicts.end())
          content += "<td></td>";
        else
          content += "<td class=\"" + verdict_class(it->second) + "\">" + esc(it->second) + "</td>";
      }
      content += "</tr>\n";
    }
    content += "</table>\n</section>\n";
  }
  return page_html(title, content, page_data(times, plots, {}, true), assets);
}

std::string render_columns_index_html(const std::string& title,
                                      const std::vector<IndexColumn>& columns,
                                      const HtmlAssets& assets) {
  using namespace html;
  // The campaigns in the order the columns first list them.
  std::vector<std::string> campaigns;
  for (const auto& c : columns)
    for (const auto& row : c.rows)
      if (std::find(campaigns.begin(), campaigns.end(), row.name) == campaigns.end())
        campaigns.push_back(row.name);
  std::string content = "<header id=\"title\"><h1>" + esc(title) + "</h1></header>\n";
  content += "<section id=\"columns\">\n<h2>Campaigns by kernel</h2>\n<table><tr><th>campaign</th>";
  for (const auto& c : columns)
    content += "<th>" + esc(c.label) +
               (c.subtitle.empty() ? "" : "<br><small>" + esc(c.subtitle) + "</small>") + "</th>";
  content += "</tr>\n";
  if (std::any_of(columns.begin(), columns.end(), [](const auto& c) { return !c.note.empty(); })) {
    content += "<tr><td></td>";
    for (const auto& c : columns) content += "<td>" + esc(c.note) + "</td>";
    content += "</tr>\n";
  }
  for (const auto& name : campaigns) {
    content += "<tr><td>" + esc(name) + "</td>";
    for (const auto& c : columns) {
      auto it = std::find_if(c.rows.begin(), c.rows.end(),
                             [&](const IndexRow& r) { return r.name == name; });
      if (it == c.rows.end()) {
        content += "<td>-</td>";
        continue;
      }
      std::string verdict = esc(it->verdict);
      if (!it->html_href.empty())
        verdict = "<a href=\"" + esc(it->html_href) + "\">" + verdict + "</a>";
      std::string figs;
      for (const auto& [label, value] : it->headline)
        figs += (figs.empty() ? "" : "; ") + esc(label) + " <b>" + esc(value) + "</b>";
      const std::string detail = it->verdict == "passed" ? figs : esc(it->reason);
      content += fmt::format("<td class=\"{}\">{} <span class=\"num\">{}</span>{}</td>",
                             verdict_class(it->verdict), verdict, esc(seconds_text(it->duration_s)),
                             detail.empty() ? "" : "<br><small>" + detail + "</small>");
    }
    content += "</tr>\n";
  }
  content += "</table>\n</section>\n";
  return page_html(title, content, page_data({}, {}, {}, true), assets);
}

}  // namespace mt::client
