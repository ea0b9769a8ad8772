// compile(): the host-dependent rules, on made-up hosts, every message at file:line:col.
#include "campaign/compile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

HostFeatures v2_host() {
  HostFeatures h;
  h.memory_v2 = true;
  h.memory_root = "/sys/fs/cgroup";
  h.per_cgroup_psi = true;
  h.cap_sys_resource = false;
  h.cpus = 2;
  return h;
}

HostFeatures v1_host() {
  HostFeatures h = v2_host();
  h.memory_v2 = false;
  h.memory_root = "/sys/fs/cgroup/memory";
  return h;
}

TEST(Compile, AValidCampaignOnACapableHostIsItsPlan) {
  const auto parsed = parse(Campaign{}.str());
  const auto r = compile(parsed, v2_host(), "t.yaml");
  ASSERT_TRUE(r.plan) << ::testing::PrintToString(r.errors);
  EXPECT_EQ(r.plan->spec, *parsed.spec);
  EXPECT_THAT(r.plan->warnings, IsEmpty());
}

TEST(Compile, ARequiredFeatureTheHostLacksIsUnmetAtItsEntryAndNothingElseIsChecked) {
  Campaign c;
  c.workloads = "  - name: rt\n    type: rcutorture\n";
  c.tail = "requires: [cgroup_v2, ledger_bytes, rcutorture]\n";
  HostFeatures h = v1_host();
  h.ledger_unsized = "no bpf_get_kmem_cache kfunc";
  h.workload_types_unavailable = {{"rcutorture", "no module"}};
  const auto r = compile(parse(c.str()), h, "t.yaml");
  EXPECT_FALSE(r.plan);
  EXPECT_THAT(r.errors, IsEmpty()) << "the workload type's refusal follows from the unmet need";
  ASSERT_EQ(r.unmet.size(), 3u);
  EXPECT_EQ(r.unmet[0].str(),
            "t.yaml:8:12: requires[0] cgroup_v2: the memory controller is on cgroup v1 here "
            "(/sys/fs/cgroup/memory)");
  EXPECT_EQ(r.unmet[1].str(),
            "t.yaml:8:23: requires[1] ledger_bytes: the RCU ledger only counts here: no "
            "bpf_get_kmem_cache kfunc");
  EXPECT_THAT(r.unmet[2].str(), HasSubstr("requires[2] rcutorture: the rcutorture module cannot "
                                          "be loaded: no module"));
  h.ledger_unavailable = "not privileged";
  EXPECT_THAT(compile(parse(c.str()), h, "t.yaml").unmet[1].str(),
              HasSubstr("the RCU ledger cannot run here: not privileged"));

  c.tail = "requires: [cgroup_v2, ledger, ledger_bytes, rcutorture]\n";
  const auto met = compile(parse(c.str()), v2_host(), "t.yaml");
  EXPECT_TRUE(met.plan) << ::testing::PrintToString(met.unmet);
  EXPECT_THAT(met.unmet, IsEmpty());
}

TEST(Compile, MemoryHighOnAV1MemoryControllerIsAnErrorAtItsValue) {
  Campaign c;
  c.cgroup = "  memory_limit: 64Mi\n  memory_high: 32Mi\n";
  const auto r = compile(parse(c.str()), v1_host(), "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "t.yaml:5:16: cgroup.memory_high: needs the cgroup v2 memory controller; this host "
            "has it on v1 (/sys/fs/cgroup/memory)");
  EXPECT_TRUE(compile(parse(c.str()), v2_host(), "t.yaml").plan);
}

TEST(Compile, AFloodKindTheHostCannotRunIsAnErrorAtItsKind) {
  Campaign c;
  c.workloads = "  - name: w\n    type: flood\n    kind: cred\n";
  HostFeatures h = v2_host();
  h.flood_kinds_unavailable = {{"cred", "changing credentials needs CAP_SETGID"}};
  const auto r = compile(parse(c.str()), h, "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "t.yaml:8:11: workloads[0].kind: cred cannot run on this host: changing credentials "
            "needs CAP_SETGID");
  EXPECT_TRUE(compile(parse(c.str()), v2_host(), "t.yaml").plan) << "a host that can";
  h.flood_kinds_unavailable = {{"sysv_sem", "no System V IPC"}};
  EXPECT_TRUE(compile(parse(c.str()), h, "t.yaml").plan) << "another kind is refused, not this";
}

TEST(Compile, AWorkloadTypeTheHostCannotRunIsAnErrorAtItsType) {
  Campaign c;
  c.workloads = "  - name: rt\n    type: rcutorture\n";
  HostFeatures h = v2_host();
  h.workload_types_unavailable = {{"rcutorture", "this kernel cannot load modules"}};
  const auto r = compile(parse(c.str()), h, "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "t.yaml:7:11: workloads[0].type: rcutorture workloads cannot run on this host: this "
            "kernel cannot load modules");
  EXPECT_TRUE(compile(parse(c.str()), v2_host(), "t.yaml").plan) << "a host that can";
}

