// Domain -> protobuf: every State, every Event variant, and the CampaignView fields.
#include "daemon/convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rcu/probe.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using testing::Mi;
using testing::psi;
using testing::sample;

WorkloadStatus workload() {
  WorkloadStatus w;
  w.name = "udp";
  w.type = "flood";
  w.kind = "udp_socket";
  w.state = "running";
  w.pid = 1234;
  w.threads = 2;
  w.ops = 1'000'000;
  w.ops_per_s = 212'345.5;
  w.errors = 7;
  w.bytes = 4096;
  w.exit_status = "";
  return w;
}

void expect_workload(const pb::WorkloadStatus& out) {
  EXPECT_EQ(out.name(), "udp");
  EXPECT_EQ(out.type(), "flood");
  EXPECT_EQ(out.kind(), "udp_socket");
  EXPECT_EQ(out.state(), "running");
  EXPECT_EQ(out.pid(), 1234);
  EXPECT_EQ(out.threads(), 2);
  EXPECT_EQ(out.ops(), 1'000'000u);
  EXPECT_EQ(out.ops_per_s(), 212'345.5);
  EXPECT_EQ(out.errors(), 7u);
  EXPECT_EQ(out.bytes(), 4096u);
  EXPECT_EQ(out.exit_status(), "");
}

TEST(ConvertTest, EveryState) {
  EXPECT_EQ(to_pb(State::pending), pb::PENDING);
  EXPECT_EQ(to_pb(State::running), pb::RUNNING);
  EXPECT_EQ(to_pb(State::passed), pb::PASSED);
  EXPECT_EQ(to_pb(State::failed), pb::FAILED);
  EXPECT_EQ(to_pb(State::aborted), pb::ABORTED);
  EXPECT_EQ(to_pb(State::error), pb::ERROR);
}

TEST(ConvertTest, SampleEventWithBothPsiSources) {
  Sample s = sample(1.5, 40 * Mi, 64 * Mi, 2 * Mi, 3);
  s.cgroup_psi = psi(12.5, 3.25, 40'000, 9'000);
  s.system_psi = psi(0.5, 0.25, 100, 10);
  pb::CampaignEvent out;
  to_pb(Event{1.5, s}, &out);
  EXPECT_EQ(out.t_s(), 1.5);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kSample);
  const auto& o = out.sample();
  EXPECT_EQ(o.t_s(), 1.5);
  EXPECT_EQ(o.usage_bytes(), 40 * Mi);
  EXPECT_EQ(o.limit_bytes(), 64 * Mi);
  EXPECT_EQ(o.headroom_bytes(), static_cast<std::int64_t>(24 * Mi));
  EXPECT_EQ(o.kernel_bytes(), 2 * Mi);
  EXPECT_EQ(o.oom_kills(), 3u);
  ASSERT_TRUE(o.has_cgroup_psi());
  EXPECT_EQ(o.cgroup_psi().some_avg10(), 12.5);
  EXPECT_EQ(o.cgroup_psi().full_avg10(), 3.25);
  EXPECT_EQ(o.cgroup_psi().some_stall_delta_us(), 40'000u);
  EXPECT_EQ(o.cgroup_psi().full_stall_delta_us(), 9'000u);
  ASSERT_TRUE(o.has_system_psi());
  EXPECT_EQ(o.system_psi().some_avg10(), 0.5);
  EXPECT_EQ(o.system_psi().full_stall_delta_us(), 10u);
}

TEST(ConvertTest, SampleWithoutPsiLeavesTheMessagesUnset) {
  pb::CampaignEvent out;
  to_pb(Event{0, sample(0, 1, 2)}, &out);
  EXPECT_FALSE(out.sample().has_cgroup_psi());
  EXPECT_FALSE(out.sample().has_system_psi());
  EXPECT_EQ(out.sample().headroom_bytes(), 1);
}

TEST(ConvertTest, WorkloadsEvent) {
  WorkloadStatus second = workload();
  second.name = "hog";
  pb::CampaignEvent out;
  to_pb(Event{2, WorkloadsUpdate{workload(), second}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kWorkloads);
  ASSERT_EQ(out.workloads().workloads_size(), 2);
  expect_workload(out.workloads().workloads(0));
  EXPECT_EQ(out.workloads().workloads(1).name(), "hog");
}

TEST(ConvertTest, EmptyWorkloadsUpdateStillSetsTheCase) {
  pb::CampaignEvent out;
  to_pb(Event{0, WorkloadsUpdate{}}, &out);
  EXPECT_EQ(out.event_case(), pb::CampaignEvent::kWorkloads);
  EXPECT_EQ(out.workloads().workloads_size(), 0);
}

TEST(ConvertTest, StateChangeEvent) {
  pb::CampaignEvent out;
  to_pb(Event{3, StateChange{State::aborted, "stopped by request"}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kState);
  EXPECT_EQ(out.state().state(), pb::ABORTED);
  EXPECT_EQ(out.state().reason(), "stopped by request");
}

TEST(ConvertTest, OomKillEvent) {
  pb::CampaignEvent out;
  to_pb(Event{4.2, OomKill{2, "hog"}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kOomKill);
  EXPECT_EQ(out.oom_kill().total(), 2u);
  EXPECT_EQ(out.oom_kill().workload(), "hog");
  EXPECT_EQ(out.t_s(), 4.2);
}

TEST(ConvertTest, CriterionEvent) {
  pb::CampaignEvent out;
  to_pb(Event{5, CriterionResult{"max_oom_kills", 0, 2, false, "worst 2 > limit 0"}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kCriterion);
  EXPECT_EQ(out.criterion().name(), "max_oom_kills");
  EXPECT_EQ(out.criterion().limit(), 0);
  EXPECT_EQ(out.criterion().value(), 2);
  EXPECT_FALSE(out.criterion().pass());
  EXPECT_EQ(out.criterion().detail(), "worst 2 > limit 0");
}

TEST(ConvertTest, PsiTriggerEvent) {
  pb::CampaignEvent out;
  to_pb(Event{6, PsiTriggerEvent{"full", 150'000, 2'000'000}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kPsiTrigger);
  EXPECT_EQ(out.psi_trigger().kind(), "full");
  EXPECT_EQ(out.psi_trigger().stall_us(), 150'000u);
  EXPECT_EQ(out.psi_trigger().window_us(), 2'000'000u);
}

TEST(ConvertTest, LogEvent) {
  pb::CampaignEvent out;
  to_pb(Event{7, LogLine{"workload hog ended: exit 0"}}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kLog);
  EXPECT_EQ(out.log(), "workload hog ended: exit 0");
}

CampaignView view() {
  CampaignView v;
  v.id = "smoke-20261122T074512-3f2a";
  v.name = "smoke";
  v.state = State::running;
  v.elapsed_s = 4.5;
  v.duration_s = 10;
  v.reason = "running";
  Sample latest = sample(4.4, 30 * Mi, 64 * Mi, 1 * Mi, 0);
  latest.cgroup_psi = psi(1, 0.5);
  v.latest = latest;
  v.peak_bytes = 50 * Mi;
  v.min_headroom_bytes = 14 * Mi;
  v.workloads = {workload()};
  v.criteria = {{"min_headroom", 1.0 * Mi, 14.0 * Mi, true, "lowest 14.0Mi >= limit 1.0Mi"}};
  v.file_name = "smoke.yaml";
  v.started_unix_ms = 1'700'000'000'000;
  v.report_path = "/var/lib/memtorture/reports/smoke/report.json";
  return v;
}

TEST(ConvertTest, SnapshotEventCarriesEveryCampaignField) {
  pb::CampaignEvent out;
  to_pb(Event{4.5, view()}, &out);
  ASSERT_EQ(out.event_case(), pb::CampaignEvent::kSnapshot);
  const auto& c = out.snapshot();
  EXPECT_EQ(c.id(), "smoke-20261122T074512-3f2a");
  EXPECT_EQ(c.name(), "smoke");
  EXPECT_EQ(c.state(), pb::RUNNING);
  EXPECT_EQ(c.elapsed_s(), 4.5);
  EXPECT_EQ(c.duration_s(), 10);
  EXPECT_EQ(c.reason(), "running");
  ASSERT_TRUE(c.has_latest());
  EXPECT_EQ(c.latest().usage_bytes(), 30 * Mi);
  EXPECT_TRUE(c.latest().has_cgroup_psi());
  EXPECT_FALSE(c.latest().has_system_psi());
  EXPECT_EQ(c.peak_bytes(), 50 * Mi);
  EXPECT_TRUE(c.has_min_headroom());
  EXPECT_EQ(c.min_headroom_bytes(), static_cast<std::int64_t>(14 * Mi));
  ASSERT_EQ(c.workloads_size(), 1);
  expect_workload(c.workloads(0));
  ASSERT_EQ(c.criteria_size(), 1);
  EXPECT_EQ(c.criteria(0).name(), "min_headroom");
  EXPECT_TRUE(c.criteria(0).pass());
  EXPECT_EQ(c.file_name(), "smoke.yaml");
  EXPECT_EQ(c.started_unix_ms(), 1'700'000'000'000);
  EXPECT_EQ(c.report_path(), "/var/lib/memtorture/reports/smoke/report.json");
}

TEST(ConvertTest, ZeroMinHeadroomIsStillMarkedPresent) {
  // A cgroup filled to the byte has headroom 0: has_min_headroom tells it from "unknown".
  CampaignView v = view();
  v.min_headroom_bytes = 0;
  pb::Campaign c;
  to_pb(v, &c);
  EXPECT_TRUE(c.has_min_headroom());
  EXPECT_EQ(c.min_headroom_bytes(), 0);
}

TEST(ConvertTest, ViewWithoutSamplesHasNoLatestAndNoMinHeadroom) {
  CampaignView v = view();
  v.latest.reset();
  v.min_headroom_bytes.reset();
  v.peak_bytes = 0;
  pb::Campaign c;
  to_pb(v, &c);
  EXPECT_FALSE(c.has_latest());
  EXPECT_FALSE(c.has_min_headroom());
  EXPECT_EQ(c.min_headroom_bytes(), 0);
  EXPECT_EQ(c.peak_bytes(), 0u);
}

// ---- ProbeRcu's ledger, SystemInfo's ledger fields -----------------------------------------

rcu::ProbeLedger probe_ledger() {
  using namespace std::chrono_literals;
  rcu::ProbeLedger l;
  l.facts.flavour = "rcu_preempt";
  l.facts.cpus = {0, 1};
  l.facts.freed = l.facts.pending = l.facts.krc = l.facts.barrier = true;
  l.facts.notes = {"not covered: SRCU and Tasks RCU callback queues (separate per-CPU lists)"};
  rcu::FreedRates f;
  f.seconds = 2.001;
  f.bytes_per_s = 585e6;
  f.objects_per_s = 450e3;
  f.pages_per_s = 71e3;
  f.kfree_per_s = 157e3;
  f.recursion_misses = 12;
  f.top = {{"UDP", 132e3, 178e6}, {"sock_inode_cache", 132e3, 110e6}};
  l.freed = f;
  rcu::PendingCounts c;
  c.total.len = 3600;
  c.total.seglen = {100, 1500, 0, 2000};
  c.total.krc_head_count = 5;
  c.total.krc_bulk_count = {7, 0};
  c.barrier_sequence = 12;
  l.counts = c;  // no lazy_len: this kernel has none
  rcu::PendingBytes b;
  b.bytes = 2'500'000;
  b.done_bytes_estimate = 73'500;
  b.callbacks = 3400;
  b.expected = 3500;
  b.complete = false;
  b.retries = 1;
  b.took = 1800us;
  b.by_function = {{0xffffffff81e83670, "__sk_destruct", 3060, 3060, 4'100'000}};
  b.by_cache = {{0xffff888100001000, "UDP", 1344, 3060, 3060, 4'100'000}};
  l.bytes = b;  // krc not walked
  rcu::BarrierBacklog bb;
  bb.outcome = rcu::BarrierOutcome::ran;
  bb.detail = "barrier_sequence 8 -> 12";
  bb.duration = 25ms;
  bb.bytes = 7'400'000;
  bb.pending_before = 3600;
  bb.by_cache = {rcu::CacheFreed{}};
  bb.by_cache[0].name = "UDP";
  bb.by_cache[0].bytes = 4'000'000;
  l.barrier = bb;
  return l;
}

TEST(ConvertTest, ProbeLedgerEverySection) {
  rcu::ProbeResult r;
  r.ledger = probe_ledger();
  pb::ProbeRcuResponse out;
  to_pb(r, &out);
  ASSERT_TRUE(out.has_ledger());
  EXPECT_EQ(out.ledger_error(), "");
  const auto& l = out.ledger();
  EXPECT_EQ(l.coverage().flavour(), "rcu_preempt");
  EXPECT_EQ(l.coverage().cpus_size(), 2);
  EXPECT_TRUE(l.coverage().krc());
  EXPECT_THAT(l.coverage().notes(), ::testing::ElementsAre(::testing::HasSubstr("SRCU")));
  EXPECT_EQ(l.freed().seconds(), 2.001);
  EXPECT_EQ(l.freed().bytes_per_s(), 585e6);
  EXPECT_EQ(l.freed().recursion_misses(), 12u);
  ASSERT_EQ(l.freed().top_caches_size(), 2);
  EXPECT_EQ(l.freed().top_caches(1).name(), "sock_inode_cache");
  EXPECT_EQ(l.freed().top_caches(1).bytes_per_s(), 110e6);
  EXPECT_EQ(l.freed().top_caches(1).objects_per_s(), 132e3);
  EXPECT_EQ(l.pending().callbacks(), 3600);
  EXPECT_EQ(l.pending().done(), 100);
  EXPECT_EQ(l.pending().wait(), 1500);
  EXPECT_EQ(l.pending().next_ready(), 0);
  EXPECT_EQ(l.pending().next(), 2000);
  EXPECT_FALSE(l.pending().has_lazy()) << "null where the kernel has no lazy_len, not 0";
  EXPECT_EQ(l.pending().krc_objects(), 12);
  EXPECT_EQ(l.pending().barrier_sequence(), 12u);
  EXPECT_EQ(l.pending_bytes().bytes(), 2'500'000u);
  EXPECT_EQ(l.pending_bytes().bytes_with_done(), 2'573'500u);
  EXPECT_FALSE(l.pending_bytes().complete());
  EXPECT_EQ(l.pending_bytes().took_us(), 1800);
  EXPECT_EQ(l.pending_bytes().by_function(0).name(), "__sk_destruct");
  EXPECT_EQ(l.pending_bytes().by_cache(0).object_size(), 1344u);
  EXPECT_FALSE(l.pending_bytes().has_krc()) << "batches not walked: null";
  EXPECT_EQ(l.barrier_backlog().outcome(), pb::LedgerBarrierBacklog::OUTCOME_RAN);
  EXPECT_EQ(l.barrier_backlog().duration_us(), 25'000);
  EXPECT_EQ(l.barrier_backlog().bytes(), 7'400'000u);
  EXPECT_EQ(l.barrier_backlog().by_cache(0).name(), "UDP");
}

TEST(ConvertTest, ProbeLedgerAFailedStepIsNullAndTheErrorPassesThrough) {
  rcu::ProbeResult r;
  r.ledger = probe_ledger();
  r.ledger->bytes.reset();
  r.ledger->counts->total.lazy_len = 0;
  r.ledger_error = "pending_bytes: EFAULT";
  pb::ProbeRcuResponse out;
  to_pb(r, &out);
  EXPECT_FALSE(out.ledger().has_pending_bytes());
  EXPECT_TRUE(out.ledger().has_barrier_backlog());
  EXPECT_TRUE(out.ledger().pending().has_lazy()) << "0 lazy callbacks is a value";
  EXPECT_EQ(out.ledger_error(), "pending_bytes: EFAULT");

  rcu::ProbeResult none;
  none.ledger_error = "cannot open the RCU ledger: not privileged";
  pb::ProbeRcuResponse unopened;
  to_pb(none, &unopened);
  EXPECT_FALSE(unopened.has_ledger());
  EXPECT_EQ(unopened.ledger_error(), "cannot open the RCU ledger: not privileged");
}

TEST(ConvertTest, LedgerAvailabilityInSystemInfo) {
  pb::SystemInfo here;
  set_ledger_availability("", "", &here);
  EXPECT_TRUE(here.ledger_available());
  EXPECT_EQ(here.ledger_unavailable_reason(), "");
  EXPECT_EQ(here.ledger_unsized_reason(), "");

  pb::SystemInfo counts_only;
  set_ledger_availability("", "no bpf_get_kmem_cache kfunc", &counts_only);
  EXPECT_TRUE(counts_only.ledger_available());
  EXPECT_EQ(counts_only.ledger_unsized_reason(), "no bpf_get_kmem_cache kfunc");

  rcu::LedgerHostFacts host;  // made up: everything there but the privilege
  host.btf = host.kallsyms_addresses = true;
  host.tp_rcu_utilization = host.tp_kmem_cache_free = host.tp_sched_update_nr_running = true;
  host.kfunc_get_kmem_cache = host.percpu_runqueues = host.percpu_rcu_data = true;
  pb::SystemInfo elsewhere;
  set_ledger_availability(rcu::unavailable_reason(host).value_or(""), "unsized", &elsewhere);
  EXPECT_FALSE(elsewhere.ledger_available());
  EXPECT_THAT(elsewhere.ledger_unavailable_reason(), ::testing::HasSubstr("CAP_BPF"));
  EXPECT_EQ(elsewhere.ledger_unsized_reason(), "");  // says nothing of a ledger that cannot run
}

}  // namespace
}  // namespace mt::daemon
