// Report files as the daemon writes them, read where no daemon is needed (report --file,
// compare, suite): a report.json, the reports of a variants campaign's runs beside it, and a
// suite's artifact folder (one folder per campaign, each with its report.json).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace mt::client {

// The report in `file`; the error names the file and what is wrong ("not JSON", "not a
// memtorture report").
Result<nlohmann::ordered_json> load_report(const std::filesystem::path& file);

// A variants campaign's run ids, in run order (empty for a plain campaign).
std::vector<std::string> run_ids(const nlohmann::ordered_json& report);

// The runs' reports of the variants campaign whose report is `file`: runs/<id>/report.json
// beside it (the daemon's layout, kept by suite --out), else the path the report recorded. A run
// whose report cannot be read is left out (the HTML page names it).
std::map<std::string, nlohmann::ordered_json> load_run_reports(
    const nlohmann::ordered_json& report, const std::filesystem::path& file);

// A suite's artifact folder: each campaign's report, by campaign name, from <dir>/*/report.json.
// An error when `dir` has none.
Result<std::map<std::string, std::filesystem::path>> reports_in_folder(
    const std::filesystem::path& dir);

// The HTML report of `report` (and its runs') written to `out`, with Debian's dygraphs inlined.
Status write_html_report(const std::string& out, const nlohmann::ordered_json& report,
                         const std::map<std::string, nlohmann::ordered_json>& runs);

}  // namespace mt::client
