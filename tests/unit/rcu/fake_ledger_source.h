// A LedgerSource for unit tests: hands out readings queued by the test and records the order of
// calls; and builders of made-up raw readings (one UDP cache, one callback function).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "rcu/ledger_source.h"

namespace mt::rcu::testing {

inline constexpr std::uint64_t kUdp = 0xffff888100001000;
inline constexpr std::uint64_t kSkDestruct = 0xffffffff81e83670;

class FakeSource final : public LedgerSource {
 public:
  LedgerFacts facts_;
  std::deque<Result<RawFreed>> freed_;
  std::deque<Result<std::vector<CpuPendingCounts>>> counts_;
  std::deque<std::uint64_t> sequences_;
  std::deque<Result<RawWalk>> walks_;
  Result<BarrierWrite> barrier_ = BarrierWrite{std::chrono::milliseconds(25), 0};
  std::vector<std::string> calls_;
  // Also told of every call, and of the source's end ("closed"): for a test that outlives it.
  std::function<void(const std::string&)> on_call_;
  std::chrono::nanoseconds now_{std::chrono::seconds(1)};

  FakeSource() = default;
  ~FakeSource() override {
    if (on_call_) on_call_("closed");
  }

  const LedgerFacts& facts() const override { return facts_; }
  Result<RawFreed> read_freed() override {
    record("freed");
    return next(freed_, "no freed reading queued");
  }
  Result<std::vector<CpuPendingCounts>> read_counts(std::uint64_t& seq) override {
    record("counts");
    if (!sequences_.empty()) {
      seq = sequences_.front();
      sequences_.pop_front();
    }
    return next(counts_, "no counts queued");
  }
  Result<RawWalk> walk() override {
    record("walk");
    return next(walks_, "no walk queued");
  }
  Status set_freed_attached(bool attached) override {
    record(attached ? "attach" : "detach");
    return {};
  }
  Result<BarrierWrite> barrier() override {
    record("barrier");
    return barrier_;
  }
  std::chrono::nanoseconds now() const override { return now_; }

 private:
  void record(const char* call) {
    calls_.push_back(call);
    if (on_call_) on_call_(call);
  }
  template <class T>
  static Result<T> next(std::deque<Result<T>>& q, const char* empty) {
    if (q.empty()) return make_error(empty);
    Result<T> r = std::move(q.front());
    q.pop_front();
    return r;
  }
};

// `udp_objects` UDP sockets (1344 B each) freed since open, read at `at`.
inline RawFreed freed_with(std::uint64_t udp_objects, std::chrono::nanoseconds at) {
  RawFreed r;
  r.at = at;
  r.caches.push_back({kUdp, "UDP", 1344, {{udp_objects, udp_objects * 1344, 0, 0, 0}}});
  r.per_cpu = {FreedCounters{}};
  return r;
}

// One CPU with `len` callbacks waiting for a grace period, its barrier_seq_snap at `snap`.
inline std::vector<CpuPendingCounts> cpu_counts(std::int64_t len, std::uint64_t snap) {
  CpuPendingCounts c;
  c.cpu = 0;
  c.len = len;
  c.seglen = {0, len, 0, 0};
  c.barrier_seq_snap = snap;
  return {c};
}

// A walk that found `callbacks` __sk_destruct callbacks, each a UDP socket.
inline RawWalk walk_with(std::uint64_t callbacks) {
  RawWalk w;
  w.slots = {{kSkDestruct, kUdp, "UDP", 1344, callbacks, callbacks, callbacks * 1344}};
  w.cpus = {CpuWalk{0,
                    {0, static_cast<std::int64_t>(callbacks), 0, 0},
                    callbacks,
                    callbacks,
                    callbacks,
                    callbacks * 1344,
                    0,
                    0,
                    WalkStop::end}};
  return w;
}

}  // namespace mt::rcu::testing