TEST(Compile, AStressorTheInstalledStressNgLacksIsAnErrorAtItsKey) {
  Campaign c;
  c.workloads = "  - name: s\n    type: stress_ng\n    stressors:\n      vm: 1\n      dentry: 2\n";
  HostFeatures h = v2_host();
  h.stress_ng_version = "stress-ng, version 0.15.06";
  h.stress_ng_stressors = {"vm", "udp"};
  const auto r = compile(parse(c.str()), h, "t.yaml");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "t.yaml:10:15: workloads[0].stressors.dentry: the installed stress-ng (stress-ng, "
            "version 0.15.06) has no dentry stressor");
  h.stress_ng_stressors = {"vm", "dentry"};
  EXPECT_TRUE(compile(parse(c.str()), h, "t.yaml").plan);
  h.stress_ng_stressors.clear();  // not asked: nothing refused
  EXPECT_TRUE(compile(parse(c.str()), h, "t.yaml").plan);
}

TEST(Compile, ABurstBarrierWithoutDoRcuBarrierIsAnErrorAtBursts) {
  Campaign c;
  c.workloads = "  - name: f\n    type: flood\n    kind: udp_socket\n    bursts:\n      flood: 1s\n";
  HostFeatures h = v2_host();
  h.rcu_barrier = false;
  auto r = compile(parse(c.str()), h, "t.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].str(), HasSubstr("t.yaml:10:7: workloads[0].bursts.barrier: a burst's barrier needs"));
  c.workloads += "      barrier: false\n";
  EXPECT_TRUE(compile(parse(c.str()), h, "t.yaml").plan);
  h.rcu_barrier = true;
  c.workloads = "  - name: f\n    type: flood\n    kind: udp_socket\n    bursts:\n      flood: 1s\n";
  EXPECT_TRUE(compile(parse(c.str()), h, "t.yaml").plan);
}

TEST(Compile, AWindowTheKernelWillRefuseIsAWarningAtTheWindow) {
  Campaign c;
  c.tail = "psi_trigger:\n  window: 3s\n";
  auto r = compile(parse(c.str()), v2_host(), "t.yaml");
  ASSERT_TRUE(r.plan);
  ASSERT_EQ(r.plan->warnings.size(), 1u);
  EXPECT_EQ(r.plan->warnings[0].line, 10);
  EXPECT_THAT(r.plan->warnings[0].message, HasSubstr("psi_trigger.window: without CAP_SYS_RESOURCE"));
  HostFeatures privileged = v2_host();
  privileged.cap_sys_resource = true;
  EXPECT_THAT(compile(parse(c.str()), privileged, "t.yaml").plan->warnings, IsEmpty());
  c.tail = "psi_trigger:\n  window: 4s\n";
  EXPECT_THAT(compile(parse(c.str()), v2_host(), "t.yaml").plan->warnings, IsEmpty());
}

TEST(Compile, AWindowLeftToTheHostIsSubSecondWithCapSysResource) {
  HostFeatures privileged = v2_host();
  privileged.cap_sys_resource = true;
  auto r = compile(parse(Campaign{}.str()), privileged, "t.yaml");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.plan->spec.psi_trigger.window, std::chrono::milliseconds(500));
  EXPECT_TRUE(r.plan->spec.psi_trigger.window_default);
  EXPECT_THAT(r.plan->warnings, IsEmpty());
  // Without it the kernel takes whole 2 s only.
  r = compile(parse(Campaign{}.str()), v2_host(), "t.yaml");
  EXPECT_EQ(r.plan->spec.psi_trigger.window, std::chrono::seconds(2));
  // A window the file sets is kept, and so is 2 s for a stall that does not fit in 500ms.
  Campaign set;
  set.tail = "psi_trigger:\n  window: 4s\n";
  EXPECT_EQ(compile(parse(set.str()), privileged, "t.yaml").plan->spec.psi_trigger.window,
            std::chrono::seconds(4));
  set.tail = "psi_trigger:\n  stall: 800ms\n";
  EXPECT_EQ(compile(parse(set.str()), privileged, "t.yaml").plan->spec.psi_trigger.window,
            std::chrono::seconds(2));
  // The normalized file keeps "left to the host".
  EXPECT_THAT(to_yaml(*parse(Campaign{}.str()).spec), ::testing::Not(HasSubstr("window:")));
  EXPECT_THAT(to_yaml(*parse(set.str()).spec), HasSubstr("stall: 800ms"));
}

TEST(Compile, NoPerCgroupPsiIsAWarningThatSaysWhatFollows) {
  HostFeatures h = v1_host();
  h.per_cgroup_psi = false;
  const auto r = compile(parse(Campaign{}.str()), h, "t.yaml");
  ASSERT_TRUE(r.plan);
  ASSERT_EQ(r.plan->warnings.size(), 1u);
  EXPECT_THAT(r.plan->warnings[0].message, HasSubstr("the trigger is not armed"));
  Campaign off;
  off.tail = "psi_trigger:\n  enabled: false\n";
  EXPECT_THAT(compile(parse(off.str()), h, "t.yaml").plan->warnings, IsEmpty());
}

TEST(Compile, AnInvalidCampaignKeepsItsParseErrors) {
  Campaign c;
  c.duration = "0s";
  const auto parsed = parse(c.str());
  const auto r = compile(parsed, v2_host(), "t.yaml");
  EXPECT_FALSE(r.plan);
  EXPECT_EQ(r.errors.size(), parsed.errors.size());
}

}  // namespace
}  // namespace mt::campaign
