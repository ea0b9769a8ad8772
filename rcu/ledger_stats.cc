#include "rcu/ledger_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
#include <unordered_map>

namespace mt::rcu {
namespace {

// after − before, never below 0 (a reading that went backwards means the maps were reset).
std::uint64_t minus(std::uint64_t after, std::uint64_t before) {
  return after > before ? after - before : 0;
}

void sort_caches(std::vector<CacheFreed>& caches) {
  std::sort(caches.begin(), caches.end(), [](const CacheFreed& a, const CacheFreed& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name;
  });
}

template <class T>
void sort_by_bytes(std::vector<T>& v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.callbacks != b.callbacks) return a.callbacks > b.callbacks;
    return a.name < b.name;
  });
}

// Applies f(a.field, b.field) to every counter of a FreedCell or FreedCounters: one list of
// fields for sums over CPUs and for differences between readings.
template <class F>
void each_field(FreedCell& a, const FreedCell& b, F f) {
  f(a.objects, b.objects);
  f(a.bytes, b.bytes);
  f(a.kfree_objects, b.kfree_objects);
  f(a.batch_objects, b.batch_objects);
  f(a.batch_bytes, b.batch_bytes);
}

template <class F>
void each_field(FreedCounters& a, const FreedCounters& b, F f) {
  f(a.core_runs, b.core_runs);
  f(a.batch_runs, b.batch_runs);
  f(a.kfree_calls, b.kfree_calls);
  f(a.kfree_unsized, b.kfree_unsized);
  f(a.pages, b.pages);
  f(a.batch_pages, b.batch_pages);
  f(a.dropped, b.dropped);
  f(a.batch_records, b.batch_records);
  f(a.batch_unsized, b.batch_unsized);
  f(a.batch_truncated, b.batch_truncated);
}

void add(std::uint64_t& a, std::uint64_t b) { a += b; }
void subtract(std::uint64_t& a, std::uint64_t b) { a = minus(a, b); }

double per_second(std::uint64_t n, double seconds) {
  return seconds > 0 ? n / seconds : 0;
}

}  // namespace

FreedCell sum_cells(const std::vector<FreedCell>& cells) {
  FreedCell s;
  for (const FreedCell& c : cells) each_field(s, c, add);
  return s;
}

FreedCounters sum_counters(const std::vector<FreedCounters>& per_cpu) {
  FreedCounters s;
  for (const FreedCounters& c : per_cpu) each_field(s, c, add);
  return s;
}

FreedTotals merge_freed(const RawFreed& raw) {
  FreedTotals t;
  t.at = raw.at;
  for (const RawCacheFreed& c : raw.caches) {
    const FreedCell s = sum_cells(c.per_cpu);
    if (s.objects == 0) continue;  // created by a racing CPU, nothing added yet
    CacheFreed f;
    static_cast<FreedCell&>(f) = s;
    f.cache = c.cache;
    f.name = c.name.empty() ? fmt::format("cache@{:#x}", c.cache) : c.name;
    f.object_size = c.object_size;
    t.objects += f.objects;
    t.bytes += f.bytes;
    t.caches.push_back(std::move(f));
  }
  sort_caches(t.caches);
  t.counters = sum_counters(raw.per_cpu);
  t.misses = raw.misses;
  for (const ProgramStats& m : raw.misses) t.recursion_misses += m.recursion_misses;
  return t;
}

FreedTotals freed_between(const FreedTotals& before, const FreedTotals& after) {
  std::unordered_map<std::uint64_t, const CacheFreed*> old;
  for (const CacheFreed& c : before.caches) old[c.cache] = &c;
  FreedTotals d;
  d.at = after.at;
  for (const CacheFreed& c : after.caches) {
    CacheFreed x = c;
    if (auto it = old.find(c.cache); it != old.end())
      each_field(static_cast<FreedCell&>(x), *it->second, subtract);
    if (x.objects == 0) continue;
    d.objects += x.objects;
    d.bytes += x.bytes;
    d.caches.push_back(std::move(x));
  }
  sort_caches(d.caches);
  d.counters = after.counters;
  each_field(d.counters, before.counters, subtract);
  std::map<std::string, const ProgramStats*> old_runs;
  for (const ProgramStats& m : before.misses) old_runs[m.program] = &m;
  for (const ProgramStats& m : after.misses) {
    ProgramStats x = m;
    if (auto it = old_runs.find(m.program); it != old_runs.end()) {
      x.recursion_misses = minus(m.recursion_misses, it->second->recursion_misses);
      x.run_count = minus(m.run_count, it->second->run_count);
      x.run_time_ns = minus(m.run_time_ns, it->second->run_time_ns);
    }
    d.recursion_misses += x.recursion_misses;
    d.misses.push_back(std::move(x));
  }
  return d;
}

