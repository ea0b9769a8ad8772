#include "client/report_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <system_error>

#include "common/fs.h"

namespace mt::client {

using Json = nlohmann::ordered_json;

Result<Json> load_report(const std::filesystem::path& file) {
  auto text = fs::read_file(file);
  if (!text) return text.error();
  Json j;
  try {
    j = Json::parse(*text);
  } catch (const Json::parse_error& e) {
    // file:line:col of the byte the parser stopped at, and what it expected there.
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text->size());
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at; ++i) {
      col = (*text)[i] == '\n' ? 1 : col + 1;
      line += (*text)[i] == '\n';
    }
    std::string_view what = e.what();
    if (auto p = what.find(": "); p != std::string_view::npos) what.remove_prefix(p + 2);
    return make_error(fmt::format("{}:{}:{}: not JSON: {}", file.string(), line, col, what));
  }
  if (!j.is_object() || !j.contains("verdict") || !j.contains("campaign"))
    return make_error(
        fmt::format("{}: not a memtorture report (no verdict or campaign)", file.string()));
  return j;
}

std::vector<std::string> run_ids(const Json& report) {
  std::vector<std::string> ids;
  const Json* variants = nullptr;
  if (auto p = report.find("parts"); p != report.end() && p->is_object())
    if (auto v = p->find("variants"); v != p->end() && v->is_object())
      if (auto list = v->find("variants"); list != v->end() && list->is_array()) variants = &*list;
  if (variants == nullptr) return ids;
  for (const Json& variant : *variants)
    if (auto runs = variant.find("runs"); runs != variant.end() && runs->is_array())
      for (const Json& run : *runs)
        if (run.is_object() && run.contains("id") && run["id"].is_string())
          ids.push_back(run["id"].get<std::string>());
  return ids;
}

std::map<std::string, Json> load_run_reports(const Json& report,
                                             const std::filesystem::path& file) {
  std::map<std::string, std::string> recorded;  // id -> the path the daemon wrote
  if (auto p = report.find("parts"); p != report.end() && p->is_object())
    if (auto v = p->find("variants"); v != p->end() && v->is_object())
      for (const Json& variant : v->value("variants", Json::array()))
        for (const Json& run : variant.value("runs", Json::array()))
          if (run.is_object()) recorded[run.value("id", "")] = run.value("report", "");
  std::map<std::string, Json> out;
  for (const std::string& id : run_ids(report)) {
    // An id names a folder: nothing that climbs out of runs/.
    if (id.find('/') != std::string::npos || id == "." || id == "..") continue;
    auto beside = load_report(file.parent_path() / "runs" / id / "report.json");
    if (beside) {
      out[id] = std::move(*beside);
      continue;
    }
    if (const std::string& path = recorded[id]; !path.empty())
      if (auto there = load_report(path)) out[id] = std::move(*there);
  }
  return out;
}

Result<std::map<std::string, std::filesystem::path>> reports_in_folder(
    const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return make_error(fmt::format("{}: not a folder", dir.string()));
  std::map<std::string, std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto file = entry.path() / "report.json";
    std::error_code not_there;  // junit.xml/report.json is ENOTDIR: not the listing's error
    if (!std::filesystem::is_regular_file(file, not_there)) continue;
    auto report = load_report(file);
    if (!report) return report.error();
    out[report->value("campaign", std::string())] = file;
  }
  if (ec) return make_error(fmt::format("{}: {}", dir.string(), ec.message()));
  if (out.empty())
    return make_error(fmt::format("{}: no <campaign>/report.json in it (a suite's --out folder)",
                                  dir.string()));
  return out;
}

}  // namespace mt::client
