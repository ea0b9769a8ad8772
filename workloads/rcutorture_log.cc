#include "workloads/rcutorture_log.h"

#include <charconv>
#include <cstdint>

#include "common/result.h"

namespace mt::workloads {
namespace {

// How rcutorture's lines begin (the formats are quoted in the header).
constexpr std::string_view kFloodStart = "rcu_torture_fwd_prog_cr: Starting forward-progress test";
constexpr std::string_view kFlood = "rcu_torture_fwd_prog_cr Duration ";
constexpr std::string_view kHistogram = "rcu_torture_fwd_cb_hist: Callback-invocation histogram ";
constexpr std::string_view kNr = "rcu_torture_fwd_prog_nr: ";
constexpr std::string_view kOom = "rcutorture_oom_notify invoked upon OOM";
constexpr std::string_view kOomFreed = "rcutorture_oom_notify: Freed ";
constexpr std::string_view kEnd = "-torture:--- End of test: ";  // after the torture type
constexpr std::string_view kEndParams = ": nreaders=";           // what makes it rcutorture's
constexpr std::string_view kWarning = "WARNING:";
constexpr std::string_view kSourceFile = "kernel/rcu/rcutorture.c:";

// Reads a line left to right; a step that fails consumes nothing.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool literal(std::string_view s) {
    if (!text_.starts_with(s)) return false;
    text_.remove_prefix(s.size());
    return true;
  }
  template <class Int>
  bool number(Int& out) {
    const auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), out);
    if (ec != std::errc()) return false;
    text_.remove_prefix(static_cast<std::size_t>(end - text_.data()));
    return true;
  }
  void skip_spaces() {
    while (!text_.empty() && text_.front() == ' ') text_.remove_prefix(1);
  }
  // Nothing left, or only more space-separated fields (a newer kernel may add some).
  bool at_field_end() const { return text_.empty() || text_.front() == ' '; }
  bool done() const { return text_.empty(); }
  std::string_view rest() const { return text_; }

 private:
  std::string_view text_;
};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "   12.345678" (dmesg's timestamp) or "  T38" / "C2" (CONFIG_PRINTK_CALLER).
bool is_timestamp(std::string_view s) {
  s = trim(s);
  const auto dot = s.find('.');
  return dot != std::string_view::npos && all_digits(s.substr(0, dot)) &&
         all_digits(s.substr(dot + 1));
}
bool is_caller(std::string_view s) {
  s = trim(s);
  return s.size() > 1 && (s[0] == 'T' || s[0] == 'C') && all_digits(s.substr(1));
}

// `line` without a leading "[...]" whose inside passes `accept`.
template <class Accept>
std::string_view drop_bracketed(std::string_view line, Accept accept) {
  if (!line.starts_with('[')) return line;
  const auto close = line.find(']');
  if (close == std::string_view::npos || !accept(line.substr(1, close - 1))) return line;
  return trim(line.substr(close + 1));
}

// The length of a /dev/kmsg header "<prio>,<seq>,<usec>,<flags>[,...];", or 0 without one.
std::size_t kmsg_header_length(std::string_view line) {
  Cursor c{line};
  std::uint64_t field = 0;
  if (!(c.number(field) && c.literal(",") && c.number(field) && c.literal(",") && c.number(field) &&
        c.literal(",")))
    return 0;
  const auto semi = c.rest().find(';');
  if (semi == std::string_view::npos) return 0;
  return line.size() - c.rest().size() + semi + 1;
}

// Does `message` start like a histogram entry ("3s/10: ...")?
bool starts_with_bucket(std::string_view message) {
  Cursor c{message};
  int label = 0;
  return c.number(label) && c.literal("s/");
}

Result<RcutortureFwdCr> parse_flood(std::string_view message) {
  struct Field {
    std::string_view label;
    long RcutortureFwdCr::*value;
  };
  static constexpr Field kFields[] = {
      {kFlood, &RcutortureFwdCr::duration_jiffies},
      {" barrier: ", &RcutortureFwdCr::barrier_jiffies},
      {" pending ", &RcutortureFwdCr::pending},
      {" n_launders: ", &RcutortureFwdCr::n_launders},
      {" n_launders_sa: ", &RcutortureFwdCr::n_launders_sa},
      {" n_max_gps: ", &RcutortureFwdCr::n_max_gps},
      {" n_max_cbs: ", &RcutortureFwdCr::n_max_cbs},
      {" cver ", &RcutortureFwdCr::cver},
      {" gps ", &RcutortureFwdCr::gps},
  };
  RcutortureFwdCr flood;
  Cursor c{message};
  for (const Field& f : kFields) {
    if (!c.literal(f.label) || !c.number(flood.*f.value) || !c.at_field_end()) {
      std::string_view name = trim(f.label);  // "n_launders:" -> "n_launders"
      name = name.substr(name.rfind(' ') + 1);
      if (name.ends_with(':')) name.remove_suffix(1);
      return make_error("flood summary cut short or garbled at '" + std::string(name) + "'");
    }
  }
  if (c.literal(" #online ")) {
    long online = 0;
    if (!c.number(online) || !c.at_field_end())
      return make_error("flood summary garbled at '#online'");
    flood.online_cpus = online;
  }
  return flood;
}

// "%d Duration %ld cver %ld gps %ld" or "Duration %ld cver %ld gps %ld", after kNr.
Result<RcutortureFwdNr> parse_nr(std::string_view body) {
  RcutortureFwdNr nr;
  Cursor c{body};
  if (!c.literal("Duration ") && !(c.number(nr.index) && c.literal(" Duration ")))
    return make_error("not a cond_resched() test summary");
  if (!(c.number(nr.duration_jiffies) && c.literal(" cver ") && c.number(nr.cver) &&
        c.literal(" gps ") && c.number(nr.gps) && c.at_field_end()))
    return make_error("cond_resched() test summary cut short or garbled");
  return nr;
}

bool is_nr_summary(std::string_view body) {
  Cursor c{body};
  int index = 0;
  return body.starts_with("Duration ") || (c.number(index) && c.literal(" Duration "));
}

}  // namespace

