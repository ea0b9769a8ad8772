#include "client/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "client/render.h"
#include "common/units.h"
#include "daemon/report_figures.h"

namespace mt::client {
namespace {

using Json = nlohmann::ordered_json;
using Unit = daemon::FigureUnit;
using Column = std::vector<std::optional<double>>;

// ---------------------------------------------------------------------------------------------
// Reading the report: every accessor takes any JSON (a field may be missing or null in older or
// partial reports) and never throws.

const Json& at(const Json& j, const char* key) {
  static const Json none;
  if (!j.is_object()) return none;
  auto it = j.find(key);
  return it == j.end() ? none : *it;
}
const Json& list(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json& v = at(j, key);
  return v.is_array() ? v : empty;
}
std::string text(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}
std::string text(const Json& j, const char* key) {
  return text(at(j, key));
}
std::optional<double> number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}
std::optional<double> number(const Json& j, const char* key) {
  return number(at(j, key));
}

// ---------------------------------------------------------------------------------------------
// HTML and the embedded data.

// Text and attribute values: the XML escapes serve HTML as well (&apos; is HTML5).
std::string esc(std::string_view s) { return xml_escape(s); }

// A JSON string literal (any bytes; invalid UTF-8 replaced).
std::string jstr(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Text that goes inside a <script> or <style> element must not close it.
std::string inert(std::string s, std::string_view closing) {
  for (std::size_t pos = 0; (pos = s.find("</", pos)) != std::string::npos; pos += 2) {
    std::string_view rest(s.c_str() + pos + 2, std::min(closing.size(), s.size() - pos - 2));
    bool same = rest.size() == closing.size();
    for (std::size_t i = 0; same && i < rest.size(); ++i)
      same = std::tolower(static_cast<unsigned char>(rest[i])) == closing[i];
    if (same) s.replace(pos, 2, "<\\/");
  }
  return s;
}

// '<' only appears inside JSON strings, where \u003c means the same.
std::string json_for_script(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

std::string verdict_class(const std::string& verdict) {
  if (verdict == "passed") return "v-passed";
  if (verdict == "failed") return "v-failed";
  if (verdict == "error" || verdict == "aborted" || verdict == "invalid") return "v-error";
  return "v-other";
}

std::string seconds_text(double s) {
  return daemon::figure_text(s, Unit::seconds);
}

// ---------------------------------------------------------------------------------------------
// Series over time, and their compact encoding: a time column in integer milliseconds and the
// values as integers k (value = k * 10^e, with e chosen per series: six significant digits at its
// largest value, four down to a hundredth of that, or exact when the values have few decimals,
// as PSI's two or whole bytes), each list as differences from the previous present element, null
// where a sample lacks the figure; a series in under a third of the samples as the indices it has.

// The samples as columns: core fields ("usage_bytes", "cgroup_psi.some_avg10") and metrics.
struct SampleColumns {
  std::size_t n = 0;
  std::vector<double> t_s;
  std::map<std::string, Column> field;
  std::map<std::string, Column> metric;

  const Column* find_field(const std::string& name) const {
    auto it = field.find(name);
    return it == field.end() ? nullptr : &it->second;
  }
  const Column* find_metric(const std::string& name) const {
    auto it = metric.find(name);
    return it == metric.end() ? nullptr : &it->second;
  }
};

SampleColumns columns_of(const Json& samples) {
  SampleColumns c;
  if (!samples.is_array()) return c;
  c.n = samples.size();
  c.t_s.reserve(c.n);
  auto slot = [&](std::map<std::string, Column>& m, const std::string& name) -> Column& {
    auto it = m.find(name);
    if (it == m.end()) it = m.emplace(name, Column(c.n)).first;
    return it->second;
  };
  for (std::size_t i = 0; i < c.n; ++i) {
    const Json& s = samples[i];
    c.t_s.push_back(number(s, "t_s").value_or(c.t_s.empty() ? 0.0 : c.t_s.back()));
    if (!s.is_object()) continue;
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& key = it.key();
      if (key == "t_s") continue;
      if (key == "metrics" && it->is_object()) {
        for (auto m = it->begin(); m != it->end(); ++m)
          if (m->is_number()) slot(c.metric, m.key())[i] = m->get<double>();
      } else if (it->is_object()) {
        for (auto f = it->begin(); f != it->end(); ++f)
          if (f->is_number()) slot(c.field, key + "." + f.key())[i] = f->get<double>();
      } else if (it->is_number()) {
        slot(c.field, key)[i] = it->get<double>();
      }
    }
  }
  return c;
}

bool has_value(const Column& c) {
  return std::any_of(c.begin(), c.end(), [](const auto& v) { return v.has_value(); });
}
std::size_t present(const Column& c) {
  return static_cast<std::size_t>(
      std::count_if(c.begin(), c.end(), [](const auto& v) { return v.has_value(); }));
}

// The decimal exponent e for a series' values: value = k * 10^e, k an integer.
int exponent_for(const std::vector<double>& values) {
  double top = 0;
  for (double v : values) top = std::max(top, std::fabs(v));
  if (top == 0) return 0;
  const int significant = static_cast<int>(std::floor(std::log10(top))) - 5;
  // Fewer decimals when the values have them exactly (PSI's two, whole counts and bytes).
  for (int e = 0; e >= -6; --e) {
    const double scale = std::pow(10.0, -e);
    const bool exact = std::all_of(values.begin(), values.end(), [&](double v) {
      const double k = v * scale;
      return std::fabs(k - std::round(k)) <= 1e-6 * std::max(1.0, std::fabs(k));
    });
    if (exact) return std::max(significant, e);
  }
  return significant;
}

void append_deltas(std::string& out, const std::vector<long long>& ints) {
  out += '[';
  long long prev = 0;
  for (std::size_t i = 0; i < ints.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ints[i] - prev);
    prev = ints[i];
  }
  out += ']';
}

long long to_ms(double t_s) {
  return std::llround(t_s * 1000.0);
}

struct Series {
  std::string label, help, color;
  std::string source;                          // the sample field or metric it comes from
  std::string tc = "main";                     // the time column the values are on
  Column values;                               // one per time-column entry (when `own` is empty)
  std::vector<std::pair<double, double>> own;  // (t, value) points with their own times
  bool y2 = false;                             // on the right-hand axis
  bool gaps = false;  // a missing value is a gap, not a value the line skips over
  bool points = false;
  bool dash = false;
};

// How the page draws a vertical line for an event.
struct EventKind {
  const char* key;
  const char* label;
  const char* color;
  const char* dash;  // a canvas line-dash list
};
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

struct Event {
  double t_s = 0;
  std::string kind;
  std::string detail;
};

struct Plot {
  std::string id, title, help;
  std::string group = "timeline";  // plots of one group zoom together
  std::string unit, unit2;         // axis units: bytes, bytes/s, us, s, %, 1/s, level, ""
  std::string ylabel, y2label;
  std::vector<Series> series;
  bool main_events = true;  // the campaign's events, else `events`
  std::vector<Event> events;
  std::optional<std::pair<double, double>> range;
  double xmax = 0;  // x from 0 to this (seconds) unless dates
  bool dates = false;
  std::string note_html;  // under the description
  std::string css = "plot";
};

void append_series(std::string& out, const Series& s) {
  out += "{\"label\":" + jstr(s.label) + ",\"color\":" + jstr(s.color);
  if (s.y2) out += ",\"y2\":1";
  if (s.gaps) out += ",\"gaps\":1";
  if (s.points) out += ",\"pts\":1";
  if (s.dash) out += ",\"dash\":1";
  // A series measured now and then (a walk, a probe) shows its points.
  if (s.own.empty() && !s.points && present(s.values) * 3 < s.values.size()) out += ",\"marks\":1";
  std::vector<double> vals;
  if (!s.own.empty()) {
    for (const auto& [t, v] : s.own) vals.push_back(v);
    const int e = exponent_for(vals);
    const double scale = std::pow(10.0, -e);
    std::vector<long long> ts, ks;
    for (const auto& [t, v] : s.own) {
      ts.push_back(to_ms(t));
      ks.push_back(std::llround(v * scale));
    }
    out += fmt::format(",\"e\":{},\"t\":", e);
    append_deltas(out, ts);
    out += ",\"v\":";
    append_deltas(out, ks);
    out += '}';
    return;
  }
  for (const auto& v : s.values)
    if (v) vals.push_back(*v);
  const int e = exponent_for(vals);
  const double scale = std::pow(10.0, -e);
  out += ",\"tc\":" + jstr(s.tc) + fmt::format(",\"e\":{}", e);
  const std::size_t n = s.values.size();
  if (present(s.values) * 3 < n) {  // sparse: the indices that have a value
    std::vector<long long> idx, ks;
    for (std::size_t i = 0; i < n; ++i)
      if (s.values[i]) {
        idx.push_back(static_cast<long long>(i));
        ks.push_back(std::llround(*s.values[i] * scale));
      }
    out += ",\"i\":";
    append_deltas(out, idx);
    out += ",\"v\":";
    append_deltas(out, ks);
  } else {
    out += ",\"v\":[";
    long long prev = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += ',';
      if (!s.values[i]) {
        out += "null";
        continue;
      }
      const long long k = std::llround(*s.values[i] * scale);
      out += std::to_string(k - prev);
      prev = k;
    }
    out += ']';
  }
  out += '}';
}

