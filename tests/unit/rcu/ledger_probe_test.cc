// Whether the ledger can run, judged from made-up host facts, and the sysfs CPU list parser.
#include "rcu/ledger_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace mt::rcu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LedgerHostFacts good() {
  LedgerHostFacts f;
  f.btf = f.privileged = f.kallsyms_addresses = true;
  f.tp_rcu_utilization = f.tp_kmem_cache_free = f.tp_sched_update_nr_running = true;
  f.kfunc_get_kmem_cache = f.percpu_runqueues = f.percpu_rcu_data = true;
  f.lockdown = "integrity";
  return f;
}

TEST(UnavailableReason, NoneWhenEverythingIsThere) {
  EXPECT_FALSE(unavailable_reason(good()).has_value());
}

TEST(UnavailableReason, EachMissingPieceHasItsOwnReason) {
  auto why = [](auto change) {
    LedgerHostFacts f = good();
    change(f);
    return unavailable_reason(f).value_or("");
  };
  EXPECT_THAT(why([](auto& f) { f.btf = false; }), HasSubstr("BTF"));
  EXPECT_THAT(why([](auto& f) { f.privileged = false; }), HasSubstr("CAP_BPF"));
  EXPECT_THAT(why([](auto& f) { f.lockdown = "confidentiality"; }), HasSubstr("lockdown"));
  EXPECT_THAT(why([](auto& f) { f.kallsyms_addresses = false; }), HasSubstr("kallsyms"));
  EXPECT_THAT(why([](auto& f) { f.tp_rcu_utilization = false; }), HasSubstr("rcu_utilization"));
  EXPECT_THAT(why([](auto& f) { f.tp_kmem_cache_free = false; }), HasSubstr("kmem_cache_free"));
  EXPECT_THAT(why([](auto& f) { f.tp_sched_update_nr_running = false; }), HasSubstr("runqueues"));
  EXPECT_THAT(why([](auto& f) { f.percpu_rcu_data = false; }), HasSubstr(".data..percpu"));
}

TEST(UnsizedReason, WithoutTheKfuncTheLedgerRunsAndOnlyCounts) {
  LedgerHostFacts f = good();
  EXPECT_FALSE(unsized_reason(f).has_value());
  f.kfunc_get_kmem_cache = false;  // 6.12 and older
  EXPECT_FALSE(unavailable_reason(f).has_value());
  EXPECT_THAT(unsized_reason(f).value_or(""), HasSubstr("6.13"));
  EXPECT_THAT(unsized_reason(f).value_or(""), HasSubstr("counted, not sized"));
}

TEST(UnavailableReason, AHostWithoutBtfSaysWhereItLooked) {
  namespace stdfs = std::filesystem;
  std::string tmpl = (stdfs::temp_directory_path() / "mt-ledger-probe-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  LedgerProbeEnv env;
  env.sys = stdfs::path(tmpl) / "sys";
  env.proc = stdfs::path(tmpl) / "proc";
  auto why = ledger_unavailable_reason(env);
  stdfs::remove_all(tmpl);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("kernel/btf/vmlinux"));
  EXPECT_THAT(*why, HasSubstr("CONFIG_DEBUG_INFO_BTF"));
}

TEST(CpuList, RangesAndSingles) {
  EXPECT_THAT(*parse_cpu_list("0-1\n"), ElementsAre(0, 1));
  EXPECT_THAT(*parse_cpu_list("0,2-4,7"), ElementsAre(0, 2, 3, 4, 7));
  EXPECT_TRUE(parse_cpu_list("")->empty());
  EXPECT_FALSE(parse_cpu_list("3-1").ok());
  EXPECT_FALSE(parse_cpu_list("a").ok());
  EXPECT_FALSE(parse_cpu_list("1-").ok());
}

// Found by tests/fuzz (kernel_files): "003-0331702036" asked for 331 million CPUs, and a range
// ending at INT_MAX never ended. A list holds each CPU once, none above kMaxCpuNumber.
TEST(CpuList, HugeRangesAndRepeatsAreRefusedNotAllocated) {
  EXPECT_THAT(parse_cpu_list("003-0331702036").error().message,
              HasSubstr("CPU 331702036 is above 65535"));
  EXPECT_FALSE(parse_cpu_list("0-2147483647").ok());
  EXPECT_THAT(parse_cpu_list("0-3,2-5").error().message,
              HasSubstr("'2-5' is not above the CPUs before it"));
  EXPECT_FALSE(parse_cpu_list("0,0").ok());
  EXPECT_FALSE(parse_cpu_list("4,1").ok());
  EXPECT_EQ(parse_cpu_list("0-65535")->size(), 65536u);
}

}  // namespace
}  // namespace mt::rcu