std::string_view kernel_log_message(std::string_view line) {
  line = line.substr(0, line.find('\n'));  // kmsg: " KEY=value" lines follow the first '\n'
  if (const std::size_t header = kmsg_header_length(line)) return trim(line.substr(header));
  Cursor c{line};
  int level = 0;
  if (c.literal("<") && c.number(level) && c.literal(">")) line = c.rest();  // dmesg -r
  line = drop_bracketed(line, is_timestamp);
  line = drop_bracketed(line, is_caller);
  return trim(line);
}

void RcutortureLogParser::feed(std::string_view line) {
  const std::string_view message = kernel_log_message(line);
  if (message.empty()) return;
  if (histogram_open_ && starts_with_bucket(message)) return on_buckets(message, message);
  if (message.starts_with(kWarning)) return on_warning(message);
  if (message.starts_with(kFlood)) return on_flood(message);
  if (message.starts_with(kHistogram)) return on_histogram(message);
  if (message.starts_with(kFloodStart)) {
    ++result_.floods_started;
    return;
  }
  if (message.starts_with(kNr) && is_nr_summary(message.substr(kNr.size())))
    return on_nr(message.substr(kNr.size()), message);
  if (message.starts_with(kOom)) {
    result_.failures.push_back(
        "rcutorture_oom_notify: the system ran out of memory during forward-progress testing");
    return;
  }
  if (message.starts_with(kOomFreed)) {
    Cursor c{message.substr(kOomFreed.size())};
    long freed = 0;
    if (c.number(freed)) result_.oom_freed_callbacks += freed;
    return;
  }
  if (const auto end = message.find(kEnd);
      end != std::string_view::npos && end > 0 &&
      message.substr(0, end).find(' ') == std::string_view::npos) {
    histogram_open_ = false;
    return on_end(message.substr(0, end), message.substr(end + kEnd.size()), message);
  }
}

void RcutortureLogParser::on_flood(std::string_view message) {
  auto flood = parse_flood(message);
  if (!flood) {
    result_.malformed.push_back(flood.error().message + ": " + std::string(message));
    return;
  }
  result_.floods.push_back(*flood);
  if (flood->n_max_gps < kRcutortureMinFwdCbsLaundered) {
    result_.failures.push_back("rcu_torture_fwd_prog_cr: flood " +
                               std::to_string(result_.floods.size()) + " had n_max_gps " +
                               std::to_string(flood->n_max_gps) + " < " +
                               std::to_string(kRcutortureMinFwdCbsLaundered) +
                               ": too few callbacks were invoked 3 times (rcutorture's WARN_ON)");
  }
}

