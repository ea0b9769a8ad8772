#include "client/suite_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "campaign/regression.h"
#include "client/render.h"
#include "daemon/report_figures.h"

namespace mt::client {
namespace {

using Json = nlohmann::ordered_json;
using daemon::FigureUnit;

// A JUnit message is one line; control characters are not XML.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  std::erase_if(s, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  return s;
}

struct Case {
  std::string name;
  double time_s = 0;
  enum class Kind { passed, failure, error, skipped } kind = Kind::passed;
  std::string message = {};  // failure, error, skipped
  std::string out = {};      // system-out for a passing case
};

const Json* variants_of(const Json& report) {
  auto p = report.find("parts");
  if (p == report.end() || !p->is_object()) return nullptr;
  auto v = p->find("variants");
  if (v == p->end() || !v->is_object()) return nullptr;
  auto list = v->find("variants");
  return list != v->end() && list->is_array() ? &*list : nullptr;
}

std::vector<Case> cases_of(const SuiteResult& r) {
  std::vector<Case> cases;
  if (r.outcome == "skipped") {
    cases.push_back({.name = "campaign", .kind = Case::Kind::skipped, .message = one_line(r.reason)});
    return cases;
  }
  if (!r.report) {
    cases.push_back({.name = "campaign",
                     .time_s = r.duration_s,
                     .kind = Case::Kind::error,
                     .message = one_line(fmt::format("{}: {}", r.outcome, r.reason))});
    return cases;
  }
  const Json& report = *r.report;
  const std::string verdict = report.value("verdict", std::string("error"));
  bool failed_case = false;
  for (const Json& k : report.value("criteria", Json::array())) {
    Case c{.name = k.value("name", std::string("?"))};
    const std::string detail = k.value("detail", std::string());
    if (k.value("pass", false)) {
      c.out = detail;
    } else {
      c.kind = Case::Kind::failure;
      c.message = one_line(c.name + ": " + detail);
      failed_case = true;
    }
    cases.push_back(std::move(c));
  }
  if (const Json* variants = variants_of(report)) {
    for (const Json& v : *variants) {
      Case c{.name = "variant " + v.value("name", std::string("?"))};
      const bool expect_fail = v.value("expect", std::string("pass")) == "fail";
      int runs = 0, passed = 0;
      std::string first_failure;
      for (const Json& run : v.value("runs", Json::array())) {
        ++runs;
        c.time_s += run.value("ran_s", 0.0);
        if (run.value("verdict", std::string()) == "passed")
          ++passed;
        else if (first_failure.empty())
          first_failure = fmt::format("run {} {}: {}", run.value("repeat", 0),
                                      run.value("verdict", std::string("?")),
                                      run.value("reason", std::string()));
      }
      const std::string tally = fmt::format("{} of {} runs passed", passed, runs);
      if (expect_fail || (runs > 0 && passed == runs)) {
        c.out = tally + (expect_fail ? " (expect: fail, not judged)" : "");
      } else {
        c.kind = Case::Kind::failure;
        c.message = one_line(fmt::format("{}: {}{}", c.name, tally,
                                         first_failure.empty() ? "" : "; " + first_failure));
        failed_case = true;
      }
      cases.push_back(std::move(c));
    }
  }
  // A verdict no case explains (an aborted or broken run, a workload lost to the OOM killer with
  // every criterion met) still fails the suite: CI must never read it as green.
  if (verdict == "aborted" || verdict == "error")
    cases.push_back({.name = "campaign",
                     .time_s = r.duration_s,
                     .kind = Case::Kind::error,
                     .message = one_line(verdict + ": " + report.value("reason", std::string()))});
  else if (verdict != "passed" && !failed_case)
    cases.push_back({.name = "verdict",
                     .kind = Case::Kind::failure,
                     .message = one_line(verdict + ": " + report.value("reason", std::string()))});
  else if (cases.empty())
    cases.push_back({.name = "verdict", .out = report.value("reason", std::string())});
  return cases;
}

}  // namespace

