// The parts every HTML page is made of: reading the report, escaping, a plot's block, and the
// page itself, its styles and scripts (client/html/, embedded at build time) and dygraphs inlined.
#include "client/html_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "client/html/page_assets.h"
#include "client/render.h"

namespace mt::client::html {

// ---------------------------------------------------------------------------------------------
// Reading the report.

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

std::string esc(std::string_view s) {
  return xml_escape(s);
}

std::string jstr(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

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
// Plots.

namespace {

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

}  // namespace

std::string palette(std::size_t i) {
  return kPalette[i % std::size(kPalette)];
}

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
// The page's frame.

std::string page_html(const std::string& title, const std::string& content, const std::string& data,
                      const HtmlAssets& assets) {
  std::string out;
  out.reserve(content.size() + data.size() + assets.dygraphs_js.size() + 16384);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + esc(title) + "</title>\n";
  out += "<script>\n" + std::string(kErrorScript) + "</script>\n";
  out += "<style>\n" + inert(assets.dygraphs_css, "style") + "\n</style>\n";
  out += "<style>\n" + std::string(kPageCss) + "</style>\n";
  out += "<script>\n" + inert(assets.dygraphs_js, "script") + "\n</script>\n";
  out +=
      "</head>\n<body data-plots-expected=\"0\" data-plots-drawn=\"0\" data-errors=\"0\" "
      "data-error-text=\"\">\n";
  out += content;
  out += "<script type=\"application/json\" id=\"mt-data\">" + data + "</script>\n";
  out += "<script>\n" + std::string(kPageScript) + "</script>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace mt::client::html