void RcutortureLogParser::on_histogram(std::string_view message) {
  histogram_open_ = false;
  RcutortureHistogram histogram;
  Cursor c{message.substr(kHistogram.size())};
  if (!c.literal("(duration ")) {
    if (!(c.number(histogram.index) && c.literal(" (duration "))) {
      result_.malformed.push_back("histogram header garbled: " + std::string(message));
      return;
    }
  }
  if (!(c.number(histogram.duration_jiffies) && c.literal(" jiffies):"))) {
    result_.malformed.push_back("histogram header cut short or garbled: " + std::string(message));
    return;
  }
  result_.histograms.push_back(std::move(histogram));
  histogram_open_ = true;
  on_buckets(c.rest(), message);
}

// Entries " %ds/%d: %ld:%ld", in order from "1s/10", as many as `entries` holds.
void RcutortureLogParser::on_buckets(std::string_view entries, std::string_view message) {
  RcutortureHistogram& histogram = result_.histograms.back();
  Cursor c{entries};
  for (c.skip_spaces(); !c.done(); c.skip_spaces()) {
    const std::string_view entry = c.rest();
    int label = 0;
    int per_second = 0;
    RcutortureHistogram::Bucket bucket;
    if (!(c.number(label) && c.literal("s/") && c.number(per_second) && per_second > 0 &&
          c.literal(": ") && c.number(bucket.callbacks) && c.literal(":") && c.number(bucket.gps) &&
          c.at_field_end())) {
      result_.malformed.push_back("histogram entry is not '<n>s/<d>: <callbacks>:<gps>' at '" +
                                  std::string(entry) + "': " + std::string(message));
      return;
    }
    const int due = static_cast<int>(histogram.buckets.size()) + 1;
    if (label != due) {
      result_.malformed.push_back("histogram entry " + std::to_string(label) + "s where " +
                                  std::to_string(due) + "s was due: " + std::string(message));
      return;
    }
    bucket.end_ms = label * 1000 / per_second;
    histogram.buckets.push_back(bucket);
  }
}

void RcutortureLogParser::on_nr(std::string_view body, std::string_view message) {
  auto nr = parse_nr(body);
  if (!nr) {
    result_.malformed.push_back(nr.error().message + ": " + std::string(message));
    return;
  }
  result_.nr_tests.push_back(*nr);
  if (nr->cver == 0 && nr->gps < 2) {
    result_.failures.push_back("rcu_torture_fwd_prog_nr: no update and " + std::to_string(nr->gps) +
                               " grace periods in a cond_resched() loop (rcutorture's WARN_ON)");
  }
}

// `rest` is what follows "<type>-torture:--- End of test: ".
void RcutortureLogParser::on_end(std::string_view type, std::string_view rest,
                                 std::string_view message) {
  const auto colon = rest.find(':');
  const std::string_view outcome = rest.substr(0, colon);
  const std::string_view params =
      colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
  if (!params.starts_with(kEndParams)) {
    // Cut short, or another torture module's line (locktorture prints "acq_writer_lim=" here).
    if (kEndParams.starts_with(params))
      result_.malformed.push_back("End of test line cut short: " + std::string(message));
    return;
  }
  result_.outcome = std::string(outcome);
  result_.success = outcome == "SUCCESS";
  result_.torture_type = std::string(type);
  result_.end_line = std::string(message);
}

// "WARNING: CPU: 1 PID: 583 at kernel/rcu/rcutorture.c:2806 rcu_torture_fwd_prog_cr+0x22c/..."
// or "WARNING: kernel/rcu/rcutorture.c:2806 at rcu_torture_fwd_prog_cr+0x22c/..., CPU#1: ...".
void RcutortureLogParser::on_warning(std::string_view message) {
  const auto at = message.find(kSourceFile);
  if (at == std::string_view::npos) return;
  Cursor c{message.substr(at + kSourceFile.size())};
  int source_line = 0;
  if (!c.number(source_line)) return;
  c.skip_spaces();
  c.literal("at ");
  const std::string_view function = c.rest().substr(0, c.rest().find_first_of("+ ,"));
  std::string failure = "WARNING at kernel/rcu/rcutorture.c:" + std::to_string(source_line);
  if (!function.empty()) failure += " in " + std::string(function);
  result_.failures.push_back(std::move(failure));
}

}  // namespace mt::workloads
