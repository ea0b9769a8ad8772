// The RCU ledger's benchmark (run by bench/ledger.sh, as root):
//   show       what the ledger sees now: facts, counts, one walk, one second of frees;
//   overhead   UDP flood ops/s with and without method 1 attached, in alternating rounds;
//   overhead-sampler
//              the same with method 2's sampler as a campaign runs it (counts every 100 ms,
//              a walk every 1 s, on a thread of its own): method 1 alone, the sampler alone,
//              both, each against the windows with nothing on either side of it;
//   backlog    backlog by barrier with the flood running and paused, and the continuous
//              reading (pending_bytes) against the barrier's freed bytes at the same moment;
//   run-freed -- CMD ARGS...
//              method 1 over exactly one command's run (bench/catalog.sh): a freed() reading,
//              CMD forked and exec'd (no shell) and waited for, a second reading; one line
//              `freed_bytes_per_s=X freed_objects_per_s=Y seconds=S top=cache1,cache2,cache3`;
//              exits with the command's exit code (128 + signal when killed).
// Every flood started here runs in a memory-limited memtorture-ledger-<pid> cgroup, removed at
// the end; run-freed's command runs wherever the caller put it.
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/units.h"
#include "rcu/ledger.h"
#include "tests/support/udp_flood.h"

namespace {

using namespace std::chrono_literals;
using mt::human_bytes;
using mt::human_count;
using mt::Status;
using mt::rcu::Ledger;
using mt::rcu::LedgerOptions;
using mt::testing::UdpFlood;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

// Nearest rank, p in [0, 100].
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p / 100 * (v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

std::unique_ptr<Ledger> open_ledger(LedgerOptions o = {}) {
  auto l = Ledger::open(o);
  if (!l) {
    fmt::print(stderr, "ledger: {}\n", l.error().message);
    std::exit(1);
  }
  return std::move(*l);
}

std::unique_ptr<UdpFlood> start_flood(int processes) {
  mt::testing::UdpFloodOptions o;
  o.processes = processes;
  auto f = UdpFlood::start(o);
  if (!f) {
    fmt::print(stderr, "flood: {}\n", f.error().message);
    std::exit(1);
  }
  return std::move(*f);
}

double flood_rate(UdpFlood& flood, std::chrono::milliseconds d) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t n0 = flood.ops();
  std::this_thread::sleep_for(d);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return (flood.ops() - n0) / s;
}

void print_pending(const mt::rcu::PendingBytes& b, std::size_t top) {
  fmt::print(
      "  pending bytes: {} in {} callbacks ({} objects) + DONE {} callbacks ~{}; walk {:.2f} "
      "ms{}\n",
      human_bytes(b.bytes), b.callbacks, b.objects, b.done_callbacks,
      human_bytes(b.done_bytes_estimate), std::chrono::duration<double, std::milli>(b.took).count(),
      b.complete ? "" : " (incomplete)");
  for (std::size_t i = 0; i < b.by_function.size() && i < top; ++i)
    fmt::print("    fn {:<28} {:>7} cbs {:>10}\n", b.by_function[i].name,
               b.by_function[i].callbacks, human_bytes(b.by_function[i].bytes));
  for (std::size_t i = 0; i < b.by_cache.size() && i < top; ++i)
    fmt::print("    cache {:<25} {:>7} objs {:>10}\n", b.by_cache[i].name, b.by_cache[i].objects,
               human_bytes(b.by_cache[i].bytes));
  if (b.krc.walked)
    fmt::print("    krc: {} objects {} (head {} bulk {} head_free {} bulk_free {})\n",
               b.krc.objects, human_bytes(b.krc.bytes), b.krc.places[0].objects,
               b.krc.places[1].objects, b.krc.places[2].objects, b.krc.places[3].objects);
}

void print_barrier(std::string_view label, const mt::rcu::BarrierBacklog& b) {
  fmt::print(
      "  barrier {}: {} in {:.1f} ms, freed {} ({} objects, {} callbacks invoked, pending "
      "before {}), misses {}; {}\n",
      label, to_string(b.outcome), std::chrono::duration<double, std::milli>(b.duration).count(),
      human_bytes(b.bytes), b.objects, b.callbacks_invoked, b.pending_before, b.recursion_misses,
      b.detail);
}

int show(int seconds) {
  auto ledger = open_ledger();
  const auto& f = ledger->facts();
  fmt::print(
      "flavour {} cpus {} freed {} pending {} batch_bracket {} krc {} lazy {} bypass {} "
      "sheaves {} barrier {}\n",
      f.flavour, f.cpus.size(), f.freed, f.pending, f.batch_bracket, f.krc, f.lazy_len,
      f.nocb_bypass, f.sheaves, f.barrier);
  for (const auto& n : f.notes) fmt::print("  note: {}\n", n);
  auto c = ledger->pending_counts();
  if (!c) return fmt::print(stderr, "{}\n", c.error().message), 1;
  for (const auto& cpu : c->cpus)
    fmt::print("  cpu {} len {} seg {}/{}/{}/{} lazy {} invoked {} snap {} krc {}\n", cpu.cpu,
               cpu.len, cpu.seglen[0], cpu.seglen[1], cpu.seglen[2], cpu.seglen[3],
               cpu.lazy_len.value_or(-1), cpu.n_cbs_invoked, cpu.barrier_seq_snap,
               cpu.krc_objects());
  fmt::print("  barrier_sequence {}\n", c->barrier_sequence);
  {
    const auto t0 = std::chrono::steady_clock::now();
    constexpr int kCalls = 1000;
    for (int i = 0; i < kCalls; ++i) (void)ledger->pending_counts();
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("  pending_counts(): {:.1f} us per call ({} CPUs)\n", us / kCalls, f.cpus.size());
    const auto p0 = std::chrono::steady_clock::now();
    (void)mt::rcu::ledger_unavailable_reason();
    fmt::print("  ledger_unavailable_reason(): {:.1f} ms\n",
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p0).count());
  }
  auto b = ledger->pending_bytes();
  if (!b) return fmt::print(stderr, "{}\n", b.error().message), 1;
  print_pending(*b, 8);
  auto f0 = ledger->freed();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  auto f1 = ledger->freed();
  if (!f0 || !f1) return fmt::print(stderr, "freed failed\n"), 1;
  const auto r = mt::rcu::freed_rates(*f0, *f1, 8);
  const auto d = mt::rcu::freed_between(*f0, *f1);
  fmt::print(
      "  freed over {} s: core runs {}, kfree_rcu_work runs {}, batch bytes {}, batch pages {}, "
      "bulk records {} ({} not slab), kfree {} ({} not slab), dropped {}\n",
      seconds, d.counters.core_runs, d.counters.batch_runs,
      human_bytes(static_cast<double>(r.batch_bytes_per_s * r.seconds)), d.counters.batch_pages,
      d.counters.batch_records, d.counters.batch_unsized, d.counters.kfree_calls,
      d.counters.kfree_unsized, d.counters.dropped);
  fmt::print("  freed: {}/s, {} objects/s, {} pages/s, {} kfree/s, misses {}\n",
             human_bytes(r.bytes_per_s), human_count(r.objects_per_s), human_count(r.pages_per_s),
             human_count(r.kfree_per_s), r.recursion_misses);
  for (const auto& t : r.top)
    fmt::print("    {:<25} {:>10}/s {:>8} objs/s\n", t.name, human_bytes(t.bytes_per_s),
               human_count(t.objects_per_s));
  auto bb = ledger->barrier_backlog();
  if (!bb) return fmt::print(stderr, "{}\n", bb.error().message), 1;
  print_barrier("now", *bb);
  return 0;
}