FreedRates freed_rates(const FreedTotals& before, const FreedTotals& after, std::size_t top_n) {
  FreedRates r;
  r.seconds = std::chrono::duration<double>(after.at - before.at).count();
  const FreedTotals d = freed_between(before, after);
  r.recursion_misses = d.recursion_misses;
  if (r.seconds <= 0) {
    r.seconds = 0;
    return r;
  }
  r.bytes_per_s = per_second(d.bytes, r.seconds);
  r.objects_per_s = per_second(d.objects, r.seconds);
  r.pages_per_s = per_second(d.counters.pages, r.seconds);
  r.kfree_per_s = per_second(d.counters.kfree_calls, r.seconds);
  std::uint64_t batch = 0;
  for (const CacheFreed& c : d.caches) batch += c.batch_bytes;
  r.batch_bytes_per_s = per_second(batch, r.seconds);
  for (std::size_t i = 0; i < d.caches.size() && i < top_n; ++i)
    r.top.push_back({d.caches[i].name, per_second(d.caches[i].objects, r.seconds),
                     per_second(d.caches[i].bytes, r.seconds)});
  return r;
}

PendingCounts sum_counts(std::vector<CpuPendingCounts> cpus, std::uint64_t barrier_sequence,
                         std::chrono::nanoseconds at) {
  PendingCounts p;
  p.at = at;
  p.barrier_sequence = barrier_sequence;
  std::sort(cpus.begin(), cpus.end(),
            [](const CpuPendingCounts& a, const CpuPendingCounts& b) { return a.cpu < b.cpu; });
  CpuPendingCounts& t = p.total;
  t.cpu = -1;
  bool first = true;
  for (const CpuPendingCounts& c : cpus) {
    t.len += c.len;
    for (int s = 0; s < kSegments; ++s) t.seglen[s] += c.seglen[s];
    if (c.lazy_len) t.lazy_len = t.lazy_len.value_or(0) + *c.lazy_len;
    if (c.bypass_len) t.bypass_len = t.bypass_len.value_or(0) + *c.bypass_len;
    t.nocb_kthread = t.nocb_kthread || c.nocb_kthread;
    t.n_cbs_invoked += c.n_cbs_invoked;
    t.barrier_seq_snap =
        first ? c.barrier_seq_snap : std::min(t.barrier_seq_snap, c.barrier_seq_snap);
    if (c.krc_head_count) t.krc_head_count = t.krc_head_count.value_or(0) + *c.krc_head_count;
    t.krc_bulk_count[0] += c.krc_bulk_count[0];
    t.krc_bulk_count[1] += c.krc_bulk_count[1];
    first = false;
  }
  p.cpus = std::move(cpus);
  return p;
}

std::optional<double> invoked_per_s(const PendingCounts& before, const PendingCounts& after) {
  const double seconds = std::chrono::duration<double>(after.at - before.at).count();
  if (seconds <= 0 || after.total.n_cbs_invoked < before.total.n_cbs_invoked) return std::nullopt;
  return static_cast<double>(after.total.n_cbs_invoked - before.total.n_cbs_invoked) / seconds;
}

std::string_view to_string(WalkStop s) {
  switch (s) {
    case WalkStop::not_run:
      return "not run";
    case WalkStop::end:
      return "end";
    case WalkStop::list_ended:
      return "list ended early";
    case WalkStop::bad_func:
      return "func outside kernel text";
    case WalkStop::fault:
      return "read fault";
    case WalkStop::cap:
      return "cap reached";
  }
  return "?";
}

std::string_view to_string(KrcWhere w) {
  switch (w) {
    case kKrcHead:
      return "head";
    case kKrcBulk:
      return "bulk";
    case kKrcHeadFree:
      return "head_free";
    case kKrcBulkFree:
      return "bulk_free";
  }
  return "?";
}

