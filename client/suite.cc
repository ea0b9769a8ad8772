// memtorturectl suite: the nightly run. Campaign files one after the other (a folder: its *.yaml,
// sorted), a settle step between them, and what CI keeps: one JUnit file, and with --out a folder
// with every campaign's report.json and HTML page and an index.html; with --history the night's
// headline figures appended to a JSON Lines file that the index plots.
#include <fmt/format.h>
#include <fmt/chrono.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>
#include <thread>

#include "campaign/parse.h"
#include "client/campaign_file.h"
#include "client/commands.h"
#include "client/daemon_client.h"
#include "client/follow.h"
#include "client/html_report.h"
#include "client/interrupt.h"
#include "client/json_output.h"
#include "client/render.h"
#include "client/report_files.h"
#include "client/suite_report.h"
#include "common/fs.h"

namespace mt::client {
namespace {

namespace stdfs = std::filesystem;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr const char* kHistoryFile = "history.jsonl";
// Between two campaigns: an rcu_barrier() so that the last one's callbacks are invoked, then a
// pause for the slab and the page allocator to settle (as between the runs of variants).
constexpr std::chrono::milliseconds kSettlePause{1000};
// What a campaign needs beyond its duration: start-up, teardown, the settle step.
constexpr double kOverheadPerRunS = 3.0;

// The campaign files of `inputs`, in order: a file as given, a folder's *.yaml sorted by name.
Result<std::vector<std::string>> campaign_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (stdfs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : stdfs::directory_iterator(in, ec))
        if (e.path().extension() == ".yaml" && e.is_regular_file(ec))
          found.push_back(e.path().string());
      if (ec) return make_error(fmt::format("{}: {}", in, ec.message()));
      if (found.empty()) return make_error(fmt::format("{}: no *.yaml campaign file in it", in));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (stdfs::exists(in, ec)) {
      files.push_back(in);
    } else {
      return make_error(fmt::format("{}: no such file or folder", in));
    }
  }
  return files;
}

