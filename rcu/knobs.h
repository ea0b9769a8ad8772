// The RCU knobs the daemon may change, in one object that owns every change: it says which knobs
// this kernel has and whether they are writable, and before each write it appends the old and
// the new value to a journal in the state directory and fsyncs it. Restore puts every changed
// knob back (in reverse order of change) and then clears the journal; a daemon started after a
// crash or a SIGKILL restores what the journal says before it does anything else
// (restore_from_journal). The /sys root is injected, so all of it runs on fixture trees.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mt::rcu {

// In the daemon's state directory.
inline constexpr const char* kKnobJournalFile = "knobs.journal";

enum class KnobType { integer, boolean };  // boolean: the kernel shows Y/N, we take 0/1

struct KnobDef {
  std::string_view name;  // as in a campaign's `kernel:` map
  std::string_view path;  // relative to /sys
  KnobType type;
  long long min = 0, max = 0;  // inclusive (integers)
  std::string_view help;
};

// Every knob a campaign may set (run-time writable on 6.x): rcu_expedited, rcu_normal and the
// rcutree parameters the kernel lets change at run time. do_rcu_barrier is an action (Barrier),
// not a setting; blimit, qhimark, qlowmark, qovld and enable_rcu_lazy are boot-time only.
const std::vector<KnobDef>& knob_defs();
const KnobDef* find_knob(std::string_view name);

struct KnobState {
  const KnobDef* def = nullptr;
  bool present = false;
  bool writable = false;  // the file's mode allows a write by root (not tried)
  std::string value;      // as the kernel shows it, trimmed; empty when absent
};

// What the kernel shows, normalized: "N"/"Y" → "0"/"1" for booleans.
std::string normalize_value(const KnobDef& def, std::string_view shown);
// A value for `def` in range, or an error naming the range.
Status check_value(const KnobDef& def, long long value);

std::vector<KnobState> describe_knobs(const std::filesystem::path& sys_root);

// A change recorded in the journal: the value before and the value written.
struct KnobChange {
  std::string name;
  std::string old_value;
  std::string new_value;
};

// The journal: one line per change, "<name> <old> <new>\n", appended and fsynced before the
// write it records. A line cut short by a crash is ignored (its write never happened).
class KnobJournal {
 public:
  explicit KnobJournal(std::filesystem::path file) : file_(std::move(file)) {}
  const std::filesystem::path& file() const { return file_; }
  Status append(const KnobChange& change) const;
  Result<std::vector<KnobChange>> read() const;  // none when the file does not exist
  Status clear() const;                          // unlink, then fsync the directory

 private:
  std::filesystem::path file_;
};

class Knobs {
 public:
  Knobs(std::filesystem::path sys_root, KnobJournal journal)
      : sys_(std::move(sys_root)), journal_(std::move(journal)) {}
  ~Knobs();  // restores what is still changed (errors are logged)
  Knobs(const Knobs&) = delete;
  Knobs& operator=(const Knobs&) = delete;

  // Journals, writes `value`, reads it back; returns the value in force (the kernel may clamp).
  // A knob this object has changed already is not journaled again: the journal keeps its value
  // from before the first change, which is what a crash must put back (a reaction that sets
  // rcu_expedited and puts it back many times costs one fsync).
  Result<std::string> set(std::string_view name, long long value);
  // The value in force now, normalized.
  Result<std::string> current(std::string_view name) const;
  // Puts back every knob this object changed, the last change first, then clears the journal.
  // Goes on past a failed knob; the error names every knob it could not put back.
  Status restore();
  // The knobs changed and not yet restored, with their values before.
  const std::vector<KnobChange>& changed() const { return changed_; }

 private:
  std::filesystem::path sys_;
  KnobJournal journal_;
  std::vector<KnobChange> changed_;
};

// At start-up: what a daemon that died left changed, put back (the oldest value of each knob),
// then the journal cleared. Returns what it restored, for the log.
Result<std::vector<KnobChange>> restore_from_journal(const KnobJournal& journal,
                                                     const std::filesystem::path& sys_root);

}  // namespace mt::rcu
