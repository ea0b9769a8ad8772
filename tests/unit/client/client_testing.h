// Builders for the protobuf messages the client renders.
#pragma once

#include <cstdint>
#include <string>

#include "client/render.h"

namespace mt::client::testing {

inline constexpr std::uint64_t Mi = 1ULL << 20;

inline pb::WorkloadStatus workload(const std::string& name, const std::string& type,
                                   const std::string& state, double ops_per_s) {
  pb::WorkloadStatus w;
  w.set_name(name);
  w.set_type(type);
  if (type == "flood") w.set_kind("udp_socket");
  w.set_state(state);
  w.set_ops_per_s(ops_per_s);
  return w;
}

inline pb::CriterionResult criterion(const std::string& name, bool pass,
                                     const std::string& detail) {
  pb::CriterionResult c;
  c.set_name(name);
  c.set_pass(pass);
  c.set_detail(detail);
  return c;
}

inline pb::Sample sample(std::uint64_t usage, std::uint64_t limit, std::uint64_t oom_kills = 0) {
  pb::Sample s;
  s.set_usage_bytes(usage);
  s.set_limit_bytes(limit);
  s.set_headroom_bytes(static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(usage));
  s.set_oom_kills(oom_kills);
  return s;
}

inline pb::CampaignEvent at(double t_s) {
  pb::CampaignEvent ev;
  ev.set_t_s(t_s);
  return ev;
}

// How often `needle` stands in `haystack` (not overlapping).
inline int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

// What the RCU ledger reads during a UDP flood (figures of bpf/README.md), every section set.
inline pb::LedgerReading ledger_reading() {
  pb::LedgerReading l;
  auto* c = l.mutable_coverage();
  c->set_flavour("rcu_preempt");
  c->add_cpus(0);
  c->add_cpus(1);
  c->set_freed(true);
  c->set_pending(true);
  c->set_krc(true);
  c->set_barrier(true);
  c->add_notes("not covered: SRCU and Tasks RCU callback queues (separate per-CPU lists)");
  c->add_notes("pending: CPUs that come online after open are not read");
  auto* f = l.mutable_freed();
  f->set_seconds(2.0004);
  f->set_bytes_per_s(300.0 * Mi);
  f->set_objects_per_s(290e3);
  f->set_pages_per_s(75e3);
  f->set_kfree_per_s(157e3);
  f->set_recursion_misses(3);
  auto* udp = f->add_top_caches();
  udp->set_name("UDP");
  udp->set_bytes_per_s(178.0 * Mi);
  udp->set_objects_per_s(140e3);
  auto* p = l.mutable_pending();
  p->set_callbacks(9000);
  p->set_done(120);
  p->set_wait(4200);
  p->set_next_ready(0);
  p->set_next(4680);
  p->set_lazy(0);
  p->set_krc_objects(12);
  auto* b = l.mutable_pending_bytes();
  b->set_bytes(6 * Mi + Mi / 2);
  b->set_bytes_with_done(6 * Mi + Mi / 2 + 86 * 1024);
  b->set_done_bytes_estimate(86 * 1024);
  b->set_done_callbacks(100);
  b->set_invoking_callbacks(20);
  b->set_callbacks(8880);
  b->set_expected(8880);
  b->set_complete(true);
  b->set_took_us(1800);
  auto* fn = b->add_by_function();
  fn->set_name("__sk_destruct");
  fn->set_callbacks(2960);
  fn->set_objects(2960);
  fn->set_bytes(4 * Mi);
  auto* cache = b->add_by_cache();
  cache->set_name("UDP");
  cache->set_object_size(1344);
  cache->set_callbacks(2960);
  cache->set_objects(2960);
  cache->set_bytes(4 * Mi);
  auto* krc = b->mutable_krc();
  krc->set_objects(12);
  krc->set_bytes(1152);
  auto* krc_cache = krc->add_by_cache();
  krc_cache->set_name("kmalloc-cg-96");
  krc_cache->set_object_size(96);
  krc_cache->set_objects(12);
  krc_cache->set_bytes(1152);
  auto* bb = l.mutable_barrier_backlog();
  bb->set_outcome(pb::LedgerBarrierBacklog::OUTCOME_RAN);
  bb->set_detail("barrier_sequence 8 -> 12");
  bb->set_duration_us(25'300);
  bb->set_bytes(7 * Mi);
  bb->set_objects(9100);
  bb->set_callbacks_invoked(9050);
  bb->set_pending_before(9000);
  bb->set_pending_after(150);
  auto* freed = bb->add_by_cache();
  freed->set_name("UDP");
  freed->set_objects(3000);
  freed->set_bytes(4 * Mi);
  return l;
}

}  // namespace mt::client::testing