// How long the campaign in `file` should take, from its own text (0 when it does not parse:
// the daemon will refuse it at once).
double planned_seconds(const std::string& file) {
  std::string text;
  if (read_campaign_text(file, &text)) return 0;
  campaign::ParseOptions po;
  po.file_name = file;
  const auto parsed = campaign::parse_campaign(text, po);
  if (!parsed.ok()) return 0;
  std::uint32_t runs = 0;
  for (const auto& v : parsed.spec->variants) runs += v.repeat;
  runs = std::max<std::uint32_t>(runs, 1);
  return runs * (std::chrono::duration<double>(parsed.spec->duration).count() + kOverheadPerRunS);
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

std::string first_lines(const std::string& message) {
  std::string out;
  std::size_t at = 0;
  while (at < message.size()) {
    auto nl = message.find('\n', at);
    std::string line = message.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
    at = nl == std::string::npos ? message.size() : nl + 1;
  }
  return out;
}

// Writes `text` to `path`; a failure is told, and the suite goes on.
void write_artifact(const GlobalOptions& g, const stdfs::path& path, const std::string& text) {
  if (auto st = fs::write_file(path, text, /*create=*/true); !st)
    g.console->err(fmt::format("suite: cannot write {}: {}\n", path.string(), st.error().message));
}

class Suite {
 public:
  Suite(const GlobalOptions& g, const SuiteOptions& o, Interrupt& interrupt)
      : g_(g), o_(o), interrupt_(interrupt) {}

  int run() {
    auto files = campaign_files(o_.inputs);
    if (!files) return fail({kInvalid, "suite: " + files.error().message});
    if (!o_.out.empty() || !o_.history.empty()) {
      auto assets = load_html_assets();
      if (!assets) return fail({kInvalid, "suite: " + assets.error().message});
      assets_ = std::move(*assets);
    }
    for (const std::string& dir : {o_.out, o_.history}) {
      std::error_code ec;
      if (!dir.empty() && !stdfs::create_directories(dir, ec) && ec)
        return fail({kInvalid, fmt::format("suite: cannot create {}: {}", dir, ec.message())});
    }
    started_ = Clock::now();
    started_utc_ = utc_now();
    name_ = o_.name.empty() ? "memtorture" : o_.name;
    for (std::size_t i = 0; i < files->size(); ++i) {
      const std::string& file = (*files)[i];
      g_.console->err(fmt::format("\nsuite: [{}/{}] {}\n", i + 1, files->size(), file));
      SuiteResult r = one(file);
      g_.console->err(fmt::format("suite: [{}/{}] {}: {}{}\n", i + 1, files->size(), r.name,
                                  r.outcome, r.reason.empty() ? "" : " (" + r.reason + ")"));
      results_.push_back(std::move(r));
      write_outputs(/*with_history=*/false);
    }
    append_history();
    write_outputs(/*with_history=*/true);
    print_summary();
    int worst = kPassed;
    for (const auto& r : results_) worst = std::max(worst, r.exit_code);
    return worst;
  }

 private:
  int fail(const Failure& f) {
    g_.console->err(f.printed());
    return f.code;
  }

  SuiteResult one(const std::string& file) {
    SuiteResult r;
    r.file = file;
    r.name = stdfs::path(file).stem().string();
    if (interrupt_.signalled()) return skipped(std::move(r), "the suite was interrupted");
    const double planned = planned_seconds(file);
    if (o_.time_budget) {
      const double used = std::chrono::duration<double>(Clock::now() - started_).count();
      const double budget = std::chrono::duration<double>(*o_.time_budget).count();
      if (used + planned > budget)
        return skipped(std::move(r),
                       fmt::format("time budget: it needs about {:.0f}s, {:.0f}s of {:.0f}s left",
                                   planned, std::max(0.0, budget - used), budget));
    }
    if (last_started_) settle();
    const auto t0 = Clock::now();
    Outcome outcome = start_and_follow(g_, file, interrupt_, &r.name, &r.id);
    r.duration_s = std::chrono::duration<double>(Clock::now() - t0).count();
    last_started_ = !r.id.empty();
    if (r.name == file) r.name = stdfs::path(file).stem().string();  // it did not parse
    if (!outcome.campaign) {
      const Failure& f = *outcome.failure;
      g_.console->err(f.printed());
      if (f.code == kNotRun) return skipped(std::move(r), first_lines(f.message));
      r.exit_code = f.code;
      r.outcome = f.code == kInvalid ? "invalid" : "unreachable";
      r.reason = first_lines(f.message);
      return r;
    }
    const pb::Campaign& c = *outcome.campaign;
    g_.console->err(outcome.note);
    g_.console->err("\n" + summary(c));
    r.outcome = state_name(c.state());
    r.reason = c.reason();
    r.exit_code = exit_code_for(c.state());
    if (c.elapsed_s() > 0) r.duration_s = c.elapsed_s();
    collect(r);
    return r;
  }

  SuiteResult skipped(SuiteResult r, std::string why) {
    r.outcome = "skipped";
    r.reason = std::move(why);
    return r;
  }

  // The finished campaign's report (and its runs'), into the result and under --out.
  void collect(SuiteResult& r) {
    DaemonClient d(g_);
    if (auto f = d.connect()) {
      r.reason += "; its report could not be read: " + f->message;
      return;
    }
    auto read = d.read_report_with_runs(r.id);
    if (auto* f = std::get_if<Failure>(&read)) {
      r.reason += "; its report could not be read: " + f->message;
      return;
    }
    auto& reports = std::get<DaemonClient::Reports>(read);
    const Json& report = reports.report;
    std::map<std::string, Json> runs;
    for (const auto& [run, both] : reports.runs) runs[run] = both.second;
    r.report = report;
    if (o_.out.empty()) return;
    // One folder per campaign, by name; a name seen before gets a suffix.
    std::string folder = r.name;
    for (int n = 2; folders_.contains(folder); ++n) folder = fmt::format("{}-{}", r.name, n);
    folders_.insert(folder);
    const stdfs::path dir = stdfs::path(o_.out) / folder;
    std::error_code ec;
    stdfs::create_directories(dir, ec);
    write_artifact(g_, dir / "report.json", reports.text);
    for (const auto& [run, both] : reports.runs) {
      stdfs::create_directories(dir / "runs" / run, ec);
      write_artifact(g_, dir / "runs" / run / "report.json", both.first);
    }
    write_artifact(g_, dir / "report.html", render_report_html(report, runs, assets_));
    r.folder = folder;
  }

  // Between two campaigns: the last one's workers are gone and its cgroup removed (the daemon
  // does both before it reports the end); its RCU callbacks may still be queued.
  void settle() {
    DaemonClient d(g_);
    if (d.connect()) return;  // the next campaign will say the daemon is gone
    pb::ProbeRcuRequest req;
    req.set_gp(0);
    req.set_barrier(true);
    req.set_ledger_seconds(0);
    pb::ProbeRcuResponse resp;
    auto ctx = d.unary_context_plus(std::chrono::seconds(10));
    const grpc::Status st = d.stub().ProbeRcu(ctx.get(), req, &resp);
    std::string barrier = !st.ok()                ? "failed: " + st.error_message()
                          : resp.barrier_timed() ? fmt::format("{:.1f} ms", resp.barrier_us() / 1e3)
                                                 : "not timed: " + resp.barrier_error();
    std::this_thread::sleep_for(kSettlePause);
    g_.console->err(fmt::format("suite: settle: rcu_barrier {}, then {} ms\n", barrier,
                                kSettlePause.count()));
  }

  void append_history() {
    if (o_.history.empty()) return;
    const auto file = stdfs::path(o_.history) / kHistoryFile;
    if (auto st = fs::append_synced(file, history_line(started_utc_, results_)); !st)
      g_.console->err(fmt::format("suite: cannot append to {}: {}\n", file.string(),
                                  st.error().message));
  }

  std::vector<HistoryNight> history() {
    if (o_.history.empty()) return {};
    const auto file = stdfs::path(o_.history) / kHistoryFile;
    auto text = fs::read_file(file);
    if (!text) return {};
    std::vector<std::string> warnings;
    auto nights = read_history(*text, &warnings);
    for (const auto& w : warnings) g_.console->err(fmt::format("suite: {}: {}\n", file.string(), w));
    return nights;
  }

  // The JUnit file and the index page, after every campaign: a suite cut short keeps what ran.
  void write_outputs(bool with_history) {
    const std::string xml = suite_junit_xml(name_, results_);
    if (!o_.junit.empty()) write_artifact(g_, o_.junit, xml);
    std::vector<IndexRow> rows;
    for (const auto& r : results_) rows.push_back(index_row(r));
    const auto nights = with_history ? history() : std::vector<HistoryNight>{};
    const std::string title = fmt::format("{} suite, {}", name_, started_utc_);
    if (!o_.out.empty()) {
      write_artifact(g_, stdfs::path(o_.out) / "junit.xml", xml);
      write_artifact(g_, stdfs::path(o_.out) / "suite.json",
                     dump_json(suite_summary_json(name_, started_utc_, results_)));
      write_artifact(g_, stdfs::path(o_.out) / "index.html",
                     render_index_html(title, rows, nights, assets_));
    }
    if (with_history && !o_.history.empty())
      write_artifact(g_, stdfs::path(o_.history) / "index.html",
                     render_index_html(title, rows, nights, assets_));
  }

  void print_summary() {
    if (g_.json) {
      g_.console->out(dump_json(suite_summary_json(name_, started_utc_, results_)));
      return;
    }
    std::string out = fmt::format("\nsuite {}: {} in {:.0f}s\n", name_,
                                  counted(results_.size(), "campaign"),
                                  std::chrono::duration<double>(Clock::now() - started_).count());
    for (const auto& r : results_)
      out += fmt::format("  {:<10} {:<28} {:>7.1f}s  {}\n", r.outcome, r.name, r.duration_s,
                         r.reason);
    g_.console->out(out);
  }

  const GlobalOptions& g_;
  const SuiteOptions& o_;
  Interrupt& interrupt_;
  HtmlAssets assets_;
  Clock::time_point started_;
  std::string started_utc_, name_;
  std::vector<SuiteResult> results_;
  std::set<std::string> folders_;
  bool last_started_ = false;  // the settle step follows a campaign that ran
};

}  // namespace

int run_suite(const GlobalOptions& g, const SuiteOptions& o, Interrupt& interrupt) {
  return Suite(g, o, interrupt).run();
}

int cmd_suite(const GlobalOptions& g, const SuiteOptions& o) {
  Interrupt interrupt(/*signals_to_cancel=*/2);
  SignalThread signals(interrupt);  // before the first channel starts gRPC's threads
  return run_suite(g, o, interrupt);
}

}  // namespace mt::client
