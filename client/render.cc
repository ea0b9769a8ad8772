#include "client/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "common/units.h"

namespace mt::client {

int exit_code_for(pb::CampaignState state) {
  switch (state) {
    case pb::PASSED:
      return kPassed;
    case pb::FAILED:
      return kFailed;
    default:
      return kUnreachable;  // aborted, error, or never finished
  }
}

std::string state_name(pb::CampaignState state) {
  switch (state) {
    case pb::PENDING:
      return "pending";
    case pb::RUNNING:
      return "running";
    case pb::PASSED:
      return "passed";
    case pb::FAILED:
      return "failed";
    case pb::ABORTED:
      return "aborted";
    case pb::ERROR:
      return "error";
    default:
      return "unknown";
  }
}

bool is_final(pb::CampaignState state) {
  return state == pb::PASSED || state == pb::FAILED || state == pb::ABORTED || state == pb::ERROR;
}

std::string metric_text(double value, const std::string& unit) {
  if (unit == "bytes") return human_bytes(value);
  if (unit == "%") return fmt::format("{:.2f}%", value);
  if (unit == "bytes/s") return human_bytes(value) + "/s";
  if (unit.empty()) return human_count(value);
  return fmt::format("{} {}", human_count(value), unit);
}

std::string counted(std::size_t n, std::string_view singular, std::string_view plural) {
  if (n == 1) return fmt::format("1 {}", singular);
  if (plural.empty()) return fmt::format("{} {}s", n, singular);
  return fmt::format("{} {}", n, plural);
}

double Progress::flood_rate(
    const google::protobuf::RepeatedPtrField<pb::WorkloadStatus>& workloads) {
  double sum = 0;
  for (const auto& w : workloads)
    if (w.type() == "flood" && w.state() == "running") sum += w.ops_per_s();
  return sum;
}

bool Progress::has_flood(const google::protobuf::RepeatedPtrField<pb::WorkloadStatus>& workloads) {
  for (const auto& w : workloads)
    if (w.type() == "flood") return true;
  return false;
}

std::string Progress::apply(const pb::CampaignEvent& ev) {
  t_s_ = std::max(t_s_, ev.t_s());
  switch (ev.event_case()) {
    case pb::CampaignEvent::kSnapshot: {
      const auto& c = ev.snapshot();
      state_ = c.state();
      duration_s_ = c.duration_s();
      t_s_ = c.elapsed_s();
      if (c.has_latest()) {
        sample_ = c.latest();
        have_sample_ = true;
        for (const auto& [name, value] : sample_.metrics()) latest_metrics_[name] = value;
        oom_kills_ = sample_.oom_kills();
      }
      flood_ops_per_s_ = flood_rate(c.workloads());
      has_flood_ = has_flood(c.workloads());
      metrics_.assign(c.metrics().begin(), c.metrics().end());
      if (is_final(c.state()))
        final_snapshot_ = c;
      else
        final_snapshot_.reset();
      break;
    }
    case pb::CampaignEvent::kSample:
      sample_ = ev.sample();
      have_sample_ = true;
      for (const auto& [name, value] : sample_.metrics()) latest_metrics_[name] = value;
      oom_kills_ = sample_.oom_kills();
      break;
    case pb::CampaignEvent::kWorkloads:
      flood_ops_per_s_ = flood_rate(ev.workloads().workloads());
      has_flood_ = has_flood(ev.workloads().workloads());
      break;
    case pb::CampaignEvent::kState:
      state_ = ev.state().state();
      break;
    case pb::CampaignEvent::kOomKill:
      oom_kills_ = ev.oom_kill().total();
      break;
    case pb::CampaignEvent::kCriterion:
      if (!ev.criterion().pass() && !failed_criteria_shown_.insert(ev.criterion().name()).second)
        return {};  // already shown when it first failed
      break;
    default:
      break;
  }
  return notable(ev);
}

std::string Progress::line() const {
  std::string out = fmt::format("[{:6.1f}s/{:.1f}s] {:<8}", t_s_, duration_s_, state_name(state_));
  if (have_sample_) {
    const double usage = static_cast<double>(sample_.usage_bytes());
    const double limit = static_cast<double>(sample_.limit_bytes());
    out += fmt::format(" mem {}/{} ({:.0f}%)  kernel {}", human_bytes(usage), human_bytes(limit),
                       limit > 0 ? 100.0 * usage / limit : 0.0,
                       human_bytes(static_cast<double>(sample_.kernel_bytes())));
    if (limit > 0)
      out +=
          fmt::format("  headroom {}", human_bytes(static_cast<double>(sample_.headroom_bytes())));
    if (sample_.failcnt()) out += fmt::format("  failcnt {}", sample_.failcnt());
    const auto& psi = sample_.has_cgroup_psi() ? sample_.cgroup_psi() : sample_.system_psi();
    if (sample_.has_cgroup_psi() || sample_.has_system_psi())
      out += fmt::format("  psi some {:.2f} full {:.2f}{}", psi.some_avg10(), psi.full_avg10(),
                         sample_.has_cgroup_psi() ? "" : " (system)");
  }
  if (has_flood_) out += fmt::format("  flood {} ops/s", human_count(flood_ops_per_s_));
  if (oom_kills_) out += fmt::format("  OOM kills {}", oom_kills_);
  if (have_sample_) out += oom_text(sample_);
  // The campaign parts' figures that have a label, as declared (the snapshot carries their
  // units), each at its latest value: some are measured less often than samples are taken.
  for (const auto& m : metrics_)
    if (auto it = latest_metrics_.find(m.name()); !m.label().empty() && it != latest_metrics_.end())
      out += fmt::format("  {} {}", m.label(), metric_text(it->second, m.unit()));
  while (!out.empty() && out.back() == ' ') out.pop_back();  // "pending" alone
  return out;
}

std::string oom_text(const pb::Sample& s) {
  const auto& m = s.metrics();
  const auto level = m.find("oom.proximity");
  const auto eta = m.find("oom.eta_s");
  std::string out;
  if (level != m.end() && level->second >= 3) return "  oom reached";
  if (level != m.end() && level->second >= 1)
    out = fmt::format("  oom {}", oom_level_name(level->second));
  if (eta != m.end())
    out += fmt::format("{} in ~{}", out.empty() ? "  oom" : "", eta_text(eta->second));
  return out;
}

std::string eta_text(double s) {
  return s < 10 ? fmt::format("{:.1f}s", s) : fmt::format("{:.0f}s", s);
}

std::string oom_level_name(double level) {
  static constexpr std::array<const char*, 4> kNames = {"ok", "elevated", "critical", "oom"};
  const int i = static_cast<int>(level);
  return i >= 0 && i < 4 ? kNames[static_cast<std::size_t>(i)] : fmt::format("level {}", level);
}

std::string oom_look_text(const pb::OomProximity& l) {
  std::string out = fmt::format("{}: {} (score {:.2f})\n", l.of(), l.level(), l.score());
  out += fmt::format("  {}\n", l.reason());
  if (l.has_eta())
    out += fmt::format("  time to OOM    ~{} ({}..{}), unreclaimable memory growing {}/s\n",
                       eta_text(l.eta_s()), eta_text(l.eta_low_s()), eta_text(l.eta_high_s()),
                       human_bytes(l.growth_bytes_per_s()));
  else
    out += "  time to OOM    none: unreclaimable memory is not growing\n";
  out += fmt::format("  memory         {} of {}; reclaimable {}, waiting in RCU {}; effective "
                     "headroom {}\n",
                     human_bytes(l.usage_bytes()), human_bytes(l.limit_bytes()),
                     human_bytes(l.reclaimable_bytes()), human_bytes(l.rcu_waiting_bytes()),
                     human_bytes(l.effective_headroom_bytes()));
  out += "  pressure       ";
  out += l.has_psi() ? fmt::format("PSI some {:.2f}% full {:.2f}%", l.psi_some_avg10(),
                                   l.psi_full_avg10())
                     : std::string("no PSI");
  if (l.has_reclaim_rates())
    out += fmt::format("; reclaim scan {}/s steal {}/s (pages)", human_count(l.scan_pages_per_s()),
                       human_count(l.steal_pages_per_s()));
  out += fmt::format("; OOM kills {}; limit hits {}\n", l.oom_kills(), l.failcnt());
  return out;
}

std::string Progress::notable(const pb::CampaignEvent& ev) {
  switch (ev.event_case()) {
    case pb::CampaignEvent::kOomKill:
      return fmt::format(
          "{:6.1f}s  OOM kill #{}{}", ev.t_s(), ev.oom_kill().total(),
          ev.oom_kill().workload().empty() ? "" : " of workload " + ev.oom_kill().workload());
    case pb::CampaignEvent::kPsiTrigger:
      return fmt::format("{:6.1f}s  PSI trigger: {} stall over {} ms in {} s", ev.t_s(),
                         ev.psi_trigger().kind(), ev.psi_trigger().stall_us() / 1000,
                         ev.psi_trigger().window_us() / 1000000.0);
    case pb::CampaignEvent::kCriterion:
      if (ev.criterion().pass()) return {};
      return fmt::format("{:6.1f}s  criterion {} failed: {}", ev.t_s(), ev.criterion().name(),
                         ev.criterion().detail());
    case pb::CampaignEvent::kLog:
      return fmt::format("{:6.1f}s  {}", ev.t_s(), ev.log());
    default:
      return {};
  }
}

std::string summary(const pb::Campaign& c) {
  std::string out;
  out += fmt::format("campaign {} ({}): {}\n", c.name(), c.id(), state_name(c.state()));
  if (!c.reason().empty()) out += fmt::format("  reason: {}\n", c.reason());
  out += fmt::format("  ran {:.1f} s of {:.1f} s\n\n", c.elapsed_s(), c.duration_s());
  out += fmt::format("  {:<16} {:<6} {:<11} {:>12} {:>12} {:>8}  {}\n", "workload", "type", "kind",
                     "ops", "ops/s", "errors", "exit");
  for (const auto& w : c.workloads())
    out += fmt::format("  {:<16} {:<6} {:<11} {:>12} {:>12} {:>8}  {}\n", w.name(), w.type(),
                       w.kind().empty() ? "-" : w.kind(), w.ops(), human_count(w.ops_per_s()),
                       w.errors(),
                       w.exit_status().empty() ? w.state() + (w.paused() ? " (paused)" : "")
                                               : w.exit_status());
  if (c.has_latest()) {
    const auto& s = c.latest();
    out += fmt::format(
        "\n  memory: limit {}, peak {}, kernel peak {}, lowest headroom {}, failcnt {}, "
        "OOM kills {}\n",
        human_bytes(static_cast<double>(s.limit_bytes())),
        human_bytes(static_cast<double>(c.peak_bytes())),
        human_bytes(static_cast<double>(c.max_kernel_bytes())),
        c.has_min_headroom() ? human_bytes(static_cast<double>(c.min_headroom_bytes())) : "-",
        c.failcnt(), s.oom_kills());
  }
  if (c.criteria_size()) {
    std::size_t width = 20;  // the widest name, for criteria on long figure names
    for (const auto& k : c.criteria()) width = std::max(width, k.name().size());
    out += fmt::format("\n  {:<{}} {:<6} {}\n", "criterion", width, "result", "detail");
    for (const auto& k : c.criteria())
      out += fmt::format("  {:<{}} {:<6} {}\n", k.name(), width, k.pass() ? "pass" : "FAIL",
                         k.detail());
  }
  // The daemon sets report_path once the file exists; a campaign still running has none yet.
  if (!is_final(c.state()))
    out += "\n  report: written when the campaign ends\n";
  else if (!c.report_path().empty())
    out += fmt::format("\n  report: {}\n", c.report_path());
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// One test case per criterion; a campaign that did not complete (aborted, error) adds a failing
// "campaign" case so CI never reads it as green.
std::string junit_xml(const pb::Campaign& c) {
  int failures = 0, tests = c.criteria_size();
  for (const auto& k : c.criteria()) failures += k.pass() ? 0 : 1;
  const bool completed = c.state() == pb::PASSED || c.state() == pb::FAILED;
  if (!completed) {
    ++tests;
    ++failures;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
      xml_escape(c.name()), tests, failures, c.elapsed_s());
  out += fmt::format(
      "    <properties><property name=\"id\" value=\"{}\"/><property name=\"verdict\" "
      "value=\"{}\"/></properties>\n",
      xml_escape(c.id()), state_name(c.state()));
  if (!completed)
    out += fmt::format(
        "    <testcase classname=\"{}\" name=\"campaign\"><failure message=\"{}\"/></testcase>\n",
        xml_escape(c.name()), xml_escape(state_name(c.state()) + ": " + c.reason()));
  for (const auto& k : c.criteria()) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml_escape(c.name()),
                       xml_escape(k.name()));
    if (k.pass())
      out += fmt::format("><system-out>{}</system-out></testcase>\n", xml_escape(k.detail()));
    else
      out += fmt::format("><failure message=\"{}\"/></testcase>\n", xml_escape(k.detail()));
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string junit_error_xml(const std::string& suite, const std::string& id,
                            const std::string& message) {
  // The attribute gets the message on one line (attribute values lose their newlines); the
  // element's text keeps it as it was printed.
  std::string one_line = message;
  while (!one_line.empty() && one_line.back() == '\n') one_line.pop_back();
  for (std::size_t pos; (pos = one_line.find('\n')) != std::string::npos;)
    one_line.replace(pos, 1, "; ");
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites>\n  <testsuite name=\"{}\" tests=\"1\" failures=\"1\" time=\"0.000\">\n",
      xml_escape(suite));
  if (!id.empty())
    out += fmt::format("    <properties><property name=\"id\" value=\"{}\"/></properties>\n",
                       xml_escape(id));
  out += fmt::format(
      "    <testcase classname=\"{}\" name=\"campaign\"><failure message=\"{}\">{}</failure>"
      "</testcase>\n",
      xml_escape(suite), xml_escape(one_line), xml_escape(message));
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

namespace {

std::string ms_text(double us) {
  return fmt::format("{:.1f} ms", us / 1000);
}
std::string bytes_text(double b) {
  return human_bytes(b);
}

std::string outcome_name(pb::LedgerBarrierBacklog::Outcome o) {
  switch (o) {
    case pb::LedgerBarrierBacklog::OUTCOME_RAN:
      return "ran";
    case pb::LedgerBarrierBacklog::OUTCOME_SKIPPED:
      return "skipped";
    case pb::LedgerBarrierBacklog::OUTCOME_THROTTLED:
      return "throttled";
    default:
      return "unknown";
  }
}

// One row of a list: the name to column 36, then bytes and a count in columns of their own, so
// the lists of every section line up.
std::string row(std::string_view indent, std::string_view name, const std::string& bytes,
                const std::string& count, std::string_view unit) {
  return fmt::format("{}{:<{}}{:>12} {:>7} {}\n", indent, name, 36 - indent.size(), bytes, count,
                     unit);
}

// "    UDP (1.3Ki)                            4.0Mi    3.0k objects"
std::string cache_bytes_line(const pb::LedgerCacheBytes& c) {
  const std::string name = c.object_size() > 0
                               ? fmt::format("{} ({})", c.name(), bytes_text(c.object_size()))
                               : c.name();
  return row("    ", name, bytes_text(c.bytes()), human_count(c.objects()), "objects");
}

void freed_lines(const pb::LedgerFreedRates& f, std::string& out) {
  out += fmt::format("freed by RCU    {}/s over {:.1f} s: {} objects/s, {} pages/s, {} kfree/s",
                     bytes_text(f.bytes_per_s()), f.seconds(), human_count(f.objects_per_s()),
                     human_count(f.pages_per_s()), human_count(f.kfree_per_s()));
  if (f.batch_bytes_per_s() > 0)
    out += fmt::format("; {}/s of it from kfree_rcu() batches", bytes_text(f.batch_bytes_per_s()));
  if (f.recursion_misses() > 0)
    out += fmt::format("; {} not seen (recursion misses)", counted(f.recursion_misses(), "free"));
  out += "\n";
  for (const auto& c : f.top_caches())
    out += row("  ", c.name(), bytes_text(c.bytes_per_s()) + "/s", human_count(c.objects_per_s()),
               "objects/s");
}

void pending_lines(const pb::LedgerPendingCounts& p, std::string& out) {
  out += fmt::format("pending now     {} callbacks (done {}, wait {}, next_ready {}, next {}",
                     human_count(p.callbacks()), human_count(p.done()), human_count(p.wait()),
                     human_count(p.next_ready()), human_count(p.next()));
  if (p.has_lazy()) out += fmt::format(", lazy {}", human_count(p.lazy()));
  if (p.has_bypass() && p.bypass() > 0) out += fmt::format(", bypass {}", human_count(p.bypass()));
  out += fmt::format("); kfree_rcu() batches {} objects\n", human_count(p.krc_objects()));
}

void pending_bytes_lines(const pb::LedgerPendingBytes& b, std::string& out) {
  out += fmt::format(
      "pending bytes   {} in {} callbacks, {} with those done or being invoked ({}, ~{}); walk {}",
      bytes_text(b.bytes()), human_count(b.callbacks()), bytes_text(b.bytes_with_done()),
      human_count(b.done_callbacks() + b.invoking_callbacks()), bytes_text(b.done_bytes_estimate()),
      ms_text(b.took_us()));
  if (!b.complete())
    out += fmt::format(", incomplete ({} of {} callbacks)", human_count(b.callbacks()),
                       human_count(b.expected()));
  if (b.retries() > 0) out += fmt::format(", {} redone", counted(b.retries(), "CPU walk"));
  out += "\n";
  if (b.by_function_size() > 0) out += "  by function\n";
  for (const auto& f : b.by_function())
    out += row("    ", f.name(), bytes_text(f.bytes()), human_count(f.callbacks()), "callbacks");
  if (b.by_cache_size() > 0) out += "  by cache\n";
  for (const auto& c : b.by_cache()) out += cache_bytes_line(c);
  if (b.has_krc()) {
    out += fmt::format("  kfree_rcu() batches: {} objects, {}\n", human_count(b.krc().objects()),
                       bytes_text(b.krc().bytes()));
    for (const auto& c : b.krc().by_cache()) out += cache_bytes_line(c);
  }
}

void barrier_lines(const pb::LedgerBarrierBacklog& b, std::string& out) {
  out += fmt::format(
      "barrier backlog {} in {}: {} freed ({} objects, {} callbacks invoked; pending {} -> {})",
      outcome_name(b.outcome()), ms_text(b.duration_us()), bytes_text(b.bytes()),
      human_count(b.objects()), human_count(b.callbacks_invoked()), human_count(b.pending_before()),
      human_count(b.pending_after()));
  if (b.recursion_misses() > 0)
    out += fmt::format("; {} not seen", counted(b.recursion_misses(), "free"));
  out += "\n";
  if (!b.detail().empty()) out += fmt::format("                {}\n", b.detail());
  for (const auto& c : b.by_cache())
    out += row("  ", c.name(), bytes_text(c.bytes()), human_count(c.objects()), "objects");
}

}  // namespace

std::string ledger_text(const pb::LedgerReading& l) {
  const auto& c = l.coverage();
  std::string out =
      fmt::format("RCU ledger      {}, {} read\n", c.flavour().empty() ? "?" : c.flavour(),
                  counted(static_cast<std::size_t>(c.cpus_size()), "CPU"));
  if (l.has_freed()) freed_lines(l.freed(), out);
  if (l.has_pending()) pending_lines(l.pending(), out);
  if (l.has_pending_bytes()) pending_bytes_lines(l.pending_bytes(), out);
  if (l.has_barrier_backlog()) barrier_lines(l.barrier_backlog(), out);
  for (int i = 0; i < c.notes_size(); ++i)
    out += fmt::format("{}{}\n", i == 0 ? "ledger notes    " : "                ", c.notes(i));
  return out;
}

}  // namespace mt::client
