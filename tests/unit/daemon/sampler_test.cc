// Sampler: raw readings in, Samples out (headroom, PSI stall deltas since the previous reading).
#include "daemon/sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>

#include "kernel/memory_files.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using testing::Mi;

kernel::Psi kpsi(double some_avg10, std::uint64_t some_total, std::optional<double> full_avg10,
                 std::uint64_t full_total = 0) {
  kernel::Psi p;
  p.some.avg10 = some_avg10;
  p.some.total_us = some_total;
  if (full_avg10) {
    kernel::PsiLine f;
    f.avg10 = *full_avg10;
    f.total_us = full_total;
    p.full = f;
  }
  return p;
}

Readings readings(double t, std::uint64_t usage, std::uint64_t limit) {
  Readings r;
  r.t_s = t;
  r.memory.usage = usage;
  r.memory.limit = limit;
  return r;
}

TEST(SamplerTest, CopiesTheMemoryFiguresAndComputesHeadroom) {
  Sampler s;
  Readings r = readings(1.25, 40 * Mi, 64 * Mi);
  r.memory.kernel = 3 * Mi;
  r.memory.oom_kills = 2;
  r.memory.peak = 50 * Mi;
  Sample out = s.next(r);
  EXPECT_EQ(out.t_s, 1.25);
  EXPECT_EQ(out.usage_bytes, 40 * Mi);
  EXPECT_EQ(out.limit_bytes, 64 * Mi);
  EXPECT_EQ(out.headroom_bytes, static_cast<std::int64_t>(24 * Mi));
  EXPECT_EQ(out.kernel_bytes, 3 * Mi);
  EXPECT_EQ(out.oom_kills, 2u);
  EXPECT_FALSE(out.cgroup_psi);
  EXPECT_FALSE(out.system_psi);
}

TEST(SamplerTest, UnlimitedLimitGivesTheLargestHeadroom) {
  Sampler s;
  Sample out = s.next(readings(0, 40 * Mi, kernel::kUnlimited));
  EXPECT_EQ(out.limit_bytes, kernel::kUnlimited);
  EXPECT_EQ(out.headroom_bytes, INT64_MAX);
}

TEST(SamplerTest, UsageAboveTheLimitGivesNegativeHeadroom) {
  Sampler s;
  Sample out = s.next(readings(0, 65 * Mi, 64 * Mi));
  EXPECT_EQ(out.headroom_bytes, -static_cast<std::int64_t>(1 * Mi));
}

TEST(SamplerTest, FirstPsiReadingHasAveragesButNoDeltas) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.cgroup_psi = kpsi(1.5, 1'000'000, 0.75, 400'000);
  r.system_psi = kpsi(0.5, 9'000'000, 0.25, 7'000'000);
  Sample out = s.next(r);
  ASSERT_TRUE(out.cgroup_psi);
  EXPECT_EQ(out.cgroup_psi->some_avg10, 1.5);
  EXPECT_EQ(out.cgroup_psi->full_avg10, 0.75);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 0u);
  EXPECT_EQ(out.cgroup_psi->full_stall_delta_us, 0u);
  ASSERT_TRUE(out.system_psi);
  EXPECT_EQ(out.system_psi->some_avg10, 0.5);
  EXPECT_EQ(out.system_psi->some_stall_delta_us, 0u);
}

TEST(SamplerTest, StallDeltasAreSinceThePreviousReadingPerSource) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.cgroup_psi = kpsi(0, 1'000, 0, 500);
  r.system_psi = kpsi(0, 50'000, 0, 40'000);
  (void)s.next(r);

  r.t_s = 0.1;
  r.cgroup_psi = kpsi(3, 26'000, 2, 10'500);
  r.system_psi = kpsi(1, 51'000, 0.5, 40'100);
  Sample out = s.next(r);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 25'000u);
  EXPECT_EQ(out.cgroup_psi->full_stall_delta_us, 10'000u);
  EXPECT_EQ(out.system_psi->some_stall_delta_us, 1'000u);
  EXPECT_EQ(out.system_psi->full_stall_delta_us, 100u);

  r.t_s = 0.2;  // nothing stalled since
  out = s.next(r);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 0u);
  EXPECT_EQ(out.cgroup_psi->full_stall_delta_us, 0u);
  EXPECT_EQ(out.cgroup_psi->some_avg10, 3);
}

TEST(SamplerTest, ACounterThatGoesBackwardsGivesZeroNotAHugeDelta) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.cgroup_psi = kpsi(0, 900'000, 0, 800'000);
  (void)s.next(r);
  r.cgroup_psi = kpsi(0, 100, 0, 50);  // a recreated cgroup starts again from 0
  Sample out = s.next(r);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 0u);
  EXPECT_EQ(out.cgroup_psi->full_stall_delta_us, 0u);
  r.cgroup_psi = kpsi(0, 300, 0, 80);  // and deltas continue from the new base
  out = s.next(r);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 200u);
  EXPECT_EQ(out.cgroup_psi->full_stall_delta_us, 30u);
}

TEST(SamplerTest, MissingFullLineGivesZeroFullFigures) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.system_psi = kpsi(2, 1'000, std::nullopt);
  (void)s.next(r);
  r.system_psi = kpsi(2, 3'000, std::nullopt);
  Sample out = s.next(r);
  ASSERT_TRUE(out.system_psi);
  EXPECT_EQ(out.system_psi->full_avg10, 0);
  EXPECT_EQ(out.system_psi->full_stall_delta_us, 0u);
  EXPECT_EQ(out.system_psi->some_stall_delta_us, 2'000u);
}

TEST(SamplerTest, ASourceThatAppearsLaterStartsWithoutADelta) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.system_psi = kpsi(0, 1'000, 0, 0);
  (void)s.next(r);
  r.cgroup_psi = kpsi(1, 5'000'000, 1, 4'000'000);
  r.system_psi = kpsi(0, 2'000, 0, 0);
  Sample out = s.next(r);
  ASSERT_TRUE(out.cgroup_psi);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 0u);
  EXPECT_EQ(out.system_psi->some_stall_delta_us, 1'000u);
}

TEST(SamplerTest, AReadingWithoutPsiKeepsTheLastBaseForTheNextOne) {
  Sampler s;
  Readings r = readings(0, 0, 64 * Mi);
  r.cgroup_psi = kpsi(0, 1'000, 0, 0);
  (void)s.next(r);
  r.cgroup_psi.reset();  // one unreadable sample
  Sample gap = s.next(r);
  EXPECT_FALSE(gap.cgroup_psi);
  r.cgroup_psi = kpsi(0, 4'000, 0, 0);
  Sample out = s.next(r);
  EXPECT_EQ(out.cgroup_psi->some_stall_delta_us, 3'000u);
}

}  // namespace
}  // namespace mt::daemon