// Method 1 on and off in alternating windows on one running flood, the ledger loaded once
// and its programs detached and re-attached: the flood's rate drifts on this shared machine,
// so each "on" window is compared with the "off" windows either side of it, and the overhead
// is the median of those ratios.
int overhead(int rounds, std::chrono::milliseconds window) {
  LedgerOptions o;
  o.pending = false;
  auto ledger = open_ledger(o);
  auto flood = start_flood(1);
  std::this_thread::sleep_for(500ms);  // past the start
  std::vector<double> off, on, ratios;
  std::uint64_t objects = 0, misses = 0;
  std::map<std::string, mt::rcu::ProgramStats> runs;
  double on_seconds = 0;
  auto set = [&](bool attached) {
    if (Status st = ledger->set_freed_attached(attached); !st)
      fmt::print(stderr, "ledger: {}\n", st.error().message);
    std::this_thread::sleep_for(50ms);
  };
  set(false);
  off.push_back(flood_rate(*flood, window));
  for (int i = 0; i < rounds; ++i) {
    set(true);
    auto f0 = ledger->freed();
    on.push_back(flood_rate(*flood, window));
    auto f1 = ledger->freed();
    set(false);
    off.push_back(flood_rate(*flood, window));
    const double base = (off[off.size() - 2] + off.back()) / 2;
    ratios.push_back(base > 0 ? 100.0 * (base - on.back()) / base : 0);
    if (f0 && f1) {
      const auto d = mt::rcu::freed_between(*f0, *f1);
      objects += d.objects;
      misses += d.recursion_misses;
    }
    fmt::print("  round {:>2}: on {:>7} ops/s between off {:>7} and {:>7}: {:+.1f}%\n", i + 1,
               human_count(on.back()), human_count(off[off.size() - 2]), human_count(off.back()),
               -ratios.back());
  }
  fmt::print(
      "overhead: UDP flood (1 process): median {} ops/s with method 1 detached, {} ops/s "
      "attached; median paired slowdown {:.1f}% ({} rounds of {} ms)\n",
      human_count(median(off)), human_count(median(on)), median(ratios), rounds, window.count());
  fmt::print("recursion misses while attached: {} of {} objects counted ({:.2f}%)\n", misses,
             objects, objects ? 100.0 * misses / objects : 0.0);
  // Then a few seconds with BPF run-time statistics on (while the fd is open: no sysctl to put
  // back). They cost two clock reads per run, so ns/run here is an upper bound.
  set(true);
  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (stats_fd >= 0) {
    auto f0 = ledger->freed();
    std::this_thread::sleep_for(3 * window);
    auto f1 = ledger->freed();
    if (f0 && f1) {
      on_seconds = std::chrono::duration<double>(f1->at - f0->at).count();
      for (const auto& m : mt::rcu::freed_between(*f0, *f1).misses) runs[m.program] = m;
    }
    double total_ns = 0;
    for (const auto& [name, r] : runs) {
      total_ns += r.run_time_ns;
      fmt::print("  {:<22} {:>10} runs/s {:>6.1f} ns/run {:>6} misses\n", name,
                 human_count(r.run_count / on_seconds),
                 r.run_count ? double(r.run_time_ns) / r.run_count : 0.0, r.recursion_misses);
    }
    fmt::print(
        "BPF program time with statistics on: {:.2f}% of one CPU (an upper bound: includes "
        "the statistics' clock reads, not the tracepoint's entry into each program)\n",
        on_seconds > 0 ? 100.0 * total_ns / (on_seconds * 1e9) : 0.0);
    ::close(stats_fd);
  }
  return flood->stop() ? 0 : 1;
}

