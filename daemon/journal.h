// What a campaign has measured so far, on disk as it is measured: one JSON line per sample,
// OOM kill, PSI trigger event and (at most once a second) workload counters, appended to
// <report dir>/journal.jsonl and fdatasync'ed at most once a second. The report written at the
// end makes it redundant (it is removed then); after a crash, the next daemon builds the error
// report from it, so that report holds what was measured up to the crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/model.h"

namespace mt::daemon {

inline constexpr const char* kJournalFile = "journal.jsonl";
// Bound on the file: past it, samples are no longer appended (events still are).
inline constexpr std::uint64_t kMaxJournalBytes = 64ULL << 20;

class Journal {
 public:
  // Creates (truncates) <dir>/journal.jsonl.
  static Result<Journal> create(const std::filesystem::path& dir,
                                std::uint64_t max_bytes = kMaxJournalBytes);
  Journal(Journal&& o) noexcept;
  Journal& operator=(Journal&&) = delete;
  Journal(const Journal&) = delete;
  ~Journal();

  // Appends what is worth keeping of `ev` (samples, workload counters, OOM kills, trigger
  // events); other events are ignored. A failed write is logged once and journaling stops.
  void record(const Event& ev);
  // Syncs and closes; remove() also deletes the file (the report holds it all now).
  void close();
  void remove();

 private:
  Journal(int fd, std::filesystem::path path, std::uint64_t max_bytes);
  void append(const std::string& line, double t_s);

  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t max_bytes_ = 0, written_ = 0;
  bool full_ = false;
  double last_sync_s_ = 0, last_workloads_s_ = -1;
};

// What a journal held, read back (a torn last line is skipped).
struct Journaled {
  std::vector<Sample> samples;
  std::vector<WorkloadStatus> workloads;  // the last counters written
  std::vector<double> oom_kill_times_s;
  std::vector<double> psi_trigger_events_s;
  double last_t_s = 0;           // time of the last line
  bool samples_truncated = false;  // the size bound was reached
};
Result<Journaled> read_journal(const std::filesystem::path& dir);

}  // namespace mt::daemon