void append_events(std::string& out, const std::vector<Event>& events) {
  out += '[';
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += fmt::format("[{:.3f},{}]", events[i].t_s, jstr(events[i].kind));
  }
  out += ']';
}

// The page's data: time columns, plots, events (for the lines; the table is HTML).
std::string page_data(const std::map<std::string, std::vector<double>>& times,
                      const std::vector<Plot>& plots, const std::vector<Event>& events,
                      bool times_are_ms) {
  std::string out = "{\"times\":{";
  bool first = true;
  for (const auto& [name, t] : times) {
    if (!first) out += ',';
    first = false;
    std::vector<long long> ms;
    ms.reserve(t.size());
    for (double x : t) ms.push_back(times_are_ms ? std::llround(x) : to_ms(x));
    out += jstr(name) + ':';
    append_deltas(out, ms);
  }
  out += "},\"kinds\":{";
  for (std::size_t i = 0; i < event_kinds().size(); ++i) {
    const auto& k = event_kinds()[i];
    out += fmt::format("{}{}:{{\"label\":{},\"color\":{},\"dash\":{}}}", i ? "," : "", jstr(k.key),
                       jstr(k.label), jstr(k.color), k.dash);
  }
  out += "},\"events\":";
  append_events(out, events);
  out += ",\"plots\":[";
  for (std::size_t p = 0; p < plots.size(); ++p) {
    const Plot& pl = plots[p];
    if (p) out += ',';
    out += "{\"id\":" + jstr(pl.id) + ",\"group\":" + jstr(pl.group) + ",\"units\":[" +
           jstr(pl.unit) + ',' + jstr(pl.unit2) + "],\"ylabel\":" + jstr(pl.ylabel) +
           ",\"y2label\":" + jstr(pl.y2label);
    if (pl.dates)
      out += ",\"x\":\"date\"";
    else
      out += fmt::format(",\"xmax\":{}", to_ms(pl.xmax));
    if (pl.range) out += fmt::format(",\"range\":[{:g},{:g}]", pl.range->first, pl.range->second);
    out += ",\"events\":";
    if (pl.main_events)
      out += "\"main\"";
    else
      append_events(out, pl.events);
    out += ",\"series\":[";
    for (std::size_t s = 0; s < pl.series.size(); ++s) {
      if (s) out += ',';
      append_series(out, pl.series[s]);
    }
    out += "]}";
  }
  out += "]}";
  return json_for_script(out);
}

