#include "rcu/knobs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "common/fs.h"

namespace mt::rcu {

const std::vector<KnobDef>& knob_defs() {
  static const std::vector<KnobDef> defs = {
      {"rcu_expedited", "kernel/rcu_expedited", KnobType::integer, 0, 1,
       "synchronize_rcu() callers wait for an expedited grace period"},
      {"rcu_normal", "kernel/rcu_normal", KnobType::integer, 0, 1,
       "expedited grace periods are turned into normal ones (wins over rcu_expedited)"},
      {"jiffies_till_first_fqs", "module/rcutree/parameters/jiffies_till_first_fqs",
       KnobType::integer, 0, 300, "jiffies from a grace period's start to its first force-quiescent-state scan"},
      {"jiffies_till_next_fqs", "module/rcutree/parameters/jiffies_till_next_fqs",
       KnobType::integer, 1, 300, "jiffies between later force-quiescent-state scans"},
      {"rcu_divisor", "module/rcutree/parameters/rcu_divisor", KnobType::integer, 0, 31,
       "callbacks invoked per batch: the queue length shifted right by this"},
      {"rcu_resched_ns", "module/rcutree/parameters/rcu_resched_ns", KnobType::integer, 0,
       1'000'000'000, "how long a callback batch may run before it yields"},
      {"rcu_kick_kthreads", "module/rcutree/parameters/rcu_kick_kthreads", KnobType::boolean, 0,
       1, "wake RCU kthreads that slept through a grace period"},
      {"rcu_normal_wake_from_gp", "module/rcutree/parameters/rcu_normal_wake_from_gp",
       KnobType::integer, 0, 1, "synchronize_rcu() waiters woken by the grace-period kthread"},
  };
  return defs;
}

const KnobDef* find_knob(std::string_view name) {
  for (const auto& d : knob_defs())
    if (d.name == name) return &d;
  return nullptr;
}

std::string normalize_value(const KnobDef& def, std::string_view shown) {
  while (!shown.empty() && std::isspace(static_cast<unsigned char>(shown.back())))
    shown.remove_suffix(1);
  while (!shown.empty() && std::isspace(static_cast<unsigned char>(shown.front())))
    shown.remove_prefix(1);
  std::string v(shown);
  if (def.type == KnobType::boolean) {
    if (v == "Y" || v == "y") return "1";
    if (v == "N" || v == "n") return "0";
  }
  return v;
}

Status check_value(const KnobDef& def, long long value) {
  if (value < def.min || value > def.max)
    return make_error(fmt::format("{} must be between {} and {}", def.name, def.min, def.max));
  return {};
}

std::vector<KnobState> describe_knobs(const std::filesystem::path& sys_root) {
  std::vector<KnobState> out;
  for (const auto& def : knob_defs()) {
    KnobState k;
    k.def = &def;
    const auto path = sys_root / def.path;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      k.present = true;
      k.writable = (st.st_mode & S_IWUSR) != 0;
      if (auto v = fs::read_line(path)) k.value = normalize_value(def, *v);
    }
    out.push_back(std::move(k));
  }
  return out;
}

// ---- the journal ------------------------------------------------------------------------

Status KnobJournal::append(const KnobChange& c) const {
  return fs::append_synced(file_, fmt::format("{} {} {}\n", c.name, c.old_value, c.new_value));
}

Result<std::vector<KnobChange>> KnobJournal::read() const {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return std::vector<KnobChange>{};
  auto text = fs::read_file(file_);
  if (!text) return text.error();
  std::vector<KnobChange> out;
  std::size_t start = 0;
  int line_no = 0;
  while (start < text->size()) {
    const auto nl = text->find('\n', start);
    if (nl == std::string::npos) break;  // cut short by a crash: its write never happened
    ++line_no;
    std::istringstream line(text->substr(start, nl - start));
    start = nl + 1;
    KnobChange c;
    std::string extra;
    if (!(line >> c.name >> c.old_value >> c.new_value) || (line >> extra) || !find_knob(c.name))
      return make_error(fmt::format("{}:{}: not a knob change (\"<knob> <old> <new>\")",
                                    file_.string(), line_no));
    out.push_back(std::move(c));
  }
  return out;
}

Status KnobJournal::clear() const {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
  if (ec) return make_error(fmt::format("cannot remove {}: {}", file_.string(), ec.message()));
  return fs::sync_directory(file_.parent_path());
}

// ---- changes ----------------------------------------------------------------------------

namespace {

// The kernel's files want the value as a single write; booleans take 0/1 too.
Status write_knob(const std::filesystem::path& sys, const KnobDef& def, const std::string& value) {
  return fs::write_file(sys / def.path, value);
}

// Puts back `changes` (oldest value of each knob), the last changed first. Goes on past a
// failure; the error names each knob left changed.
Status put_back(const std::filesystem::path& sys, const std::vector<KnobChange>& changes,
                std::vector<KnobChange>* restored) {
  std::vector<std::string> failed;
  std::set<std::string> done;
  // The first change of a knob holds its value before the campaign: walk from the end, but
  // restore each knob to the old value of its first entry.
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    if (done.contains(it->name)) continue;
    done.insert(it->name);
    const auto first = std::find_if(changes.begin(), changes.end(),
                                    [&](const KnobChange& c) { return c.name == it->name; });
    const KnobDef* def = find_knob(it->name);
    if (!def) continue;  // read() refuses unknown names
    if (auto st = write_knob(sys, *def, first->old_value); !st) {
      failed.push_back(fmt::format("{} (left at {}: {})", it->name, it->new_value,
                                   st.error().message));
      continue;
    }
    spdlog::info("rcu knob {} put back to {}", it->name, first->old_value);
    if (restored) restored->push_back({it->name, it->new_value, first->old_value});
  }
  if (!failed.empty())
    return make_error(fmt::format("cannot put back RCU knob(s): {}", fmt::join(failed, "; ")));
  return {};
}

}  // namespace