std::string suite_junit_xml(const std::string& suite_name, const std::vector<SuiteResult>& results) {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time_s = 0;
  std::string body;
  for (const SuiteResult& r : results) {
    const auto cases = cases_of(r);
    int f = 0, e = 0, s = 0;
    for (const Case& c : cases) {
      f += c.kind == Case::Kind::failure;
      e += c.kind == Case::Kind::error;
      s += c.kind == Case::Kind::skipped;
    }
    tests += static_cast<int>(cases.size());
    failures += f;
    errors += e;
    skipped += s;
    time_s += r.duration_s;
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.3f}\">\n",
        xml_escape(r.name), cases.size(), f, e, s, r.duration_s);
    body += fmt::format(
        "    <properties><property name=\"file\" value=\"{}\"/><property name=\"id\" "
        "value=\"{}\"/><property name=\"verdict\" value=\"{}\"/></properties>\n",
        xml_escape(r.file), xml_escape(r.id), xml_escape(r.outcome));
    for (const Case& c : cases) {
      body += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                          xml_escape(r.name), xml_escape(c.name), c.time_s);
      switch (c.kind) {
        case Case::Kind::passed:
          body += c.out.empty() ? "/>\n"
                                : fmt::format("><system-out>{}</system-out></testcase>\n",
                                              xml_escape(c.out));
          break;
        case Case::Kind::failure:
          body += fmt::format("><failure message=\"{}\"/></testcase>\n", xml_escape(c.message));
          break;
        case Case::Kind::error:
          body += fmt::format("><error message=\"{}\"/></testcase>\n", xml_escape(c.message));
          break;
        case Case::Kind::skipped:
          body += fmt::format("><skipped message=\"{}\"/></testcase>\n", xml_escape(c.message));
          break;
      }
    }
    body += "  </testsuite>\n";
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" "
      "failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}</testsuites>\n",
      xml_escape(suite_name), tests, failures, errors, skipped, time_s, body);
}

IndexRow index_row(const SuiteResult& r) {
  IndexRow row;
  row.name = r.name;
  row.verdict = r.outcome;
  row.reason = one_line(r.reason);
  row.duration_s = r.duration_s;
  if (!r.folder.empty() && r.report) {
    row.html_href = r.folder + "/report.html";
    row.report_href = r.folder + "/report.json";
  }
  if (!r.report) return row;
  if (const Json* variants = variants_of(*r.report)) {
    // Per variant: how many runs passed.
    for (const Json& v : *variants) {
      int runs = 0, passed = 0;
      for (const Json& run : v.value("runs", Json::array())) {
        ++runs;
        passed += run.value("verdict", std::string()) == "passed";
      }
      row.headline.emplace_back("variant " + v.value("name", std::string("?")),
                                fmt::format("{}/{} passed", passed, runs));
    }
    return row;
  }
  const daemon::RunFigures f = daemon::run_figures(*r.report);
  row.headline.emplace_back("OOM kills", daemon::figure_text(f.oom_kills, FigureUnit::count));
  if (f.min_headroom_bytes)
    row.headline.emplace_back("min headroom",
                              daemon::figure_text(*f.min_headroom_bytes, FigureUnit::bytes));
  if (f.freed_p50)
    row.headline.emplace_back("RCU freed p50",
                              daemon::figure_text(*f.freed_p50, FigureUnit::bytes_per_s));
  else if (f.flood_ops_per_s)
    row.headline.emplace_back("flood", daemon::figure_text(*f.flood_ops_per_s, FigureUnit::ops_per_s));
  return row;
}