// dygraphs needs distinct labels, none of them its x label ("time").
void distinct_labels(std::vector<Series>& series) {
  std::set<std::string> seen = {"time"};
  for (auto& s : series) {
    std::string label = s.label.empty() ? "series" : s.label;
    for (int n = 2; seen.count(label); ++n) label = fmt::format("{} ({})", s.label, n);
    seen.insert(label);
    s.label = std::move(label);
  }
}

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79"};
std::string palette(std::size_t i) {
  return kPalette[i % std::size(kPalette)];
}

// A plot's block: title, what its series are, the graph and its legend.
std::string plot_html(Plot& p) {
  distinct_labels(p.series);
  std::string help_line, tooltip;
  for (const auto& s : p.series) {
    if (s.help.empty()) continue;
    const bool named = !s.source.empty() && s.source != s.label;
    help_line += fmt::format("<span class=\"sw\" style=\"background:{}\"></span><b>{}</b>{}: {}. ",
                             s.color, esc(s.label),
                             named ? " (<code>" + esc(s.source) + "</code>)" : "", esc(s.help));
    tooltip += s.label + (named ? " (" + s.source + ")" : "") + ": " + s.help + "\n";
  }
  if (!p.help.empty()) tooltip = p.help + "\n" + tooltip;
  while (!tooltip.empty() && tooltip.back() == '\n') tooltip.pop_back();
  return fmt::format(
      "<div class=\"plot-block\" id=\"b-{0}\"><h3>{1}</h3>{2}<p class=\"help\">{3}</p>{4}"
      "<div class=\"{5}\" id=\"{0}\" title=\"{6}\"></div><div class=\"legend\" id=\"{0}-legend\">"
      "</div></div>\n",
      p.id, esc(p.title), p.help.empty() ? "" : "<p class=\"help\">" + esc(p.help) + "</p>",
      help_line, p.note_html, p.css, esc(tooltip));
}

// ---------------------------------------------------------------------------------------------
// The page's frame: styles, the libraries, the error counter before anything else, and the
// script that draws the plots and reports on <body>.

