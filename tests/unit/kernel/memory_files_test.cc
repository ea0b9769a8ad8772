#include "kernel/memory_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fs.h"

namespace mt::kernel {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kMemory = std::filesystem::path(MT_FIXTURES) / "kernel" / "memory";

std::string fixture(const std::string& name) {
  auto text = fs::read_file(kMemory / name);
  EXPECT_TRUE(text.ok()) << text.error().message;
  return text.value_or("");
}

TEST(ParseFlatKeyed, MemoryEvents) {
  auto m = parse_flat_keyed(fixture("memory.events.v2"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->size(), 6u);
  EXPECT_EQ(m->at("high"), 12u);
  EXPECT_EQ(m->at("max"), 345u);
  EXPECT_EQ(m->at("oom"), 6u);
  EXPECT_EQ(m->at("oom_kill"), 4u);
}

TEST(ParseFlatKeyed, HostV1StatAndOomControl) {
  auto stat = parse_flat_keyed(fixture("memory.stat.v1"));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_TRUE(stat->count("rss"));
  EXPECT_TRUE(stat->count("hierarchical_memory_limit"));
  auto oom = parse_flat_keyed(fixture("memory.oom_control.v1"));
  ASSERT_TRUE(oom.ok()) << oom.error().message;
  EXPECT_EQ(oom->count("oom_kill"), 1u);
  EXPECT_EQ(oom->count("under_oom"), 1u);
}

TEST(ParseFlatKeyed, BlankLinesAndTabs) {
  auto m = parse_flat_keyed("\na\t1\n\nb   18446744073709551615\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->at("a"), 1u);
  EXPECT_EQ(m->at("b"), UINT64_MAX);
}

TEST(ParseFlatKeyed, Errors) {
  auto no_value = parse_flat_keyed("low 0\nhigh\n");
  ASSERT_FALSE(no_value.ok());
  EXPECT_THAT(no_value.error().message, HasSubstr("line 2: expected 'key value', got 'high'"));
  auto not_number = parse_flat_keyed("low 0\nhigh 1x\n");
  ASSERT_FALSE(not_number.ok());
  EXPECT_THAT(not_number.error().message,
              HasSubstr("line 2: value of 'high' is not an unsigned integer: '1x'"));
  auto negative = parse_flat_keyed("x -3\n");
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.error().message, HasSubstr("'-3'"));
  auto two_values = parse_flat_keyed("x 3 4\n");
  ASSERT_FALSE(two_values.ok());
  EXPECT_THAT(two_values.error().message, HasSubstr("'3 4'"));
  auto duplicate = parse_flat_keyed("x 3\nx 4\n");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.error().message, HasSubstr("line 2: duplicate key 'x'"));
}

TEST(ParseLimit, MaxHugeV1AndPlain) {
  EXPECT_EQ(parse_limit("max\n").value(), kUnlimited);
  EXPECT_EQ(parse_limit(fixture("memory.max.v2")).value(), kUnlimited);
  EXPECT_EQ(parse_limit(fixture("memory.limit_in_bytes.v1-unlimited")).value(), kUnlimited);
  EXPECT_EQ(parse_limit("9223372036854771712").value(), kUnlimited);
  EXPECT_EQ(parse_limit("4611686018427387904").value(), kUnlimited);  // 2^62
  EXPECT_EQ(parse_limit("4611686018427387903").value(), 4611686018427387903u);
  EXPECT_EQ(parse_limit("268435456\n").value(), 268435456u);
  EXPECT_EQ(parse_limit("0").value(), 0u);
}

TEST(ParseLimit, Errors) {
  for (const char* bad : {"", "\n", "Max", "-1", "12k", "1 2"}) {
    auto r = parse_limit(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "' parsed";
    EXPECT_THAT(r.error().message, HasSubstr("expected a number of bytes or 'max'"));
  }
}

TEST(ParseMeminfo, KilobytesAndCounts) {
  auto m = parse_meminfo(
      "MemTotal:       24590056 kB\n"
      "MemFree:        1000 kB\n"
      "HugePages_Total:       0\n"
      "Hugepagesize:       2048 kB\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->at("MemTotal"), 24590056ull * 1024);
  EXPECT_EQ(m->at("MemFree"), 1000u * 1024);
  EXPECT_EQ(m->at("HugePages_Total"), 0u);
  EXPECT_EQ(m->at("Hugepagesize"), 2048u * 1024);
}

TEST(ParseMeminfo, Errors) {
  auto no_colon = parse_meminfo("MemTotal 5 kB\n");
  ASSERT_FALSE(no_colon.ok());
  EXPECT_THAT(no_colon.error().message, HasSubstr("line 1: expected 'Key: value [kB]'"));
  auto bad_value = parse_meminfo("MemTotal: 5 kB\nMemFree: lots kB\n");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_THAT(bad_value.error().message, HasSubstr("line 2: value of 'MemFree' is not a number"));
  auto overflow = parse_meminfo("Big: 18446744073709551615 kB\n");
  ASSERT_FALSE(overflow.ok());
  EXPECT_THAT(overflow.error().message, HasSubstr("overflows"));
}

TEST(ReadMemTotal, HostFixtureAndErrors) {
  auto total = read_mem_total(kMemory / "meminfo");
  ASSERT_TRUE(total.ok()) << total.error().message;
  EXPECT_GT(*total, 64ull << 20);
  EXPECT_EQ(*total % 1024, 0u);

  auto missing = read_mem_total(kMemory / "no-such-meminfo");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("no-such-meminfo"));

  auto no_total = read_mem_total(kMemory / "memory.events.v2");
  ASSERT_FALSE(no_total.ok());
  EXPECT_THAT(no_total.error().message, HasSubstr("memory.events.v2"));
}

// What reclaim can take back without swap: v1 the hierarchical file LRUs; v2 file pages that
// are not shmem (shmem is swap-backed) plus reclaimable slab.
TEST(ReclaimableBytes, V1FromTheHostFixtureV2FromFileShmemAndSlab) {
  auto v1 = parse_flat_keyed(fixture("memory.stat.v1"));
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(reclaimable_bytes(*v1, false), 206974976u + 168050688u);

  const std::map<std::string, std::uint64_t> v2 = {
      {"anon", 900}, {"file", 500}, {"shmem", 120}, {"slab_reclaimable", 40}, {"slab", 70}};
  EXPECT_EQ(reclaimable_bytes(v2, true), 500u - 120u + 40u);
  // shmem counted in file but larger than it (a racy read): never below zero.
  EXPECT_EQ(reclaimable_bytes({{"file", 10}, {"shmem", 30}}, true), 0u);
  EXPECT_EQ(reclaimable_bytes({}, true), 0u);
  EXPECT_EQ(reclaimable_bytes({}, false), 0u);
}

TEST(ReclaimCounters, V2StatAndBothVmstatShapes) {
  const auto v2 = reclaim_counters_v2({{"pgscan", 77}, {"pgsteal", 55}, {"pgfault", 9}});
  EXPECT_EQ(v2.scanned, 77u);
  EXPECT_EQ(v2.stolen, 55u);
  // Kernels since 5.x split by LRU type; the per-reclaimer counters are the same pages again.
  const auto by_type = reclaim_counters_vmstat({{"pgscan_anon", 10},
                                                {"pgscan_file", 20},
                                                {"pgsteal_anon", 1},
                                                {"pgsteal_file", 2},
                                                {"pgscan_kswapd", 30},
                                                {"pgsteal_kswapd", 3}});
  EXPECT_EQ(by_type.scanned, 30u);
  EXPECT_EQ(by_type.stolen, 3u);
  const auto by_reclaimer = reclaim_counters_vmstat({{"pgscan_kswapd", 5},
                                                     {"pgscan_direct", 6},
                                                     {"pgscan_khugepaged", 7},
                                                     {"pgsteal_kswapd", 1},
                                                     {"pgsteal_direct", 2}});
  EXPECT_EQ(by_reclaimer.scanned, 18u);
  EXPECT_EQ(by_reclaimer.stolen, 3u);
}

}  // namespace
}  // namespace mt::kernel
