#include "rcu/probe.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include "common/fs.h"

namespace mt::rcu {

namespace {

template <class T>
void keep_top(std::vector<T>& v) {
  if (v.size() > kProbeLedgerTop) v.resize(kProbeLedgerTop);
}

// The ledger's steps on an opened ledger; a step that fails goes to `failed` and the next one
// still runs. A window cut short ends it (nothing after it is read).
void read_ledger(Ledger& ledger, std::chrono::seconds window, const ProbeWait& wait,
                 ProbeLedger& out, std::vector<std::string>& failed) {
  auto fail = [&](const char* step, const Error& e) {
    failed.push_back(fmt::format("{}: {}", step, e.message));
  };
  out.facts = ledger.facts();
  // A ledger that cannot size objects (facts.notes says why) only counts: nothing else to read.
  const bool sized = out.facts.sized;
  auto before = sized ? ledger.freed() : Result<FreedTotals>(make_error("not sized"));
  if (sized && !before) fail("freed", before.error());
  if (!wait(window)) {
    failed.push_back(
        fmt::format("the {} s window was cut short (the call was cancelled)", window.count()));
    return;
  }
  if (sized && before) {
    if (auto after = ledger.freed()) {
      out.freed = freed_rates(*before, *after, kProbeLedgerTop);
    } else {
      fail("freed", after.error());
    }
  }
  if (auto c = ledger.pending_counts())
    out.counts = std::move(*c);
  else
    fail("pending_counts", c.error());
  if (!sized) return;
  if (auto b = ledger.pending_bytes()) {
    keep_top(b->by_function);
    keep_top(b->by_cache);
    keep_top(b->krc.by_cache);
    b->cpus.clear();  // per-CPU walks: not reported
    out.bytes = std::move(*b);
  } else {
    fail("pending_bytes", b.error());
  }
  if (auto b = ledger.barrier_backlog()) {
    keep_top(b->by_cache);
    out.barrier = std::move(*b);
  } else {
    fail("barrier_backlog", b.error());
  }
}

void probe_ledger(int seconds, const ProbeEnv& env, ProbeResult& r) {
  auto opened = env.open_ledger();
  if (!opened) {
    r.ledger_error = "cannot open the RCU ledger: " + opened.error().message;
    return;
  }
  std::unique_ptr<Ledger> ledger = std::move(*opened);
  ProbeLedger out;
  std::vector<std::string> failed;
  read_ledger(*ledger, std::chrono::seconds(seconds), env.wait, out, failed);
  ledger.reset();  // closed before the answer: every program detached, every map freed
  r.ledger = std::move(out);
  r.ledger_error = fmt::format("{}", fmt::join(failed, "; "));
}

}  // namespace

Result<std::unique_ptr<Ledger>> open_default_ledger() {
  return Ledger::open();
}

bool sleep_through(std::chrono::nanoseconds window) {
  std::this_thread::sleep_for(window);
  return true;
}

Result<std::chrono::nanoseconds> time_rcu_barrier(const std::filesystem::path& sys) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = fs::write_file(sys / "module/rcutree/parameters/do_rcu_barrier", "1"); !st)
    return st.error();
  return std::chrono::steady_clock::now() - t0;
}

std::string grace_period_knobs(const std::filesystem::path& sys) {
  auto read = [&](const char* rel) { return fs::read_line(sys / rel).value_or("?"); };
  return fmt::format("rcu_expedited={} rcu_normal={}", read("kernel/rcu_expedited"),
                     read("kernel/rcu_normal"));
}

ProbeResult probe(const ProbeRequest& request, const ProbeEnv& env) {
  ProbeResult r;
  r.knobs = grace_period_knobs(env.sys);
  if (request.grace_periods > 0 && !membarrier_waits_for_gp(env.cpus)) {
    r.gp_error = "one CPU online: membarrier does not wait for a grace period";
  } else {
    for (int i = 0; i < request.grace_periods; ++i) {
      auto t = env.measure_gp();
      if (!t) {
        r.gp_error = t.error().message;
        break;
      }
      const double us = std::chrono::duration<double, std::micro>(*t).count();
      r.gp_us.push_back(us);
      r.gp.add(us);
    }
  }
  if (request.barrier) {
    if (auto t = env.barrier(env.sys))
      r.barrier_us = std::chrono::duration<double, std::micro>(*t).count();
    else
      r.barrier_error = t.error().message;
  }
  if (request.ledger_seconds > 0) probe_ledger(request.ledger_seconds, env, r);
  return r;
}

}  // namespace mt::rcu