constexpr const char* kPageCss = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; margin: 4px 0; } h1 .id { font-size: 14px; color: #666; font-weight: normal; }
h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 14px 0 2px; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-size: 16px; padding: 6px 10px; border-radius: 4px; }
.v-passed { color: #0a5d1a; background: #e3f6e5; } .v-failed { color: #9b1111; background: #fde7e7; }
.v-error { color: #7a4a00; background: #fff1d6; } .v-other { color: #444; background: #eee; }
tr.pass td { background: #eef9ef; } tr.fail td { background: #fdeeee; }
.help { color: #555; font-size: 12px; margin: 2px 0; } .help code { font-size: 11px; }
.sw { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 6px; border-radius: 2px; }
.evline { display: inline-block; width: 18px; height: 0; border-top: 2px solid; margin: 0 4px 3px 10px; }
.plot { width: 100%; height: 260px; } .plot-small { width: 100%; height: 200px; }
.legend { font-size: 12px; min-height: 18px; }
.not-measured { color: #7a4a00; }
.variants-grid { display: grid; gap: 14px; }
.variant { border: 1px solid #ddd; border-radius: 4px; padding: 6px 10px; min-width: 0; }
.missing { color: #9b1111; }
.scroll { overflow-x: auto; } .variants-table td, .variants-table th { font-size: 12px; }
ul.runs { padding-left: 18px; font-size: 12px; }
.desc { color: #333; margin: 2px 0; } .meta { color: #666; font-size: 12px; margin: 2px 0; }
)CSS";

// Runs first: counts every error and unhandled rejection into <body> (kept until <body> exists).
constexpr const char* kErrorScript = R"JS(
window.MT_T0 = performance.now();
window.MT_ERR = { n: 0, first: "" };
window.mtErr = function (msg) {
  MT_ERR.n++;
  if (!MT_ERR.first) MT_ERR.first = String(msg || "error");
  if (document.body) {
    document.body.setAttribute("data-errors", String(MT_ERR.n));
    document.body.setAttribute("data-error-text", MT_ERR.first);
  }
};
window.addEventListener("error", function (e) {
  mtErr(e.message || (e.error && e.error.message) || "error");
});
window.addEventListener("unhandledrejection", function (e) {
  var r = e.reason;
  mtErr("unhandled rejection: " + (r && r.message ? r.message : String(r)));
});
)JS";

constexpr const char* kPageScript = R"JS(
(function () {
  "use strict";
  var body = document.body;
  var clock = { start: performance.now(), parse: 0, rows: 0, draw: 0, check: 0 };
  var D = JSON.parse(document.getElementById("mt-data").textContent);
  clock.parse = performance.now() - clock.start;
  var KINDS = D.kinds || {};

  // Integers as differences (nulls kept) back to values: value = k * 10^e.
  function undelta(a, e) {
    var out = new Array(a.length), acc = 0;
    var mul = e >= 0 ? Math.pow(10, e) : 0, div = e < 0 ? Math.pow(10, -e) : 0;
    for (var i = 0; i < a.length; i++) {
      var d = a[i];
      if (d === null) { out[i] = null; continue; }
      acc += d;
      out[i] = div ? acc / div : acc * mul;
    }
    return out;
  }
  var TIMES = {};
  Object.keys(D.times).forEach(function (k) { TIMES[k] = undelta(D.times[k], 0); });

  // A series' points at full resolution: times (ms) and values, NaN where a series whose
  // absence means "none now" (s.gaps) breaks off, so that the line shows the gap.
  function points(s) {
    var v = undelta(s.v, s.e || 0), tt = [], vv = [];
    if (s.t) return { t: undelta(s.t, 0), v: v };
    var tc = TIMES[s.tc] || [], j, i;
    if (s.i) {
      var idx = undelta(s.i, 0);
      for (j = 0; j < idx.length; j++) {
        if (s.gaps && j && idx[j] > idx[j - 1] + 1 && idx[j - 1] + 1 < tc.length) {
          tt.push(tc[idx[j - 1] + 1]);
          vv.push(NaN);
        }
        tt.push(tc[idx[j]]);
        vv.push(v[j]);
      }
      return { t: tt, v: vv };
    }
    for (i = 0; i < v.length; i++) {
      if (v[i] !== null) { tt.push(tc[i]); vv.push(v[i]); }
      else if (s.gaps && i && v[i - 1] !== null) { tt.push(tc[i]); vv.push(NaN); }
    }
    return { t: tt, v: vv };
  }

  function lowerBound(t, x) {
    var a = 0, b = t.length;
    while (a < b) { var m = (a + b) >> 1; if (t[m] < x) a = m + 1; else b = m; }
    return a;
  }

  // The points of (t, v) worth drawing between lo and hi at nb pixel columns: in each column
  // the first, lowest, highest and last (the line looks the same), every gap, and one point on
  // either side so that the line runs to the edges. Indices into `out`.
  function pick(t, v, lo, hi, nb, out) {
    var i0 = Math.max(0, lowerBound(t, lo) - 1), i1 = Math.min(t.length, lowerBound(t, hi) + 1), i;
    if (i1 - i0 <= 4 * nb) { for (i = i0; i < i1; i++) out.push(i); return; }
    var w = (hi - lo) / nb, b = null, first = 0, last = 0, mn = -1, mx = -1;
    function flush() {
      if (b === null) return;
      out.push(first);
      if (mn >= 0 && mn !== first) out.push(mn);
      if (mx >= 0 && mx !== first && mx !== mn) out.push(mx);
      if (last !== first && last !== mn && last !== mx) out.push(last);
    }
    for (i = i0; i < i1; i++) {
      var c = Math.floor((t[i] - lo) / w), y = v[i];
      if (c !== b) { flush(); b = c; first = last = i; mn = mx = -1; }
      last = i;
      if (y !== y) { out.push(i); continue; }  // a gap: always
      if (mn < 0 || y < v[mn]) mn = i;
      if (mx < 0 || y > v[mx]) mx = i;
    }
    flush();
  }

  // A plot's series at full resolution, and the span they cover (ms).
  function prepare(p) {
    var ser = p.series.map(points), lo = Infinity, hi = -Infinity;
    ser.forEach(function (q) {
      if (!q.t.length) return;
      lo = Math.min(lo, q.t[0]);
      hi = Math.max(hi, q.t[q.t.length - 1]);
    });
    if (p.x !== "date") { lo = 0; hi = Math.max(hi, p.xmax); }  // the campaign's whole time
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    return { p: p, ser: ser, lo: lo, hi: hi, have: null, g: null, pending: 0 };
  }
  function toMs(e, x) { return e.p.x === "date" ? +x : x * 1000; }
  function fromMs(e, t) { return e.p.x === "date" ? t : t / 1000; }

  // dygraphs' rows for [lo, hi] (ms) at px columns, and as much again on either side (for a
  // pan): [x, y1, y2, ...] at every time a series has a point there, null for the others.
  // Rows at both ends of the plot's span keep its extent (what a double-click zooms out to).
  function view(e, lo, hi, px) {
    var span = Math.max(hi - lo, 1e-6), a = Math.max(e.lo, lo - span), b = Math.min(e.hi, hi + span);
    var nb = Math.max(1, Math.round(px * (b - a) / span)), n = e.ser.length, byT = new Map();
    function row(t) {
      var r = byT.get(t);
      if (r === undefined) {
        r = new Array(n + 1).fill(null);
        r[0] = t;
        byT.set(t, r);
      }
      return r;
    }
    e.ser.forEach(function (q, k) {
      var idx = [];
      pick(q.t, q.v, a, b, nb, idx);
      for (var j = 0; j < idx.length; j++) row(q.t[idx[j]])[k + 1] = q.v[idx[j]];
    });
    row(e.lo);
    row(e.hi);
    var out = Array.from(byT.values());
    out.sort(function (x, y) { return x[0] - y[0]; });
    for (var i = 0; i < out.length; i++) out[i][0] = e.p.x === "date" ? new Date(out[i][0]) : out[i][0] / 1000;
    e.have = [a, b];
    return out;
  }
  function columns(e) { return Math.max(100, (e.g ? e.g.getArea().w : e.div.clientWidth) || 800); }
  function bytes(v) {
    var a = Math.abs(v), u = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"], i = 0;
    while (a >= 1024 && i < u.length - 1) { a /= 1024; i++; }
    return (v < 0 ? "-" : "") + (i ? a.toFixed(1) + u[i] : a.toFixed(0) + "B");
  }
  function count(v) {
    var a = Math.abs(v), u = ["", "k", "M", "G", "T"], i = 0;
    while (a >= 1000 && i < u.length - 1) { a /= 1000; i++; }
    var s = i ? a.toFixed(1) + u[i] : String(Math.round(a * 1000) / 1000);
    return (v < 0 ? "-" : "") + s;
  }
  var FMT = {
    "bytes": bytes,
    "bytes/s": function (v) { return bytes(v) + "/s"; },
    "us": function (v) { return Math.abs(v) >= 1000 ? (v / 1000).toFixed(1) + "ms" : v.toFixed(0) + "us"; },
    "s": function (v) { return v.toFixed(1) + "s"; },
    "%": function (v) { return v.toFixed(1) + "%"; },
    "1/s": function (v) { return count(v) + "/s"; },
    "level": function (v) { return String(Math.round(v * 100) / 100); },
    "": count
  };
  function fmt(unit) { var f = FMT[unit] || FMT[""]; return function (v) { return f(v); }; }

  // The events as vertical lines on a canvas of ours under dygraphs' own (so that those hold
  // only the plot itself), redrawn after every draw (zoom, pan).
  function drawEvents(g, evs) {
    if (!evs.length) return;
    var gd = g.graphDiv, c = gd.querySelector("canvas.mt-ev");
    if (!c) {
      c = document.createElement("canvas");
      c.className = "mt-ev";
      gd.insertBefore(c, gd.firstChild);
    }
    var w = gd.offsetWidth, h = gd.offsetHeight;
    c.width = w; c.height = h;
    c.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;width:" + w + "px;height:" + h + "px";
    var ctx = c.getContext("2d"), a = g.getArea(), r = g.xAxisRange(), byKind = {};
    evs.forEach(function (e) {
      if (e[0] >= r[0] && e[0] <= r[1]) (byKind[e[1]] = byKind[e[1]] || []).push(e[0]);
    });
    Object.keys(byKind).forEach(function (k) {
      var kd = KINDS[k] || { color: "#888", dash: [] };
      ctx.strokeStyle = kd.color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(kd.dash || []);
      ctx.beginPath();
      byKind[k].forEach(function (t) {
        var x = Math.round(g.toDomXCoord(t)) + 0.5;
        ctx.moveTo(x, a.y);
        ctx.lineTo(x, a.y + a.h);
      });
      ctx.stroke();
    });
  }

  // Whether dygraphs' canvases hold coloured pixels (the series; grid and axes are grey).
  function drawn(g) {
    var cs = g.graphDiv.querySelectorAll("canvas");
    for (var i = 0; i < cs.length; i++) {
      var c = cs[i];
      if (c.className === "mt-ev" || !c.width || !c.height) continue;
      var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (var j = 0; j < d.length; j += 4) {
        if (d[j + 3] < 128) continue;
        var hi = Math.max(d[j], d[j + 1], d[j + 2]), lo = Math.min(d[j], d[j + 1], d[j + 2]);
        if (hi - lo > 40) return true;
      }
    }
    return false;
  }

  var groups = {}, expected = 0, ok = 0;

  // A zoom (or a double-click out of one) redraws every plot of the group at the new range with
  // the points that range needs.
  function zoomed(group) {
    return function (lo, hi) {
      (groups[group] || []).forEach(function (e) {
        var a = toMs(e, lo), b = toMs(e, hi), full = a <= e.lo && b >= e.hi;
        e.g.updateOptions({
          file: view(e, full ? e.lo : a, full ? e.hi : b, columns(e)),
          dateWindow: full ? null : [fromMs(e, a), fromMs(e, b)]
        });
      });
    };
  }
  // After a pan past the points at hand, fetch those of the new range.
  function panned(e) {
    if (!e.g || !e.have || e.pending) return;
    var r = e.g.xAxisRange(), a = toMs(e, r[0]), b = toMs(e, r[1]);
    if ((a < e.have[0] && e.have[0] > e.lo) || (b > e.have[1] && e.have[1] < e.hi)) {
      e.pending = setTimeout(function () {
        e.pending = 0;
        var q = e.g.xAxisRange();
        e.g.updateOptions({ file: view(e, toMs(e, q[0]), toMs(e, q[1]), columns(e)) });
      }, 150);
    }
  }

  D.plots.forEach(function (p) {
    expected++;
    try {
      var div = document.getElementById(p.id);
      if (!div) throw new Error("no element for plot " + p.id);
      var evs = p.events === "main" ? D.events : (p.events || []);
      var series = {};
      p.series.forEach(function (s) {
        var o = {};
        if (s.y2) o.axis = "y2";
        if (s.pts) { o.drawPoints = true; o.strokeWidth = 0; o.pointSize = 3; }
        if (s.dash) o.strokePattern = [6, 3];
        if (s.marks || p.x === "date") { o.drawPoints = true; o.pointSize = p.x === "date" ? 3 : 2; }
        series[s.label] = o;
      });
      var f1 = fmt(p.units[0]), f2 = fmt(p.units[1]);
      var t0 = performance.now(), e = prepare(p);
      e.div = div;
      var data = view(e, e.lo, e.hi, columns(e)), t1 = performance.now();
      var opts = {
        labels: ["time"].concat(p.series.map(function (s) { return s.label; })),
        colors: p.series.map(function (s) { return s.color; }),
        series: series,
        connectSeparatedPoints: true,  // a gap is a NaN (see points())
        strokeWidth: 1.5,
        legend: "always",
        labelsDiv: document.getElementById(p.id + "-legend"),
        labelsSeparateLines: false,
        ylabel: p.ylabel || "",
        y2label: p.y2label || "",
        xlabel: p.x === "date" ? "" : "seconds since start",
        includeZero: true,
        animatedZooms: false,
        axes: {
          y: { valueFormatter: f1, axisLabelFormatter: f1, axisLabelWidth: 72,
               labelsKMG2: /^bytes/.test(p.units[0]) },
          y2: { valueFormatter: f2, axisLabelFormatter: f2, axisLabelWidth: 72,
                labelsKMG2: /^bytes/.test(p.units[1]) }
        },
        drawCallback: function (g) { drawEvents(g, evs); panned(e); },
        zoomCallback: zoomed(p.group)
      };
      if (p.x !== "date") opts.axes.x = { valueFormatter: function (v) { return v.toFixed(1) + " s"; } };
      if (p.range) opts.valueRange = p.range;
      if (div.className === "plot-small") opts.axisLabelFontSize = 11;
      e.g = new Dygraph(div, data, opts);
      var t2 = performance.now();
      (groups[p.group] = groups[p.group] || []).push(e);
      if (drawn(e.g)) ok++;
      clock.rows += t1 - t0;
      clock.draw += t2 - t1;
      clock.check += performance.now() - t2;
    } catch (err) {
      mtErr(err && err.message ? err.message : String(err));
    }
  });
  window.mtPlots = groups;  // for a look from the console: the plots by group
  body.setAttribute("data-plots-expected", String(expected));
  body.setAttribute("data-plots-drawn", String(ok));
  body.setAttribute("data-errors", String(MT_ERR.n));
  body.setAttribute("data-error-text", MT_ERR.first);
  body.setAttribute("data-draw-ms", String(Math.round(performance.now() - MT_T0)));
  body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  body.setAttribute("data-timing", ["parse", "rows", "draw", "check"].map(function (k) {
    return k + "=" + Math.round(clock[k]);
  }).join(" "));
})();
)JS";

std::string page(const std::string& title, const std::string& content, const std::string& data,
                 const HtmlAssets& assets) {
  std::string out;
  out.reserve(content.size() + data.size() + assets.dygraphs_js.size() + 16384);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + esc(title) + "</title>\n";
  out += "<script>" + std::string(kErrorScript) + "</script>\n";
  out += "<style>\n" + inert(assets.dygraphs_css, "style") + "\n</style>\n";
  out += "<style>" + std::string(kPageCss) + "</style>\n";
  out += "<script>\n" + inert(assets.dygraphs_js, "script") + "\n</script>\n";
  out +=
      "</head>\n<body data-plots-expected=\"0\" data-plots-drawn=\"0\" data-errors=\"0\" "
      "data-error-text=\"\">\n";
  out += content;
  out += "<script type=\"application/json\" id=\"mt-data\">" + data + "</script>\n";
  out += "<script>" + std::string(kPageScript) + "</script>\n";
  out += "</body>\n</html>\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// The campaign page's sections.

std::string header_html(const Json& r) {
  std::string out = "<header id=\"title\">\n";
  out += fmt::format("<h1>{} <span class=\"id\">{}</span></h1>\n", esc(text(r, "campaign")),
                     esc(text(r, "id")));
  if (!text(r, "description").empty())
    out += "<p class=\"desc\">" + esc(text(r, "description")) + "</p>\n";
  std::string meta = "started " + text(r, "started_at");
  if (auto d = number(r, "duration_actual_s")) meta += ", ran " + seconds_text(*d);
  if (auto d = number(r, "duration_planned_s")) meta += " of " + seconds_text(*d) + " planned";
  if (!text(r, "file").empty()) meta += "; campaign file " + text(r, "file");
  out += "<p class=\"meta\">" + esc(meta) + "</p>\n";
  const std::string verdict = text(r, "verdict");
  out += fmt::format("<p id=\"verdict\" class=\"verdict {}\"><b>{}</b>: {}</p>\n</header>\n",
                     verdict_class(verdict), esc(verdict.empty() ? "no verdict" : verdict),
                     esc(text(r, "reason")));
  return out;
}

// The detail says the value and the limit in their units ("worst 18.8Mi <= limit 128.0Mi"); the
// raw numbers beside it would only repeat it less readably.
std::string criteria_html(const Json& r) {
  std::string out = "<section id=\"criteria\">\n<h2>Criteria</h2>\n";
  const Json& criteria = list(r, "criteria");
  if (criteria.empty()) return out + "<p>No criteria set.</p>\n</section>\n";
  out += "<table><tr><th>criterion</th><th>result</th><th>detail</th></tr>\n";
  for (const auto& c : criteria) {
    const bool pass = at(c, "pass").is_boolean() && at(c, "pass").get<bool>();
    out += fmt::format("<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       pass ? "pass" : "fail", esc(text(c, "name")), pass ? "pass" : "fail",
                       esc(text(c, "detail")));
  }
  return out + "</table>\n</section>\n";
}

std::string row2(const std::string& k, const std::string& v) {
  return "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
}

std::string host_html(const Json& r, bool sampled) {
  const Json& host = at(r, "host");
  const Json& mem = at(r, "memory");
  std::string out = "<section id=\"host\">\n<h2>Host and limits</h2>\n<table>\n";
  out += row2("kernel", text(host, "kernel_release"));
  out += row2("cgroup mode", text(host, "cgroup_mode"));
  out += row2("memory controller", text(host, "memory_controller"));
  out += row2("CPUs", text(host, "cpus"));
  if (auto m = number(host, "memory_total_bytes")) out += row2("memory", human_bytes(*m));
  if (!text(at(r, "cgroup"), "path").empty())
    out += row2("campaign cgroup", text(at(r, "cgroup"), "path"));
  if (auto l = number(mem, "limit_bytes")) out += row2("memory limit", human_bytes(*l));
  if (sampled) {  // a campaign with variants has its runs' figures, not its own
    if (auto p = number(mem, "peak_bytes")) out += row2("peak usage", human_bytes(*p));
    if (auto h = number(mem, "min_headroom_bytes")) out += row2("least headroom", human_bytes(*h));
    if (auto k = number(mem, "max_kernel_bytes"))
      out += row2("most kernel memory", human_bytes(*k));
    if (auto f = number(mem, "failcnt"))
      out += row2("limit hits (failcnt)", fmt::format("{:g}", *f));
  }
  out += "</table>\n<h3>Kernel knobs</h3>\n";
  const Json& kernel = at(at(r, "parts"), "kernel");
  const Json& knobs = at(kernel, "knobs");
  if (!knobs.is_object() || knobs.empty()) {
    out += "<p>None set: the kernel's own settings.</p>\n";
  } else {
    out += "<table><tr><th>knob</th><th>before</th><th>asked</th><th>in force</th></tr>\n";
    for (auto it = knobs.begin(); it != knobs.end(); ++it) {
      if (it->is_object())
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(it.key()),
                           esc(text(*it, "before")), esc(text(*it, "asked")),
                           esc(text(*it, "in_force")));
      else
        out += fmt::format("<tr><td>{}</td><td></td><td></td><td>{}</td></tr>\n", esc(it.key()),
                           esc(text(*it)));
    }
    out += "</table>\n";
  }
  if (kernel.is_object()) {
    std::string restored = at(kernel, "restored").is_boolean()
                               ? (at(kernel, "restored").get<bool>() ? "yes" : "NO")
                               : "";
    if (!restored.empty()) out += "<p>Put back after the campaign: " + restored + "</p>\n";
    if (!text(kernel, "error").empty())
      out += "<p class=\"missing\">Knob error: " + esc(text(kernel, "error")) + "</p>\n";
  }
  return out + "</section>\n";
}

std::string workloads_html(const Json& r) {
  std::string out = "<section id=\"workloads\">\n<h2>Workloads</h2>\n";
  const Json& ws = list(r, "workloads");
  if (ws.empty()) return out + "<p>No workloads of its own.</p>\n</section>\n";
  out +=
      "<table><tr><th>name</th><th>type</th><th>kind</th><th>threads</th><th>ops</th>"
      "<th>ops/s</th><th>errors</th><th>state</th><th>exit status</th></tr>\n";
  for (const auto& w : ws) {
    const std::string state = text(w, "state");
    const bool bad = state == "failed" || state == "killed";
    out += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
        bad ? " class=\"fail\"" : "", esc(text(w, "name")), esc(text(w, "type")),
        esc(text(w, "kind")), esc(text(w, "threads")),
        number(w, "ops") ? esc(human_count(*number(w, "ops"))) : "",
        number(w, "ops_per_s") ? esc(daemon::figure_text(*number(w, "ops_per_s"), Unit::ops_per_s))
                               : "",
        esc(text(w, "errors")), esc(state), esc(text(w, "exit_status")));
  }
  return out + "</table>\n</section>\n";
}

// Every time-stamped event of a campaign, in time order.
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

// The campaign's plots over time, and the names of those it could not draw.
struct Timeline {
  std::vector<Plot> plots;
  std::vector<std::string> missing;        // plot titles without data
  std::vector<std::string> never_sampled;  // declared metrics no sample carries
};

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
    Plot p;
    p.title = "Memory";
    p.unit = "bytes";
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
    Plot p;
    p.title = "Memory pressure (PSI avg10)";
    p.unit = "%";
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
    Plot p;
    p.title = "Flood ops/s per workload";
    p.unit = "1/s";
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
    Plot p;
    p.title = "Freed through RCU";
    p.unit = "bytes/s";
    p.unit2 = "1/s";
    p.y2label = "objects/s";
    p.series = {
        metric("rcu.freed_bytes_per_s", "freed bytes/s", "bytes RCU freed per second"),
        metric("rcu.freed_objects_per_s", "freed objects/s", "objects RCU freed per second")};
    p.series[1].y2 = true;
    p.series[1].dash = true;
    add(std::move(p));
  }
  {  // e. waiting in RCU
    Plot p;
    p.title = "Memory waiting in RCU";
    p.unit = "bytes";
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
    Plot p;
    p.title = "Grace-period latency";
    p.unit = "us";
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
    Plot p;
    p.title = "OOM proximity";
    p.unit = "level";
    p.unit2 = "s";
    p.ylabel = "level, score";
    p.y2label = "time to OOM";
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
      Plot p;
      p.title = "More figures: " + unit_title(unit) + (g ? fmt::format(" ({})", g + 1) : "");
      p.unit = axis_unit(unit);
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

// ---------------------------------------------------------------------------------------------
// Variants.

struct VariantFigure {
  const char* key;
  const char* title;
};
constexpr VariantFigure kVariantTitles[] = {
    {"oom_kills", "OOM kills"},
    {"min_headroom_bytes", "min headroom"},
    {"psi_some_max", "PSI some max"},
    {"psi_full_max", "PSI full max"},
    {"rcu_freed_p50", "RCU freed p50"},
    {"rcu_freed_max", "RCU freed max"},
    {"rcu_freed_bytes_per_s", "RCU freed bytes/s"},
    {"rcu_waiting_p50", "waiting in RCU p50"},
    {"rcu_waiting_max", "waiting in RCU max"},
    {"gp_p50_us", "GP p50"},
    {"gp_p99_us", "GP p99"},
    {"reactions_fired", "reactions fired"},
    {"flood_ops_per_s", "flood ops/s"},
    {"backlog_p50_bytes", "backlog p50"},
    {"lowest_oom_eta_s", "lowest time to OOM"},
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Unit unit_of_figure(const std::string& key) {
  if (key.find("psi") != std::string::npos) return Unit::percent;
  if (key.find("freed") != std::string::npos || ends_with(key, "bytes_per_s"))
    return Unit::bytes_per_s;
  if (key.find("bytes") != std::string::npos || key.find("headroom") != std::string::npos ||
      key.find("waiting") != std::string::npos || key.find("backlog") != std::string::npos)
    return Unit::bytes;
  if (ends_with(key, "_us")) return Unit::us;
  if (key.find("ops_per_s") != std::string::npos) return Unit::ops_per_s;
  if (ends_with(key, "_s")) return Unit::seconds;
  return Unit::count;
}
std::string axis_unit_of(Unit u) {
  switch (u) {
    case Unit::bytes:
      return "bytes";
    case Unit::bytes_per_s:
      return "bytes/s";
    case Unit::percent:
      return "%";
    case Unit::us:
      return "us";
    case Unit::seconds:
      return "s";
    case Unit::ops_per_s:
      return "1/s";
    case Unit::count:
      return "";
  }
  return "";
}

std::string figure_title(const std::string& key) {
  for (const auto& f : kVariantTitles)
    if (key == f.key) return f.title;
  std::string t = key;
  std::replace(t.begin(), t.end(), '_', ' ');
  return t;
}

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

struct VariantsPage {
  std::string html;
  std::vector<Plot> plots;
  std::map<std::string, std::vector<double>> times;
};

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

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<HtmlAssets> load_html_assets() {
  const char* env = std::getenv("MEMTORTURE_DYGRAPHS_DIR");
  const std::string dir = env && *env ? env : "/usr/share/javascript/dygraphs";
  HtmlAssets a;
  for (auto [file, dest] : {std::pair{"dygraph.min.js", &a.dygraphs_js},
                            std::pair{"dygraph.min.css", &a.dygraphs_css}}) {
    const std::string path = dir + "/" + file;
    auto text = read_file(path);
    if (!text.ok())
      return make_error(fmt::format(
          "cannot read {}: the HTML report inlines dygraphs, which comes with the Debian package "
          "libjs-dygraphs (apt-get install libjs-dygraphs){}",
          path, env && *env ? " or set MEMTORTURE_DYGRAPHS_DIR to a folder that has it" : ""));
    *dest = std::move(*text);
  }
  return a;
}

std::string render_report_html(const nlohmann::ordered_json& report,
                               const std::map<std::string, nlohmann::ordered_json>& runs,
                               const HtmlAssets& assets) {
  const Json& r = report;
  const SampleColumns cols = columns_of(at(r, "samples"));
  const std::vector<Event> events = events_of(r);
  const Json& variants = at(at(r, "parts"), "variants");

  std::string content =
      header_html(r) + criteria_html(r) + host_html(r, cols.n > 0) + workloads_html(r);
  std::vector<Plot> plots;
  std::map<std::string, std::vector<double>> times;
  content += "<section id=\"plots\">\n<h2>Over time</h2>\n";
  if (cols.n == 0) {
    content += variants.is_object()
                   ? "<p>No samples of its own: a campaign with variants; its runs are below.</p>\n"
                   : "<p class=\"not-measured\">No samples in this report.</p>\n";
  } else {
    Timeline tl = timeline_of(r, cols, events);
    times["main"] = cols.t_s;
    if (!tl.missing.empty()) {
      std::string names;
      for (const auto& m : tl.missing) names += (names.empty() ? "" : ", ") + m;
      content += "<p class=\"not-measured\" id=\"not-measured\">Not measured in this campaign: " +
                 esc(names) + ".</p>\n";
    }
    if (!tl.never_sampled.empty()) {
      std::string names;
      for (const auto& m : tl.never_sampled) names += (names.empty() ? "" : ", ") + m;
      content += "<p class=\"help\" id=\"never-sampled\">Declared but in no sample: " + esc(names) +
                 ".</p>\n";
    }
    content += events_legend_html(events);
    for (auto& p : tl.plots) content += plot_html(p);
    plots = std::move(tl.plots);
  }
  content += "</section>\n";
  content += events_table_html(events);
  if (variants.is_object()) {
    VariantsPage vp = variants_of(variants, runs);
    content += vp.html;
    for (auto& p : vp.plots) plots.push_back(std::move(p));
    for (auto& [k, t] : vp.times) times[k] = std::move(t);
  }
  const std::string title = text(r, "campaign") + " " + text(r, "id") + ": " + text(r, "verdict");
  return page(title, content, page_data(times, plots, events, false), assets);
}

std::string render_index_html(const std::string& title, const std::vector<IndexRow>& rows,
                              const std::vector<HistoryNight>& history, const HtmlAssets& assets) {
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
  return page(title, content, page_data(times, plots, {}, true), assets);
}

}  // namespace mt::client
