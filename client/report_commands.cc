// memtorturectl report and compare: reading finished campaigns' reports, from the daemon or
// from files, as JSON, as an HTML page, or side by side with an earlier run.
#include <fmt/format.h>

#include <fstream>

#include "client/commands.h"
#include "client/compare.h"
#include "client/daemon_client.h"
#include "client/html_report.h"
#include "client/json_output.h"
#include "client/render.h"
#include "client/report_files.h"
#include "client/suite_report.h"
#include "common/fs.h"
#include "common/units.h"

namespace mt::client {
namespace {

using Json = nlohmann::ordered_json;

}  // namespace

Status write_html_report(const std::string& out, const Json& report,
                         const std::map<std::string, Json>& runs) {
  auto assets = load_html_assets();
  if (!assets) return assets.error();
  const std::string html = render_report_html(report, runs, *assets);
  return fs::write_file(out, html, /*create=*/true);
}

int cmd_report(const GlobalOptions& g, const ReportOptions& o) {
  Json report;
  std::map<std::string, Json> runs;
  std::string from;
  if (!o.file.empty()) {
    auto loaded = load_report(o.file);
    if (!loaded) return print_failure(g, {kInvalid, loaded.error().message});
    report = std::move(*loaded);
    if (!o.html.empty()) runs = load_run_reports(report, o.file);
    from = o.file;
  } else {
    DaemonClient d(g);
    if (auto f = d.connect()) return print_failure(g, *f);
    if (o.html.empty()) {
      // As the daemon wrote it, byte for byte.
      auto text = d.read_report(o.id);
      if (auto* f = std::get_if<Failure>(&text)) return print_failure(g, *f);
      const auto& t = std::get<std::string>(text);
      g.console->out(t + (!t.empty() && t.back() == '\n' ? "" : "\n"));
      return kPassed;
    }
    auto read = d.read_report_with_runs(o.id);
    if (auto* f = std::get_if<Failure>(&read)) return print_failure(g, *f);
    auto& reports = std::get<DaemonClient::Reports>(read);
    report = std::move(reports.report);
    for (auto& [run, both] : reports.runs) runs[run] = std::move(both.second);
    from = "campaign " + o.id;
  }
  if (o.html.empty()) {
    g.console->out(report.dump(2) + "\n");
    return kPassed;
  }
  if (auto st = write_html_report(o.html, report, runs); !st)
    return print_failure(g, {kUnreachable, fmt::format("cannot write the HTML report {}: {}",
                                                       o.html, st.error().message)});
  std::error_code ec;
  const auto size = std::filesystem::file_size(o.html, ec);
  g.console->err(fmt::format("wrote {} ({}, from {})\n", o.html,
                             human_bytes(static_cast<double>(ec ? 0 : size)), from));
  return kPassed;
}

namespace {

Json comparison_json(const ReportComparison& c) {
  Json figs = Json::array();
  for (const auto& f : c.figures)
    figs.push_back({{"variant", f.scope}, {"figure", f.key},
                    {"a", f.a ? Json(*f.a) : Json(nullptr)}, {"b", f.b ? Json(*f.b) : Json(nullptr)},
                    {"change", f.change}, {"verdict", f.verdict}});
  return {{"campaign", c.campaign}, {"verdict_a", c.verdict_a}, {"verdict_b", c.verdict_b},
          {"figures", figs}, {"regressions", c.regressions}};
}

// One campaign's comparison, its thresholds from B's campaign and the command line.
Result<ReportComparison> compare_pair(const Json& a, const Json& b,
                                      const std::vector<std::pair<std::string, Threshold>>& cli) {
  auto thresholds = thresholds_of(b);
  if (!thresholds) return make_error(fmt::format("B: {}", thresholds.error().message));
  for (const auto& [key, t] : cli) (*thresholds)[key] = t;
  return compare_reports(a, b, *thresholds);
}

}  // namespace

int cmd_compare(const GlobalOptions& g, const std::string& a, const std::string& b,
                const std::vector<std::string>& threshold_texts) {
  std::vector<std::pair<std::string, Threshold>> cli;
  for (const auto& t : threshold_texts) {
    auto parsed = parse_threshold(t);
    if (!parsed) return print_failure(g, {kInvalid, parsed.error().message});
    cli.push_back(*parsed);
  }
  std::error_code ec;
  const bool folders = std::filesystem::is_directory(a, ec) || std::filesystem::is_directory(b, ec);
  // Campaign name -> report file on each side.
  std::map<std::string, std::filesystem::path> side_a, side_b;
  if (folders) {
    auto fa = reports_in_folder(a);
    if (!fa) return print_failure(g, {kInvalid, "A: " + fa.error().message});
    auto fb = reports_in_folder(b);
    if (!fb) return print_failure(g, {kInvalid, "B: " + fb.error().message});
    side_a = std::move(*fa);
    side_b = std::move(*fb);
  }
  std::vector<ReportComparison> results;
  std::vector<std::string> unmatched;  // regressions of the suite as a whole
  auto compare_files = [&](const std::filesystem::path& pa,
                           const std::filesystem::path& pb) -> std::optional<Failure> {
    auto ja = load_report(pa);
    if (!ja) return Failure{kInvalid, "A: " + ja.error().message};
    auto jb = load_report(pb);
    if (!jb) return Failure{kInvalid, "B: " + jb.error().message};
    auto c = compare_pair(*ja, *jb, cli);
    if (!c)
      return Failure{kInvalid,
                     fmt::format("{} vs {}: {}", pa.string(), pb.string(), c.error().message)};
    results.push_back(std::move(*c));
    return std::nullopt;
  };
  if (!folders) {
    if (auto f = compare_files(a, b)) return print_failure(g, *f);
  } else {
    for (const auto& [name, pa] : side_a) {
      auto it = side_b.find(name);
      if (it == side_b.end()) {
        unmatched.push_back(fmt::format("campaign {}: in A, not run in B", name));
        continue;
      }
      if (auto f = compare_files(pa, it->second)) return print_failure(g, *f);
    }
    for (const auto& [name, pb] : side_b)
      if (!side_a.contains(name))
        g.console->err(fmt::format("campaign {}: new in B, nothing to compare it with\n", name));
  }
  bool regressed = !unmatched.empty();
  for (const auto& c : results) regressed = regressed || !c.regressions.empty();
  if (g.json) {
    if (!folders) {
      g.console->out(dump_json(comparison_json(results.front())));
    } else {
      Json all = Json::array();
      for (const auto& c : results) all.push_back(comparison_json(c));
      g.console->out(dump_json({{"campaigns", all}, {"missing", unmatched}}));
    }
  } else {
    std::string out;
    for (const auto& c : results) out += (out.empty() ? "" : "\n") + comparison_text(c);
    for (const auto& u : unmatched) out += "REGRESSED " + u + "\n";
    g.console->out(out);
  }
  return regressed ? kFailed : kPassed;
}

int cmd_index(const GlobalOptions& g, const std::string& out,
              const std::vector<std::string>& columns) {
  namespace stdfs = std::filesystem;
  if (columns.empty()) return print_failure(g, {kInvalid, "index: name at least one LABEL=DIR"});
  const stdfs::path page_dir = stdfs::absolute(out).parent_path();
  std::vector<IndexColumn> cols;
  for (const std::string& spec : columns) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return print_failure(g, {kInvalid, fmt::format("index: '{}': expected LABEL=DIR", spec)});
    IndexColumn c;
    c.label = spec.substr(0, eq);
    const stdfs::path dir = stdfs::absolute(spec.substr(eq + 1));
    const stdfs::path summary_file = dir / "suite.json";
    auto text = fs::read_file(summary_file);
    if (!text) {
      // A run that did not happen (a kernel that could not be booted) is a column that says so.
      c.note = fmt::format("no suite ran: {} {}", summary_file.string(), text.error().message);
      cols.push_back(std::move(c));
      continue;
    }
    auto summary = read_suite_summary(*text);
    if (!summary)
      return print_failure(g, {kInvalid, fmt::format("index: {}: {}", summary_file.string(),
                                                     summary.error().message)});
    for (SuiteResult& r : summary->results) {
      if (!r.folder.empty()) {
        const stdfs::path report = dir / r.folder / "report.json";
        if (auto j = load_report(report)) {
          r.report = std::move(*j);
          if (c.subtitle.empty() && r.report->contains("host") && (*r.report)["host"].is_object()) {
            const Json& h = (*r.report)["host"];
            c.subtitle = fmt::format("{}, cgroup {}", h.value("kernel_release", std::string("?")),
                                     h.value("cgroup_mode", std::string("?")));
          }
        }
        r.folder = stdfs::relative(dir / r.folder, page_dir).string();
      }
      c.rows.push_back(index_row(r));
    }
    cols.push_back(std::move(c));
  }
  auto assets = load_html_assets();
  if (!assets) return print_failure(g, {kInvalid, "index: " + assets.error().message});
  std::string labels;
  for (const auto& c : cols) labels += (labels.empty() ? "" : ", ") + c.label;
  const std::string html = render_columns_index_html(
      fmt::format("memtorture suite by kernel: {}", labels), cols, *assets);
  if (auto st = fs::write_file(out, html, /*create=*/true); !st)
    return print_failure(g, {kUnreachable, fmt::format("index: {}", st.error().message)});
  if (!g.json) g.console->out(fmt::format("wrote {} ({} columns)\n", out, cols.size()));
  return kPassed;
}

}  // namespace mt::client