// Method 2 as a campaign runs it (daemon/parts/ledger_part.cc): on a thread of its own,
// pending_counts() every 100 ms (a campaign's default sample_interval; with freed(), as a
// campaign reads it at every sample, while method 1 is attached) and pending_bytes(), a walk,
// every 1 s (ledger.walk_interval's default). Switched on and off without stopping: it keeps its
// schedule while off, so that over many windows it makes its calls at the campaign's rate
// wherever the windows fall (a 300 ms window holds three readings, and a walk three times in ten).
class Sampler {
 public:
  static constexpr auto kTick = 100ms;
  static constexpr int kWalkEvery = 10;  // ticks

  struct Stats {
    std::uint64_t errors = 0;
    std::vector<double> counts_us, freed_us;  // each pending_counts() and freed() call
    std::vector<double> walk_ms;
    std::string last_error;
  };

  explicit Sampler(Ledger& ledger) : ledger_(ledger), thread_([this] { loop(); }) {}
  ~Sampler() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void set(bool on, bool read_freed) {
    read_freed_ = read_freed;
    on_ = on;
  }
  Stats stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  void loop() {
    using clock = std::chrono::steady_clock;
    auto next = clock::now();
    for (std::uint64_t tick = 0;; ++tick) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_until(lock, next, [this] { return quit_; })) return;
      }
      next += kTick;
      if (on_) {
        const bool read_freed = read_freed_;
        const auto t0 = clock::now();
        auto c = ledger_.pending_counts();
        const auto tc = clock::now();
        mt::Result<mt::rcu::FreedTotals> f = mt::rcu::FreedTotals{};
        if (read_freed) f = ledger_.freed();
        const auto t1 = clock::now();
        std::optional<mt::Result<mt::rcu::PendingBytes>> w;
        if (tick % kWalkEvery == 0) w = ledger_.pending_bytes();
        const auto t2 = clock::now();
        std::lock_guard lock(mu_);
        stats_.counts_us.push_back(std::chrono::duration<double, std::micro>(tc - t0).count());
        if (read_freed)
          stats_.freed_us.push_back(std::chrono::duration<double, std::micro>(t1 - tc).count());
        if (!c) ++stats_.errors, stats_.last_error = c.error().message;
        if (!f) ++stats_.errors, stats_.last_error = f.error().message;
        if (w) {
          stats_.walk_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
          if (!*w) ++stats_.errors, stats_.last_error = w->error().message;
        }
      }
      // Behind (a long walk): skip the ticks missed, as a campaign drops a reading still in
      // flight rather than queueing it.
      for (const auto now = clock::now(); next < now; ++tick) next += kTick;
    }
  }

  Ledger& ledger_;
  std::atomic<bool> on_{false}, read_freed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  Stats stats_;
  std::thread thread_;  // last: starts once the rest is built
};

