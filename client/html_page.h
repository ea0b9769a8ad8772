// Inside the HTML report (client/html_report.h is the API): what the page builders share, each
// part in the file named beside it.
//
//   html_page.cc      reading the report's JSON, escaping, the plot blocks, the page itself
//                     (its styles and scripts from client/html/, inlined with dygraphs)
//   html_series.cc    the samples as columns; the page's data in its compact encoding
//   html_events.cc    the kinds of event and a campaign's events: the lines on the plots, the table
//   html_timeline.cc  a campaign's plots over time
//   html_variants.cc  a campaign's variants: the comparison table, the runs side by side
//   html_figures.cc   the run figures' titles and units (variants table, the index's history)
//   html_report.cc    the campaign page (header, criteria, host, workloads) and the assets
//   html_index.cc     a suite's index page
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/html_report.h"
#include "daemon/report_figures.h"

namespace mt::client::html {

using Json = nlohmann::ordered_json;
using Unit = daemon::FigureUnit;
using Column = std::vector<std::optional<double>>;

// ---------------------------------------------------------------------------------------------
// Reading the report (html_page.cc): every accessor takes any JSON (a field may be missing or
// null in older or partial reports) and never throws.

const Json& at(const Json& j, const char* key);
const Json& list(const Json& j, const char* key);
std::string text(const Json& v);
std::string text(const Json& j, const char* key);
std::optional<double> number(const Json& v);
std::optional<double> number(const Json& j, const char* key);

// ---------------------------------------------------------------------------------------------
// HTML and the embedded data (html_page.cc).

// Text and attribute values: the XML escapes serve HTML as well (&apos; is HTML5).
std::string esc(std::string_view s);
// A JSON string literal (any bytes; invalid UTF-8 replaced).
std::string jstr(std::string_view s);
// Text that goes inside a <script> or <style> element must not close it.
std::string inert(std::string s, std::string_view closing);
// '<' only appears inside JSON strings, where \u003c means the same.
std::string json_for_script(const std::string& json);

std::string verdict_class(const std::string& verdict);  // v-passed, v-failed, v-error, v-other
std::string seconds_text(double s);

// ---------------------------------------------------------------------------------------------
// The samples as columns (html_series.cc): core fields ("usage_bytes",
// "cgroup_psi.some_avg10") and metrics.

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
SampleColumns columns_of(const Json& samples);
bool has_value(const Column& c);

// ---------------------------------------------------------------------------------------------
// What a page draws: series on plots, with events as vertical lines.

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

// How the page draws a vertical line for an event (html_events.cc).
struct EventKind {
  const char* key;
  const char* label;
  const char* color;
  const char* dash;  // a canvas line-dash list
};
const std::vector<EventKind>& event_kinds();
const EventKind& kind_of(const std::string& key);  // the first kind for an unknown key

struct Event {
  double t_s = 0;
  std::string kind;
  std::string detail;
};

// Every member has a default, so that a designated initializer may leave any of them out.
struct Plot {
  std::string id = {}, title = {}, help = {};
  std::string group = "timeline";     // plots of one group zoom together
  std::string unit = {}, unit2 = {};  // axis units: bytes, bytes/s, us, s, %, 1/s, level, ""
  std::string ylabel = {}, y2label = {};
  std::vector<Series> series = {};
  bool main_events = true;  // the campaign's events, else `events`
  std::vector<Event> events = {};
  std::optional<std::pair<double, double>> range = {};
  double xmax = 0;  // x from 0 to this (seconds) unless dates
  bool dates = false;
  std::string note_html = {};  // under the description
  std::string css = "plot";
};

// The i-th colour of the series of a plot.
std::string palette(std::size_t i);
// A plot's block: title, what its series are, the graph and its legend. Makes the series'
// labels distinct, as dygraphs needs.
std::string plot_html(Plot& p);

// The page's data (html_series.cc): time columns, plots, events (for the lines; the table is
// HTML), as JSON for the page's script. Times in seconds, or milliseconds with `times_are_ms`.
std::string page_data(const std::map<std::string, std::vector<double>>& times,
                      const std::vector<Plot>& plots, const std::vector<Event>& events,
                      bool times_are_ms);

// The whole page (html_page.cc): styles, the libraries, the error counter before anything else,
// the content, its data and the script that draws the plots and reports on <body>.
std::string page_html(const std::string& title, const std::string& content, const std::string& data,
                      const HtmlAssets& assets);

// ---------------------------------------------------------------------------------------------
// A campaign's events (html_events.cc).

// Every time-stamped event of a campaign, in time order.
std::vector<Event> events_of(const Json& r);
std::string events_legend_html(const std::vector<Event>& events);
std::string events_table_html(const std::vector<Event>& events);

// ---------------------------------------------------------------------------------------------
// A campaign's plots over time (html_timeline.cc), and the names of those it could not draw.

struct Timeline {
  std::vector<Plot> plots;
  std::vector<std::string> missing;        // plot titles without data
  std::vector<std::string> never_sampled;  // declared metrics no sample carries
};
Timeline timeline_of(const Json& r, const SampleColumns& cols, const std::vector<Event>& events);

// ---------------------------------------------------------------------------------------------
// A campaign's variants (html_variants.cc): the comparison table and each variant's runs side
// by side; `runs` the run reports by id.

struct VariantsPage {
  std::string html;
  std::vector<Plot> plots;
  std::map<std::string, std::vector<double>> times;
};
VariantsPage variants_of(const Json& variants, const std::map<std::string, Json>& runs);

// ---------------------------------------------------------------------------------------------
// The run figures (daemon/report_figures.h) by their keys ("min_headroom_bytes"), as the pages
// name and plot them (html_figures.cc).

std::string figure_title(const std::string& key);  // "min headroom"
Unit unit_of_figure(const std::string& key);
std::string axis_unit_of(Unit u);  // the page's axis unit: "bytes", "1/s", ...

}  // namespace mt::client::html
