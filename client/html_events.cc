// A campaign's events: the kinds of event and how each is drawn, the events read from every part
// of the report, the legend over the plots and the table under them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "client/html_page.h"
#include "common/units.h"

namespace mt::client::html {

const std::vector<EventKind>& event_kinds() {
  static const std::vector<EventKind> kinds = {
      {"oom_kill", "OOM kill", "#d62728", "[]"},
      {"psi_trigger", "PSI trigger fired", "#ff7f0e", "[6,3]"},
      {"reaction", "reaction fired", "#1f77b4", "[]"},
      {"reaction_clear", "reaction cleared", "#1f77b4", "[2,3]"},
      {"level", "OOM proximity level change", "#9467bd", "[6,3]"},
      {"burst_start", "flood burst started", "#2ca02c", "[4,4]"},
      {"burst_end", "flood burst ended", "#8c564b", "[4,4]"},
  };
  return kinds;
}
const EventKind& kind_of(const std::string& key) {
  for (const auto& k : event_kinds())
    if (key == k.key) return k;
  return event_kinds().front();
}

std::vector<Event> events_of(const Json& r) {
  std::vector<Event> ev;
  const Json& parts = at(r, "parts");
  // OOM kills: the OOM part's record (victim, how detected), and any kill time it lacks.
  std::vector<double> kill_times;
  for (const auto& k : list(at(parts, "oom"), "kills")) {
    auto t = number(k, "t_s");
    if (!t) continue;
    kill_times.push_back(*t);
    std::string d = "OOM kill";
    if (!text(k, "victim_task").empty())
      d += fmt::format(" of {} (pid {})", text(k, "victim_task"), text(k, "victim_pid"));
    if (!text(k, "workload").empty()) d += ", workload " + text(k, "workload");
    if (auto u = number(k, "usage_bytes")) d += ", usage " + human_bytes(*u);
    if (!text(k, "via").empty()) d += "; seen by " + text(k, "via");
    if (auto l = number(k, "detection_latency_ms"))
      d += fmt::format(", {:.1f} ms after the kernel's", *l);
    ev.push_back({*t, "oom_kill", d});
  }
  for (const auto& t : list(r, "oom_kill_times_s")) {
    auto v = number(t);
    if (!v) continue;
    const bool known = std::any_of(kill_times.begin(), kill_times.end(),
                                   [&](double k) { return std::fabs(k - *v) < 0.005; });
    if (!known) ev.push_back({*v, "oom_kill", "OOM kill"});
  }
  const Json& psi = at(r, "psi_trigger");
  for (const auto& t : list(psi, "events_s"))
    if (auto v = number(t))
      ev.push_back({*v, "psi_trigger", "PSI trigger fired (" + text(psi, "trigger") + ")"});
  for (const auto& f : list(at(parts, "reactions"), "firings")) {
    const std::string name = text(f, "reaction") + " #" + text(f, "n");
    std::string actions;
    for (const auto& a : list(f, "actions")) {
      if (!actions.empty()) actions += "; ";
      actions += text(a, "action");
      if (!text(a, "detail").empty()) actions += ": " + text(a, "detail");
      if (at(a, "ok").is_boolean() && !at(a, "ok").get<bool>()) actions += " (failed)";
    }
    if (auto t = number(f, "detected_us")) {
      std::string d = "reaction " + name + " fired";
      if (auto dd = number(f, "detection_to_done_us"))
        d += fmt::format(", done in {:.1f} ms", *dd / 1000);
      if (f.contains("by_psi_event") && at(f, "by_psi_event").is_boolean() &&
          at(f, "by_psi_event").get<bool>())
        d += " (by a PSI event)";
      if (!actions.empty()) d += ": " + actions;
      ev.push_back({*t / 1e6, "reaction", d});
    }
    if (auto t = number(f, "cleared_us"))
      ev.push_back({*t / 1e6, "reaction_clear", "reaction " + name + " cleared"});
  }
  for (const auto& c : list(at(parts, "oom_proximity"), "level_changes"))
    if (auto t = number(c, "t_s"))
      ev.push_back({*t, "level",
                    fmt::format("{} {} → {}: {}", text(c, "of"), text(c, "from"), text(c, "to"),
                                text(c, "reason"))});
  const Json& floods = at(at(parts, "bursts"), "floods");
  if (floods.is_object())
    for (auto it = floods.begin(); it != floods.end(); ++it) {
      if (!it->is_array()) continue;
      for (const auto& b : *it) {
        auto start = number(b, "started_s");
        if (!start) continue;
        ev.push_back({*start, "burst_start",
                      fmt::format("flood {} burst #{} started", it.key(), text(b, "index"))});
        if (auto d = number(b, "duration_s")) {
          std::string detail = fmt::format("flood {} burst #{} ended", it.key(), text(b, "index"));
          if (!text(b, "ended_by").empty()) detail += " by " + text(b, "ended_by");
          if (auto ops = number(b, "ops")) detail += ", " + human_count(*ops) + " ops";
          if (auto fb = number(b, "barrier_freed_bytes"))
            detail += ", barrier freed " + human_bytes(*fb);
          ev.push_back({*start + *d, "burst_end", detail});
        }
      }
    }
  std::stable_sort(ev.begin(), ev.end(),
                   [](const Event& a, const Event& b) { return a.t_s < b.t_s; });
  return ev;
}

std::string events_legend_html(const std::vector<Event>& events) {
  std::string out;
  for (const auto& k : event_kinds()) {
    const auto n = std::count_if(events.begin(), events.end(),
                                 [&](const Event& e) { return e.kind == k.key; });
    if (n == 0) continue;
    out += fmt::format(
        "<span class=\"evline\" style=\"border-color:{};border-top-style:{}\"></span>{} ({})",
        k.color, std::string(k.dash) == "[]" ? "solid" : "dashed", k.label, n);
  }
  if (out.empty()) return "<p class=\"event-legend\">No events in this campaign.</p>\n";
  return "<p class=\"event-legend\">Events marked on every plot:" + out + "</p>\n";
}

std::string events_table_html(const std::vector<Event>& events) {
  std::string out = "<section id=\"events\">\n<h2>Events</h2>\n";
  if (events.empty())
    return out +
           "<p>None: no OOM kill, PSI trigger, reaction, OOM proximity "
           "level change or flood burst.</p>\n</section>\n";
  out += "<table><tr><th>t</th><th>event</th><th>detail</th></tr>\n";
  for (const auto& e : events) {
    const auto& k = kind_of(e.kind);
    out += fmt::format(
        "<tr class=\"ev-{}\"><td class=\"num\">{:.3f} s</td><td><span class=\"sw\" "
        "style=\"background:{}\"></span>{}</td><td>{}</td></tr>\n",
        k.key, e.t_s, k.color, k.label, esc(e.detail));
  }
  return out + "</table>\n</section>\n";
}

}  // namespace mt::client::html
