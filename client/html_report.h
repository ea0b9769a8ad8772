// The HTML report: one self-contained file per campaign that a person reads at a glance, and the
// index page of a suite's artifact folder. Plots by dygraphs (Debian's libjs-dygraphs), inlined at
// render time so that the file opens offline, years later. Pure: the caller reads the reports and
// the library and writes the result.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace mt::client {

// The plotting library's script and style sheet, inlined into every page.
struct HtmlAssets {
  std::string dygraphs_js;
  std::string dygraphs_css;
};
// Debian's copy: $MEMTORTURE_DYGRAPHS_DIR, else /usr/share/javascript/dygraphs; the error names
// the missing file and the package (libjs-dygraphs) that has it.
Result<HtmlAssets> load_html_assets();

// One campaign's report.json as a page: verdict and reason, criteria, host, workloads, then plots
// over the campaign's time with its events marked. A campaign with variants: the comparison
// table and each variant's runs side by side; `runs` holds the run reports by run id
// (parts.variants.variants[].runs[].id); a run missing from it is named on the page, not plotted.
std::string render_report_html(const nlohmann::ordered_json& report,
                               const std::map<std::string, nlohmann::ordered_json>& runs,
                               const HtmlAssets& assets);

// A suite's index page: one row per campaign, and with a history the headline figures over the
// nights.
struct IndexRow {
  std::string name;
  std::string verdict;  // passed, failed, error, skipped, invalid, aborted
  std::string reason;   // one line
  double duration_s = 0;
  std::string html_href;    // the campaign's page, relative to the index ("" when none)
  std::string report_href;  // its report.json ("" when none)
  // Two or three figures that say the most about it, label and text ("min headroom", "12.0Mi").
  std::vector<std::pair<std::string, std::string>> headline;
};
// One suite run of a page with a column per run (scripts/nightly.sh --kernels: a kernel each).
struct IndexColumn {
  std::string label;     // "host", "6.12"
  std::string subtitle;  // "6.12.118+deb12-amd64, cgroup v2"
  std::string note;      // why the column is empty (the run did not happen), else ""
  std::vector<IndexRow> rows;
};
std::string render_columns_index_html(const std::string& title,
                                      const std::vector<IndexColumn>& columns,
                                      const HtmlAssets& assets);

// One line of the history file (suite --history): a night's headline figures per campaign.
struct HistoryNight {
  std::string time;  // ISO 8601 UTC, when the suite started
  std::map<std::string, std::string> verdicts;                       // by campaign
  std::map<std::string, std::map<std::string, double>> figures;      // campaign -> figure -> value
};
std::string render_index_html(const std::string& title, const std::vector<IndexRow>& rows,
                              const std::vector<HistoryNight>& history, const HtmlAssets& assets);

}  // namespace mt::client