// Method 1, the sampler (method 2 as a campaign runs it), and both, on one running flood in
// alternating windows: every "on" window between two windows with nothing on, each compared with
// the mean of its two neighbours; the order of the three rotates from round to round.
int overhead_sampler(int rounds, std::chrono::milliseconds window) {
  auto ledger = open_ledger();  // both methods; method 1 detached below
  auto flood = start_flood(1);
  std::this_thread::sleep_for(500ms);  // past the start
  // A campaign's first walk also resolves the callback functions' names from kallsyms (tens of
  // ms, once): done here, before the windows, so that they see the walks that follow.
  {
    const auto t0 = std::chrono::steady_clock::now();
    auto w = ledger->pending_bytes();
    fmt::print("first walk (names resolved from kallsyms): {:.1f} ms{}\n",
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                   .count(),
               w ? "" : ", failed: " + w.error().message);
  }
  Sampler sampler(*ledger);
  struct Condition {
    std::string_view name;
    bool method1, sampler;
    std::vector<double> on, ratios;
  };
  std::array<Condition, 3> conds{{{"method 1", true, false, {}, {}},
                                  {"sampler", false, true, {}, {}},
                                  {"both", true, true, {}, {}}}};
  auto set = [&](bool method1, bool sampling) {
    if (Status st = ledger->set_freed_attached(method1); !st)
      fmt::print(stderr, "ledger: {}\n", st.error().message);
    sampler.set(sampling, method1);
    std::this_thread::sleep_for(50ms);
  };
  std::vector<double> off;
  set(false, false);
  off.push_back(flood_rate(*flood, window));
  for (int i = 0; i < rounds; ++i) {
    std::string line;
    for (std::size_t k = 0; k < conds.size(); ++k) {
      Condition& c = conds[(i + k) % conds.size()];
      set(c.method1, c.sampler);
      c.on.push_back(flood_rate(*flood, window));
      set(false, false);
      off.push_back(flood_rate(*flood, window));
      const double base = (off[off.size() - 2] + off.back()) / 2;
      c.ratios.push_back(base > 0 ? 100.0 * (base - c.on.back()) / base : 0);
      line += fmt::format("  {} {:>7} ({:+.1f}%)", c.name, human_count(c.on.back()),
                          -c.ratios.back());
    }
    fmt::print("  round {:>2}:{}; off {:>7}..{:>7}\n", i + 1, line,
               human_count(*std::min_element(off.end() - 4, off.end())),
               human_count(*std::max_element(off.end() - 4, off.end())));
  }
  const auto st = sampler.stats();
  fmt::print(
      "overhead with the sampler: UDP flood (1 process), {} rounds of {} ms windows; median {} "
      "ops/s with nothing on\n",
      rounds, window.count(), human_count(median(off)));
  fmt::print("  {:<9} {:>12} {:>16} {:>14} {:>18}\n", "on", "median ops/s", "median slowdown",
             "mean slowdown", "slowdown p25..p75");
  for (const auto& c : conds)
    fmt::print("  {:<9} {:>12} {:>15.1f}% {:>13.1f}% {:>8.1f}%..{:.1f}%\n", c.name,
               human_count(median(c.on)), median(c.ratios), mean(c.ratios),
               percentile(c.ratios, 25), percentile(c.ratios, 75));
  const double on_s = 2.0 * rounds * (window + 50ms).count() / 1000.0;
  const auto sum = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0);
  };
  const auto max = [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  };
  fmt::print(
      "sampler while on (~{:.0f} s; wall time per call, including waits for the ledger's lock "
      "and for a CPU): {} pending_counts() median {:.1f} us max {:.0f} us, {} freed() median "
      "{:.1f} us max {:.0f} us, {} walks median {:.2f} ms max {:.2f} ms; {:.2f} ms per second "
      "on; {} errors{}\n",
      on_s, st.counts_us.size(), median(st.counts_us), max(st.counts_us), st.freed_us.size(),
      median(st.freed_us), max(st.freed_us), st.walk_ms.size(), median(st.walk_ms),
      max(st.walk_ms),
      on_s > 0 ? ((sum(st.counts_us) + sum(st.freed_us)) / 1000 + sum(st.walk_ms)) / on_s : 0.0,
      st.errors, st.errors ? " (last: " + st.last_error + ")" : "");
  return flood->stop() ? 0 : 1;
}

