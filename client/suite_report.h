// What a campaign suite leaves behind, built from its campaigns' outcomes: the JUnit file (a
// <testsuite> per campaign, a <testcase> per criterion and per variant), the index page's rows,
// and the history file's lines (one night's headline figures per campaign). Pure: suite.cc runs
// the campaigns and writes what these return.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/html_report.h"
#include "common/result.h"

namespace mt::client {

struct SuiteResult {
  std::string file;  // the campaign file
  std::string name;  // the campaign's name (the file's name when it does not parse)
  std::string id;    // "" when it never started
  // passed, failed, aborted, error (from the daemon's verdict); invalid (refused before it
  // started), unreachable (no daemon, stream lost), skipped (time budget, interrupted).
  std::string outcome;
  std::string reason;  // one line
  double duration_s = 0;
  int exit_code = 0;   // as `memtorturectl run` would exit for it; skipped: 0
  std::optional<nlohmann::ordered_json> report;
  std::string folder;  // under --out, relative ("" without --out)
};

// One JUnit document for the whole suite. A failure message is one line: "<criterion>:
// <detail>", "variant <name>: ...", or the campaign's reason.
std::string suite_junit_xml(const std::string& suite_name, const std::vector<SuiteResult>& results);

// The index page's row: verdict, duration and two or three headline figures.
IndexRow index_row(const SuiteResult& r);

// What `suite --json` prints and --out keeps as suite.json: the suite's name, when it started,
// each campaign's outcome and folder (not its report).
nlohmann::ordered_json suite_summary_json(const std::string& suite_name,
                                          const std::string& started_at,
                                          const std::vector<SuiteResult>& results);
// suite.json read back: the campaigns (without reports) and the suite's start; an error says
// what is wrong with the text.
struct SuiteSummary {
  std::string name;
  std::string started_at;
  std::vector<SuiteResult> results;
};
Result<SuiteSummary> read_suite_summary(const std::string& text);

// The campaign's figures for the history and compare (campaign/regression.h keys): a plain
// campaign's under its name; a variants campaign's medians per variant under "<name>/<variant>".
std::map<std::string, std::map<std::string, double>> history_figures(const SuiteResult& r);

// One history line (JSON Lines) for tonight, and the file's nights read back; a malformed line is
// skipped and named in `warnings`.
std::string history_line(const std::string& time, const std::vector<SuiteResult>& results);
std::vector<HistoryNight> read_history(const std::string& text, std::vector<std::string>* warnings);

}  // namespace mt::client
