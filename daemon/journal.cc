#include "daemon/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/fs.h"
#include "daemon/report.h"

namespace mt::daemon {

using json = nlohmann::ordered_json;

namespace {
constexpr double kSyncIntervalS = 1.0;
constexpr double kWorkloadsIntervalS = 1.0;
}  // namespace

Result<Journal> Journal::create(const std::filesystem::path& dir, std::uint64_t max_bytes) {
  const auto path = dir / kJournalFile;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                        0644);
  if (fd < 0)
    return make_error(fmt::format("cannot create {}: {}", path.string(), fs::errno_text(errno)));
  return Journal(fd, path, max_bytes);
}

Journal::Journal(int fd, std::filesystem::path path, std::uint64_t max_bytes)
    : fd_(fd), path_(std::move(path)), max_bytes_(max_bytes) {}

Journal::Journal(Journal&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      path_(std::move(o.path_)),
      max_bytes_(o.max_bytes_),
      written_(o.written_),
      full_(o.full_),
      last_sync_s_(o.last_sync_s_),
      last_workloads_s_(o.last_workloads_s_) {}

Journal::~Journal() {
  close();
}

void Journal::close() {
  if (fd_ < 0) return;
  ::fdatasync(fd_);
  ::close(std::exchange(fd_, -1));
}

void Journal::remove() {
  close();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void Journal::append(const std::string& line, double t_s) {
  if (fd_ < 0) return;
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::warn("journal {}: write failed: {}; journaling stops", path_.string(),
                   fs::errno_text(errno));
      ::close(std::exchange(fd_, -1));
      return;
    }
    done += static_cast<std::size_t>(n);
  }
  written_ += text.size();
  if (t_s - last_sync_s_ >= kSyncIntervalS) {
    ::fdatasync(fd_);
    last_sync_s_ = t_s;
  }
}

void Journal::record(const Event& ev) {
  if (fd_ < 0) return;
  if (const auto* s = std::get_if<Sample>(&ev.body)) {
    if (written_ >= max_bytes_) {
      if (!full_) append(json{{"t_s", ev.t_s}, {"samples_truncated", true}}.dump(), ev.t_s);
      full_ = true;
      return;
    }
    append(json{{"t_s", ev.t_s}, {"sample", to_json(*s)}}.dump(), ev.t_s);
  } else if (const auto* ws = std::get_if<WorkloadsUpdate>(&ev.body)) {
    if (last_workloads_s_ >= 0 && ev.t_s - last_workloads_s_ < kWorkloadsIntervalS) return;
    last_workloads_s_ = ev.t_s;
    json list = json::array();
    for (const auto& w : *ws) list.push_back(to_json(w));
    append(json{{"t_s", ev.t_s}, {"workloads", list}}.dump(), ev.t_s);
  } else if (const auto* k = std::get_if<OomKill>(&ev.body)) {
    append(json{{"t_s", ev.t_s}, {"oom_kill", {{"total", k->total}, {"workload", k->workload}}}}
               .dump(),
           ev.t_s);
  } else if (std::get_if<PsiTriggerEvent>(&ev.body)) {
    append(json{{"t_s", ev.t_s}, {"psi_trigger", true}}.dump(), ev.t_s);
  }
}

Result<Journaled> read_journal(const std::filesystem::path& dir) {
  const auto path = dir / kJournalFile;
  std::ifstream in(path);
  if (!in) return make_error(fmt::format("cannot read {}", path.string()));
  Journaled out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) continue;  // a line torn by the crash
    try {
      const double t = j.value("t_s", 0.0);
      if (j.contains("sample")) {
        out.samples.push_back(sample_from_json(j["sample"]));
      } else if (j.contains("workloads")) {
        out.workloads.clear();
        for (const auto& w : j["workloads"]) out.workloads.push_back(workload_from_json(w));
      } else if (j.contains("oom_kill")) {
        out.oom_kill_times_s.push_back(t);
      } else if (j.contains("psi_trigger")) {
        out.psi_trigger_events_s.push_back(t);
      } else if (j.contains("samples_truncated")) {
        out.samples_truncated = true;
      }
      out.last_t_s = std::max(out.last_t_s, t);
    } catch (const json::exception&) {
      continue;
    }
  }
  return out;
}

}  // namespace mt::daemon