int backlog(int rounds) {
  auto ledger = open_ledger();
  for (int i = 0; i < 3; ++i) {  // back to back: the second may be throttled
    auto idle = ledger->barrier_backlog();
    if (idle) print_barrier("idle", *idle);
  }
  auto flood = start_flood(1);
  std::this_thread::sleep_for(1s);
  std::vector<double> running, paused, agree, agree_walk_only, pending_during, walk_ms;
  for (int i = 0; i < rounds; ++i) {
    if (auto b = ledger->pending_bytes()) {
      pending_during.push_back(static_cast<double>(b->bytes_with_done()));
      walk_ms.push_back(std::chrono::duration<double, std::milli>(b->took).count());
      if (i == 0) print_pending(*b, 5);
    }
    auto r = ledger->barrier_backlog();
    if (r) {
      running.push_back(static_cast<double>(r->bytes));
      print_barrier("running", *r);
    }
    std::this_thread::sleep_for(300ms);
    flood->pause();
    mt::rcu::BarrierOptions walk_first;
    walk_first.walk_first = true;
    auto p = ledger->barrier_backlog(walk_first);
    if (p && p->pending) {
      const auto& b = *p->pending;
      paused.push_back(static_cast<double>(p->bytes));
      agree.push_back(mt::rcu::disagreement_percent(b.bytes_with_done(), p->bytes));
      agree_walk_only.push_back(mt::rcu::disagreement_percent(b.bytes, p->bytes));
      fmt::print(
          "  paused: pending {} in {} callbacks (+DONE est. {}, {} walk retries) vs barrier "
          "freed {}: {:.1f}% apart\n",
          human_bytes(b.bytes), b.callbacks, human_bytes(b.done_bytes_estimate), b.retries,
          human_bytes(p->bytes), agree.back());
      print_barrier("paused", *p);
    }
    flood->resume();
    std::this_thread::sleep_for(700ms);
  }
  const double ops = flood_rate(*flood, 1s);
  fmt::print("flood: {} ops/s (1 process)\n", human_count(ops));
  fmt::print("pending bytes during the flood (walk + DONE estimate): median {}\n",
             human_bytes(median(pending_during)));
  fmt::print("walk during the flood: median {:.2f} ms\n", median(walk_ms));
  fmt::print("backlog by barrier: flood running median {}, paused median {} ({} rounds)\n",
             human_bytes(median(running)), human_bytes(median(paused)), rounds);
  fmt::print("continuous vs barrier (paused): median {:.1f}% apart (walk alone: {:.1f}%)\n",
             median(agree), median(agree_walk_only));
  return flood->stop() ? 0 : 1;
}

