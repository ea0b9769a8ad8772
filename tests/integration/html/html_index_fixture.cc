// Writes an index page from the fixture reports for the browser check (run-check.sh index):
// a row per report under FIXTURES (tests/fixtures/report), and three nights of history made from
// their headline figures, so that every part of the page is drawn with the real dygraphs.
//
//   html_index_fixture FIXTURES OUT.html
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "client/html_report.h"
#include "daemon/report_figures.h"

namespace {

using Json = nlohmann::ordered_json;
using mt::daemon::figure_text;
using mt::daemon::FigureUnit;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: html_index_fixture FIXTURES OUT.html\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    if (e.is_directory() && std::filesystem::exists(e.path() / "report.json"))
      files.push_back(e.path() / "report.json");
  }
  std::sort(files.begin(), files.end());
  std::vector<mt::client::IndexRow> rows;
  std::vector<mt::client::HistoryNight> history(3);
  const char* nights[] = {"2026-12-04T02:00:00Z", "2026-12-05T02:00:00Z", "2026-12-06T02:00:00Z"};
  for (int n = 0; n < 3; ++n) history[n].time = nights[n];
  for (const auto& f : files) {
    std::ifstream in(f);
    const Json r = Json::parse(in, nullptr, false);
    if (r.is_discarded()) {
      std::cerr << f << ": not JSON\n";
      return 1;
    }
    const auto fig = mt::daemon::run_figures(r);
    mt::client::IndexRow row;
    row.name = r.value("campaign", f.stem().string());
    row.verdict = r.value("verdict", "error");
    row.reason = r.value("reason", "");
    row.duration_s = r.value("duration_actual_s", 0.0);
    row.report_href = std::filesystem::relative(f, dir).string();
    row.headline.emplace_back("OOM kills", figure_text(fig.oom_kills, FigureUnit::count));
    if (fig.min_headroom_bytes)
      row.headline.emplace_back("min headroom",
                                figure_text(*fig.min_headroom_bytes, FigureUnit::bytes));
    if (fig.freed_p50)
      row.headline.emplace_back("RCU freed p50",
                                figure_text(*fig.freed_p50, FigureUnit::bytes_per_s));
    // The nights: tonight's figures, and two earlier nights a little off.
    for (int n = 0; n < 3; ++n) {
      const double k = 1.0 + 0.1 * (n - 2);
      auto& night = history[n];
      night.verdicts[row.name] = n == 1 ? "failed" : row.verdict;
      night.figures[row.name]["oom_kills"] = fig.oom_kills + (n == 1);
      if (fig.min_headroom_bytes)
        night.figures[row.name]["min_headroom_bytes"] = *fig.min_headroom_bytes * k;
      if (fig.freed_p50) night.figures[row.name]["rcu_freed_bytes_per_s"] = *fig.freed_p50 * k;
      if (fig.gp_p99) night.figures[row.name]["gp_p99_us"] = *fig.gp_p99 * k;
    }
    rows.push_back(std::move(row));
  }
  auto assets = mt::client::load_html_assets();
  if (!assets.ok()) {
    std::cerr << assets.error().message << "\n";
    return 1;
  }
  std::ofstream(argv[2]) << mt::client::render_index_html("memtorture fixtures", rows, history,
                                                          *assets);
  std::cerr << "wrote " << argv[2] << ": " << rows.size() << " campaigns, 3 nights\n";
  return 0;
}