Knobs::~Knobs() {
  if (changed_.empty()) return;
  if (auto st = restore(); !st) spdlog::error("{}", st.error().message);
}

Result<std::string> Knobs::set(std::string_view name, long long value) {
  const KnobDef* def = find_knob(name);
  if (!def) return make_error(fmt::format("unknown RCU knob '{}'", name));
  if (auto st = check_value(*def, value); !st) return st.error();
  const auto path = sys_ / def->path;
  auto before = fs::read_line(path);
  if (!before) return before.error();
  const KnobChange change{std::string(name), normalize_value(*def, *before), std::to_string(value)};
  const bool journaled = std::any_of(changed_.begin(), changed_.end(),
                                     [&](const KnobChange& c) { return c.name == name; });
  if (!journaled) {
    // On disk before the kernel sees it: a crash right after the write still gets it put back.
    if (auto st = journal_.append(change); !st) return st.error();
    changed_.push_back(change);
  }
  if (auto st = write_knob(sys_, *def, change.new_value); !st) return st.error();
  spdlog::info("rcu knob {}: {} -> {}", name, change.old_value, change.new_value);
  auto after = fs::read_line(path);
  if (!after) return after.error();
  return normalize_value(*def, *after);
}

Result<std::string> Knobs::current(std::string_view name) const {
  const KnobDef* def = find_knob(name);
  if (!def) return make_error(fmt::format("unknown RCU knob '{}'", name));
  auto shown = fs::read_line(sys_ / def->path);
  if (!shown) return shown.error();
  return normalize_value(*def, *shown);
}

Status Knobs::restore() {
  if (changed_.empty()) return {};
  auto st = put_back(sys_, changed_, nullptr);
  changed_.clear();
  // A knob left changed stays in the journal: the next daemon tries again.
  if (!st) return st;
  return journal_.clear();
}

Result<std::vector<KnobChange>> restore_from_journal(const KnobJournal& journal,
                                                     const std::filesystem::path& sys_root) {
  auto changes = journal.read();
  if (!changes) return changes.error();
  std::vector<KnobChange> restored;
  if (changes->empty()) {
    if (auto st = journal.clear(); !st && std::filesystem::exists(journal.file())) return st.error();
    return restored;
  }
  if (auto st = put_back(sys_root, *changes, &restored); !st) return st.error();
  if (auto st = journal.clear(); !st) return st.error();
  return restored;
}

}  // namespace mt::rcu