// The ledger is opened (and method 1 attached) before the first reading, so the command's whole
// run, from fork to reaped, lies between the two readings; so do its exec and its exit.
int run_freed(char** cmd) {
  auto ledger = open_ledger();
  auto f0 = ledger->freed();
  if (!f0) return fmt::print(stderr, "ledger: {}\n", f0.error().message), 1;
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return fmt::print(stderr, "fork: {}\n", std::strerror(errno)), 1;
  if (child == 0) {
    ::execvp(cmd[0], cmd);
    fmt::print(stderr, "ledger_bench: cannot run {}: {}\n", cmd[0], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  auto f1 = ledger->freed();
  if (!f1) return fmt::print(stderr, "ledger: {}\n", f1.error().message), 1;
  const auto r = mt::rcu::freed_rates(*f0, *f1, 3);
  std::string top;
  for (const auto& t : r.top) top += (top.empty() ? "" : ",") + t.name;
  fmt::print("freed_bytes_per_s={:.0f} freed_objects_per_s={:.0f} seconds={:.3f} top={}\n",
             r.bytes_per_s, r.objects_per_s, r.seconds, top.empty() ? "-" : top);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view cmd = argc > 1 ? argv[1] : "show";
  if (::geteuid() != 0) {
    fmt::print(stderr, "ledger_bench: run as root\n");
    return 2;
  }
  if (auto why = mt::rcu::ledger_unavailable_reason()) {
    fmt::print(stderr, "ledger_bench: RCU ledger unavailable: {}\n", *why);
    return 77;
  }
  if (cmd == "show") return show(argc > 2 ? std::atoi(argv[2]) : 1);
  if (cmd == "overhead")
    return overhead(argc > 2 ? std::atoi(argv[2]) : 5,
                    std::chrono::milliseconds(argc > 3 ? std::atoi(argv[3]) : 2000));
  if (cmd == "overhead-sampler")
    return overhead_sampler(argc > 2 ? std::atoi(argv[2]) : 5,
                            std::chrono::milliseconds(argc > 3 ? std::atoi(argv[3]) : 300));
  if (cmd == "backlog") return backlog(argc > 2 ? std::atoi(argv[2]) : 5);
  if (cmd == "run-freed" && argc > 3 && std::string_view(argv[2]) == "--")
    return run_freed(argv + 3);
  fmt::print(stderr,
             "usage: ledger_bench show [seconds] | overhead [rounds] [ms] | overhead-sampler "
             "[rounds] [ms] | backlog [rounds] | run-freed -- CMD [ARGS...]\n");
  return 2;
}
