// Series over time, and their compact encoding in the page's data: a time column in integer
// milliseconds and the values as integers k (value = k * 10^e, with e chosen per series: six
// significant digits at its largest value, four down to a hundredth of that, or exact when the
// values have few decimals, as PSI's two or whole bytes), each list as differences from the
// previous present element, null where a sample lacks the figure; a series in under a third of
// the samples as the indices it has. client/html/report.js decodes it (undelta, points).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "client/html_page.h"

namespace mt::client::html {

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

namespace {

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

}  // namespace

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

}  // namespace mt::client::html
