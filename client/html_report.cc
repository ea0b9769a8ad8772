// The campaign page: its header, criteria, host and workloads, then the events, the plots over
// time and the variants from their own files; and the plotting library it inlines.
#include "client/html_report.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "client/html_page.h"
#include "common/units.h"

namespace mt::client {
namespace html {
namespace {

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

}  // namespace
}  // namespace html

namespace {

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
  using namespace html;  // the page builders' parts (html_page.h)
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
  return page_html(title, content, page_data(times, plots, events, false), assets);
}

}  // namespace mt::client