PendingBytes group_walk(const RawWalk& raw, const SymbolNamer& name_of) {
  PendingBytes p;
  p.at = raw.at;
  p.took = raw.took;
  std::map<std::uint64_t, FunctionBytes> by_func;
  std::map<std::uint64_t, CacheBytes> by_cache, krc_cache;
  auto add_cache = [](std::map<std::uint64_t, CacheBytes>& m, const RawWalkSlot& s) {
    CacheBytes& c = m[s.cache];
    c.cache = s.cache;
    if (c.name.empty())
      c.name = s.cache == 0           ? "(not slab)"
               : s.cache_name.empty() ? fmt::format("cache@{:#x}", s.cache)
                                      : s.cache_name;
    if (s.object_size) c.object_size = s.object_size;
    c.callbacks += s.callbacks;
    c.objects += s.objects;
    c.bytes += s.bytes;
  };
  for (const RawWalkSlot& s : raw.slots) {
    if (s.func == 0) {  // a krc batch object, not a callback
      add_cache(krc_cache, s);
      continue;
    }
    FunctionBytes& f = by_func[s.func];
    f.func = s.func;
    f.callbacks += s.callbacks;
    f.objects += s.objects;
    f.bytes += s.bytes;
    add_cache(by_cache, s);
  }
  for (auto& [addr, f] : by_func) {
    f.name = name_of ? name_of(addr) : std::string();
    if (f.name.empty()) f.name = fmt::format("{:#x}", addr);
    p.by_function.push_back(std::move(f));
  }
  if (raw.overflow_callbacks) {
    FunctionBytes f;
    f.name = "(table full)";
    f.callbacks = raw.overflow_callbacks;
    f.bytes = raw.overflow_bytes;
    p.by_function.push_back(std::move(f));
  }
  for (auto& [addr, c] : by_cache) p.by_cache.push_back(std::move(c));
  sort_by_bytes(p.by_function);
  sort_by_bytes(p.by_cache);

  for (const CpuWalk& c : raw.cpus) {
    p.callbacks += c.walked;
    p.expected += c.expected;
    p.objects += c.objects;
    p.bytes += c.bytes;
    p.unsized_callbacks += c.unsized;
    p.sheaves += c.sheaves;
    const std::int64_t done = std::max<std::int64_t>(c.seglen[kDone], 0);
    const std::int64_t invoking = invoking_callbacks(c.len, c.seglen);
    p.done_callbacks += done;
    p.invoking_callbacks += invoking;
    if (c.walked > 0 && done + invoking > 0)
      p.done_bytes_estimate += static_cast<std::uint64_t>(
          std::llround(double(c.bytes) / double(c.walked) * double(done + invoking)));
    if (c.stop != WalkStop::end) p.complete = false;
  }
  p.cpus = raw.cpus;
  p.retries = raw.retries;

  p.krc.walked = raw.krc_walked;
  for (const auto& cpu : raw.krc) {
    for (int w = 0; w < kKrcPlaces; ++w) {
      KrcPlace& dst = p.krc.places[w];
      dst.objects += cpu[w].objects;
      dst.bytes += cpu[w].bytes;
      dst.unsized += cpu[w].unsized;
      dst.pages += cpu[w].pages;
      dst.truncated = dst.truncated || cpu[w].truncated;
      p.krc.objects += cpu[w].objects;
      p.krc.bytes += cpu[w].bytes;
    }
  }
  for (auto& [addr, c] : krc_cache) p.krc.by_cache.push_back(std::move(c));
  std::sort(p.krc.by_cache.begin(), p.krc.by_cache.end(),
            [](const CacheBytes& a, const CacheBytes& b) {
              return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name;
            });
  return p;
}

std::string_view to_string(BarrierOutcome o) {
  switch (o) {
    case BarrierOutcome::ran:
      return "ran";
    case BarrierOutcome::skipped:
      return "skipped";
    case BarrierOutcome::throttled:
      return "throttled";
  }
  return "?";
}

BarrierBacklog barrier_verdict(const PendingCounts& before, const PendingCounts& after,
                               const FreedTotals& freed_before, const FreedTotals& freed_after,
                               std::chrono::nanoseconds duration, int write_errno) {
  BarrierBacklog b;
  b.duration = duration;
  b.pending_before = before.total.len;
  b.pending_after = after.total.len;
  b.callbacks_invoked = minus(after.total.n_cbs_invoked, before.total.n_cbs_invoked);
  const FreedTotals d = freed_between(freed_before, freed_after);
  b.bytes = d.bytes;
  b.objects = d.objects;
  b.pages = d.counters.pages;
  b.kfree_calls = d.counters.kfree_calls;
  b.recursion_misses = d.recursion_misses;
  b.by_cache = d.caches;

  bool snap_moved = false;
  for (const CpuPendingCounts& a : after.cpus)
    for (const CpuPendingCounts& o : before.cpus)
      if (a.cpu == o.cpu && a.barrier_seq_snap != o.barrier_seq_snap) snap_moved = true;
  const bool seq_moved = after.barrier_sequence != before.barrier_sequence;
  if (write_errno == EAGAIN) {
    b.outcome = BarrierOutcome::throttled;
    b.detail = "do_rcu_barrier refused the write (EAGAIN): a barrier ran too recently";
  } else if (seq_moved || snap_moved) {
    b.outcome = BarrierOutcome::ran;
    b.detail =
        fmt::format("barrier_sequence {} -> {}", before.barrier_sequence, after.barrier_sequence);
    if (b.bytes == 0 && b.callbacks_invoked == 0) b.detail += "; ran and found nothing queued";
  } else {
    b.outcome = BarrierOutcome::skipped;
    b.detail = fmt::format(
        "barrier_sequence stayed at {} and no CPU's barrier_seq_snap moved: the kernel skipped "
        "it (rcu_barrier_throttled())",
        before.barrier_sequence);
  }
  return b;
}

double disagreement_percent(double a, double b) {
  const double m = std::max(std::fabs(a), std::fabs(b));
  return m == 0 ? 0 : 100.0 * std::fabs(a - b) / m;
}

}  // namespace mt::rcu
