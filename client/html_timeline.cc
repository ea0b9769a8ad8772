// A campaign's plots over time: memory, pressure, flood ops/s, RCU, grace periods, OOM proximity,
// then every other metric by unit and scale; the plots without data and the metrics never
// sampled are named.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "client/html_page.h"

namespace mt::client::html {
namespace {

// The unit of a declared metric in the page's terms.
std::string axis_unit(const std::string& unit) {
  if (unit == "bytes" || unit == "bytes/s" || unit == "us" || unit == "s" || unit == "%" ||
      unit == "1/s" || unit == "level")
    return unit;
  if (unit == "ops/s") return "1/s";
  return "";
}
std::string unit_title(const std::string& unit) {
  if (unit.empty()) return "counts";
  if (unit == "level") return "levels (0..3)";
  if (unit == "1/s") return "per second";
  if (unit == "us") return "microseconds";
  if (unit == "s") return "seconds";
  return unit;
}

struct MetricInfo {
  std::string unit, help, label;
};

}  // namespace

Timeline timeline_of(const Json& r, const SampleColumns& cols, const std::vector<Event>& events) {
  // x runs to the end of the campaign or its last event
  Timeline tl;
  std::map<std::string, MetricInfo> declared;
  std::vector<std::string> declared_order;
  for (const auto& m : list(r, "metrics")) {
    const std::string name = text(m, "name");
    if (name.empty() || declared.count(name)) continue;
    declared[name] = {text(m, "unit"), text(m, "help"), text(m, "label")};
    declared_order.push_back(name);
  }
  double xmax = cols.t_s.empty() ? 0 : cols.t_s.back();
  if (auto d = number(r, "duration_actual_s")) xmax = std::max(xmax, *d);
  for (const auto& e : events) xmax = std::max(xmax, e.t_s);

  std::set<std::string> used;
  std::size_t counter = 0;
  auto metric_help = [&](const std::string& name, const std::string& fallback) {
    auto it = declared.find(name);
    return it != declared.end() && !it->second.help.empty() ? it->second.help : fallback;
  };
  auto field = [&](const std::string& name, std::string label, std::string help) {
    Series s;
    s.label = std::move(label);
    s.help = std::move(help);
    s.source = name;
    if (const Column* c = cols.find_field(name)) s.values = *c;
    return s;
  };
  auto metric = [&](const std::string& name, std::string label, const std::string& help) {
    Series s;
    s.label = std::move(label);
    s.help = metric_help(name, help);
    s.source = name;
    used.insert(name);
    if (const Column* c = cols.find_metric(name)) s.values = *c;
    return s;
  };
  auto add = [&](Plot p) {
    std::vector<Series> kept;
    for (auto& s : p.series)
      if (has_value(s.values) || !s.own.empty()) kept.push_back(std::move(s));
    const bool any_line =
        std::any_of(kept.begin(), kept.end(), [](const Series& s) { return has_value(s.values); });
    if (!any_line &&
        std::none_of(kept.begin(), kept.end(), [](const Series& s) { return !s.own.empty(); })) {
      tl.missing.push_back(p.title);
      return;
    }
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (kept[i].color.empty()) kept[i].color = palette(i);
    p.series = std::move(kept);
    p.id = fmt::format("p{}", ++counter);
    p.xmax = xmax;
    tl.plots.push_back(std::move(p));
  };

  {  // a. memory
    Plot p{.title = "Memory", .unit = "bytes"};
    p.series = {field("usage_bytes", "usage", "memory charged to the campaign cgroup"),
                field("limit_bytes", "limit", "the cgroup's memory limit"),
                field("headroom_bytes", "headroom", "limit minus usage"),
                field("kernel_bytes", "kernel", "kernel memory charged to the cgroup")};
    p.series[0].color = palette(0);
    p.series[1].color = palette(1);
    p.series[1].dash = true;
    p.series[2].color = palette(2);
    p.series[3].color = palette(3);
    add(std::move(p));
  }
  {  // b. PSI
    Plot p{.title = "Memory pressure (PSI avg10)", .unit = "%"};
    p.series = {
        field("cgroup_psi.some_avg10", "cgroup some",
              "share of time some task of the cgroup stalled on memory (10 s average)"),
        field("cgroup_psi.full_avg10", "cgroup full",
              "share of time all tasks of the cgroup stalled on memory (10 s average)"),
        field("system_psi.some_avg10", "system some", "the same, system-wide: some task stalled"),
        field("system_psi.full_avg10", "system full", "the same, system-wide: all tasks stalled")};
    p.series[2].dash = p.series[3].dash = true;
    add(std::move(p));
  }
  {  // c. flood ops/s per workload
    Plot p{.title = "Flood ops/s per workload", .unit = "1/s"};
    for (const auto& [name, col] : cols.metric) {
      const std::string pre = "workload.", post = ".ops_per_s";
      if (name.size() > pre.size() + post.size() && name.rfind(pre, 0) == 0 &&
          name.compare(name.size() - post.size(), post.size(), post) == 0) {
        p.series.push_back(metric(name,
                                  name.substr(pre.size(), name.size() - pre.size() - post.size()),
                                  "operations per second of the workload"));
      }
    }
    for (const auto& name : declared_order)  // declared ones the samples lack count as used
      if (name.rfind("workload.", 0) == 0 && name.size() > 10 &&
          name.compare(name.size() - 10, 10, ".ops_per_s") == 0)
        used.insert(name);
    add(std::move(p));
  }
  {  // d. RCU freed
    Plot p{.title = "Freed through RCU", .unit = "bytes/s", .unit2 = "1/s", .y2label = "objects/s"};
    p.series = {
        metric("rcu.freed_bytes_per_s", "freed bytes/s", "bytes RCU freed per second"),
        metric("rcu.freed_objects_per_s", "freed objects/s", "objects RCU freed per second")};
    p.series[1].y2 = true;
    p.series[1].dash = true;
    add(std::move(p));
  }
  {  // e. waiting in RCU
    Plot p{.title = "Memory waiting in RCU", .unit = "bytes"};
    p.series = {metric("rcu.pending_bytes", "waiting (walk)", "memory waiting in RCU, by a walk"),
                metric("rcu.backlog_bytes", "backlog (barrier)", "what an rcu_barrier() freed"),
                metric("oom.rcu_waiting_bytes", "cgroup's share",
                       "memory waiting in RCU counted as the cgroup's")};
    Series b;
    b.label = "ledger barrier backlogs";
    b.help = "each rcu_barrier() of the ledger: the bytes it freed";
    b.source = "parts.ledger.backlogs";
    b.points = true;
    for (const auto& x : list(at(at(r, "parts"), "ledger"), "backlogs"))
      if (auto t = number(x, "t_s"))
        if (auto v = number(x, "bytes")) b.own.emplace_back(*t, *v);
    p.series.push_back(std::move(b));
    add(std::move(p));
  }
  {  // f. grace periods
    Plot p{.title = "Grace-period latency", .unit = "us"};
    p.series = {metric("rcu.gp_latency_us", "grace period", "latency of a timed grace period")};
    p.series[0].points = false;
    const Json& gp = at(at(r, "parts"), "gp_probe");
    if (!list(gp, "phases").empty()) {
      std::string t =
          "<table class=\"gp-phases\"><tr><th>phase (knobs)</th><th>count</th>"
          "<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>";
      for (const auto& ph : list(gp, "phases")) {
        auto us = [&](const char* k) {
          auto v = number(ph, k);
          return v ? daemon::figure_text(*v, Unit::us) : std::string("-");
        };
        t += fmt::format(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(text(ph, "knobs")), esc(text(ph, "count")), us("p50_us"), us("p90_us"),
            us("p99_us"), us("max_us"));
      }
      p.note_html = t + "</table>";
    }
    add(std::move(p));
  }
  {  // g. OOM proximity
    Plot p{.title = "OOM proximity",
           .unit = "level",
           .unit2 = "s",
           .ylabel = "level, score",
           .y2label = "time to OOM"};
    p.series = {metric("oom.proximity", "level", "0 ok, 1 elevated, 2 critical, 3 oom"),
                metric("oom.score", "score", "0..1: how close to OOM"),
                metric("oom.eta_s", "time to OOM", "estimated seconds until OOM"),
                metric("oom.eta_low_s", "time to OOM, early end", "the estimate's early end"),
                metric("oom.eta_high_s", "time to OOM, late end", "the estimate's late end")};
    for (std::size_t i = 2; i < 5; ++i) {
      p.series[i].y2 = true;
      p.series[i].gaps = true;  // absent while memory does not grow
      p.series[i].dash = i > 2;
    }
    add(std::move(p));
  }
  // Every other metric, by unit, and within a unit by scale (a series 30 times below the top
  // of its plot would be a flat line): largest first, a new plot where one falls below that.
  std::map<std::string, std::vector<std::pair<double, std::string>>> by_unit;
  std::vector<std::string> others = declared_order;
  for (const auto& [name, col] : cols.metric)
    if (!declared.count(name)) others.push_back(name);
  for (const auto& name : others) {
    const Column* c = cols.find_metric(name);
    if (!c || !has_value(*c)) {
      tl.never_sampled.push_back(name);
      continue;
    }
    if (used.count(name)) continue;
    double top = 0;
    for (const auto& v : *c) top = std::max(top, std::fabs(v.value_or(0)));
    auto it = declared.find(name);
    by_unit[it == declared.end() ? "" : it->second.unit].emplace_back(top, name);
  }
  for (auto& [unit, names] : by_unit) {
    std::stable_sort(names.begin(), names.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::vector<std::string>> groups;
    double group_top = 0;
    for (const auto& [top, name] : names) {
      if (groups.empty() || (top > 0 && top * 30 < group_top)) {
        groups.emplace_back();
        group_top = top;
      }
      groups.back().push_back(name);
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      Plot p{.title = "More figures: " + unit_title(unit) + (g ? fmt::format(" ({})", g + 1) : ""),
             .unit = axis_unit(unit)};
      for (const auto& name : groups[g]) {
        Series s = metric(name, name, "");
        s.gaps = name.find("eta") != std::string::npos;  // an estimate absent while not growing
        p.series.push_back(std::move(s));
      }
      add(std::move(p));
    }
  }
  return tl;
}

}  // namespace mt::client::html
