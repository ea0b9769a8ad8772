// The run figures (daemon/report_figures.h) as the pages show them: a title for the variants
// table's columns and the history's plots, and the unit their values are in.
#include <algorithm>
#include <string_view>

#include "client/html_page.h"

namespace mt::client::html {
namespace {

struct FigureTitle {
  const char* key;
  const char* title;
};
constexpr FigureTitle kFigureTitles[] = {
    {"oom_kills", "OOM kills"},
    {"min_headroom_bytes", "min headroom"},
    {"psi_some_max", "PSI some max"},
    {"psi_full_max", "PSI full max"},
    {"rcu_freed_p50", "RCU freed p50"},
    {"rcu_freed_max", "RCU freed max"},
    {"rcu_freed_bytes_per_s", "RCU freed bytes/s"},
    {"rcu_waiting_p50", "waiting in RCU p50"},
    {"rcu_waiting_max", "waiting in RCU max"},
    {"gp_p50_us", "GP p50"},
    {"gp_p99_us", "GP p99"},
    {"reactions_fired", "reactions fired"},
    {"flood_ops_per_s", "flood ops/s"},
    {"backlog_p50_bytes", "backlog p50"},
    {"lowest_oom_eta_s", "lowest time to OOM"},
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Unit unit_of_figure(const std::string& key) {
  if (key.find("psi") != std::string::npos) return Unit::percent;
  if (key.find("freed") != std::string::npos || ends_with(key, "bytes_per_s"))
    return Unit::bytes_per_s;
  if (key.find("bytes") != std::string::npos || key.find("headroom") != std::string::npos ||
      key.find("waiting") != std::string::npos || key.find("backlog") != std::string::npos)
    return Unit::bytes;
  if (ends_with(key, "_us")) return Unit::us;
  if (key.find("ops_per_s") != std::string::npos) return Unit::ops_per_s;
  if (ends_with(key, "_s")) return Unit::seconds;
  return Unit::count;
}
std::string axis_unit_of(Unit u) {
  switch (u) {
    case Unit::bytes:
      return "bytes";
    case Unit::bytes_per_s:
      return "bytes/s";
    case Unit::percent:
      return "%";
    case Unit::us:
      return "us";
    case Unit::seconds:
      return "s";
    case Unit::ops_per_s:
      return "1/s";
    case Unit::count:
      return "";
  }
  return "";
}

std::string figure_title(const std::string& key) {
  for (const auto& f : kFigureTitles)
    if (key == f.key) return f.title;
  std::string t = key;
  std::replace(t.begin(), t.end(), '_', ' ');
  return t;
}

}  // namespace mt::client::html