std::map<std::string, std::map<std::string, double>> history_figures(const SuiteResult& r) {
  std::map<std::string, std::map<std::string, double>> out;
  if (!r.report) return out;
  if (variants_of(*r.report) != nullptr) {
    const Json table = r.report->at("parts").at("variants").value("table", Json::array());
    for (const Json& row : table) {
      auto& figs = out[r.name + "/" + row.value("variant", std::string("?"))];
      for (const auto& [key, cell] : row.items())
        if (cell.is_object() && cell.contains("median") && cell["median"].is_number())
          figs[key] = cell["median"].get<double>();
    }
    return out;
  }
  const daemon::RunFigures f = daemon::run_figures(*r.report);
  auto& figs = out[r.name];
  auto put = [&](const char* key, const std::optional<double>& v) {
    if (v) figs[key] = *v;
  };
  put("oom_kills", f.oom_kills);
  put("min_headroom_bytes", f.min_headroom_bytes);
  put("psi_some_max", f.psi_some_max);
  put("flood_ops_per_s", f.flood_ops_per_s);
  put("rcu_freed_bytes_per_s", f.freed_p50);
  put("rcu_waiting_max", f.waiting_max);
  put("backlog_p50_bytes", f.backlog_p50_bytes);
  put("gp_p99_us", f.gp_p99);
  put("reactions_fired", f.reactions_fired);
  put("lowest_oom_eta_s", f.lowest_oom_eta_s);
  put("duration_s", r.duration_s);
  return out;
}

std::string history_line(const std::string& time, const std::vector<SuiteResult>& results) {
  Json campaigns = Json::object();
  for (const SuiteResult& r : results) {
    if (r.outcome == "skipped") continue;
    for (const auto& [name, figs] : history_figures(r))
      campaigns[name] = {{"verdict", r.outcome}, {"figures", figs}};
    if (!r.report) campaigns[r.name] = {{"verdict", r.outcome}, {"figures", Json::object()}};
  }
  return Json{{"time", time}, {"campaigns", campaigns}}.dump() + "\n";
}

std::vector<HistoryNight> read_history(const std::string& text, std::vector<std::string>* warnings) {
  std::vector<HistoryNight> nights;
  std::size_t line_no = 0, at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    const std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("time") || !j["time"].is_string() ||
        !j.contains("campaigns") || !j["campaigns"].is_object()) {
      warnings->push_back(fmt::format("line {}: not a history record (skipped)", line_no));
      continue;
    }
    HistoryNight night;
    night.time = j["time"].get<std::string>();
    for (const auto& [name, c] : j["campaigns"].items()) {
      if (!c.is_object()) continue;
      night.verdicts[name] = c.value("verdict", std::string("?"));
      const Json figures = c.value("figures", Json::object());  // items() must not outlive it
      for (const auto& [key, v] : figures.items())
        if (v.is_number()) night.figures[name][key] = v.get<double>();
    }
    nights.push_back(std::move(night));
  }
  return nights;
}

Json suite_summary_json(const std::string& suite_name, const std::string& started_at,
                        const std::vector<SuiteResult>& results) {
  Json list = Json::array();
  for (const auto& r : results)
    list.push_back({{"file", r.file},
                    {"campaign", r.name},
                    {"id", r.id},
                    {"outcome", r.outcome},
                    {"reason", r.reason},
                    {"duration_s", r.duration_s},
                    {"exit_code", r.exit_code},
                    {"folder", r.folder}});
  return {{"suite", suite_name}, {"started_at", started_at}, {"campaigns", list}};
}

Result<SuiteSummary> read_suite_summary(const std::string& text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("not a JSON object");
  if (!j.contains("campaigns") || !j["campaigns"].is_array())
    return make_error("no \"campaigns\" list");
  auto text_of = [](const Json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
  };
  SuiteSummary s;
  s.name = text_of(j, "suite");
  s.started_at = text_of(j, "started_at");
  for (const Json& c : j["campaigns"]) {
    if (!c.is_object()) return make_error("a campaign that is not a JSON object");
    SuiteResult r;
    r.file = text_of(c, "file");
    r.name = text_of(c, "campaign");
    r.id = text_of(c, "id");
    r.outcome = text_of(c, "outcome");
    r.reason = text_of(c, "reason");
    r.folder = text_of(c, "folder");
    if (c.contains("duration_s") && c["duration_s"].is_number())
      r.duration_s = c["duration_s"].get<double>();
    if (c.contains("exit_code") && c["exit_code"].is_number_integer())
      r.exit_code = c["exit_code"].get<int>();
    if (r.name.empty()) return make_error("a campaign without a name (\"campaign\")");
    s.results.push_back(std::move(r));
  }
  return s;
}

}  // namespace mt::client
