#include "workloads/pacer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// Drives a pacer for `span` of fake time the way a flood thread does: reserve, sleep what it
// says (plus `oversleep`), do the operation (takes `op_cost`). Returns the operations done.
std::uint64_t drive(Pacer& pacer, FakeClock& clock, nanoseconds span, nanoseconds op_cost,
                    nanoseconds oversleep = 0ns) {
  const auto end = clock.now() + span;
  std::uint64_t ops = 0;
  while (clock.now() < end) {
    nanoseconds wait = pacer.reserve();
    if (wait > 0ns) clock.advance(wait + oversleep);
    if (clock.now() >= end) break;
    clock.advance(op_cost);
    ++ops;
  }
  return ops;
}

TEST(Pacer, DefaultBurstIsAboutTwentyMillisecondsOfOps) {
  EXPECT_EQ(Pacer::default_burst(0), 1u);
  EXPECT_EQ(Pacer::default_burst(1), 1u);
  EXPECT_EQ(Pacer::default_burst(100), 2u);
  EXPECT_EQ(Pacer::default_burst(1000), 20u);
  EXPECT_EQ(Pacer::default_burst(100000), 2000u);
}

TEST(Pacer, HoldsTheRate) {
  for (double rate : {1.0, 10.0, 333.0, 1000.0, 25000.0}) {
    FakeClock clock;
    Pacer pacer(rate, clock);
    std::uint64_t ops = drive(pacer, clock, 10s, 2us);
    double expected = rate * 10;
    EXPECT_GE(static_cast<double>(ops), expected - 1) << "rate " << rate;
    EXPECT_LE(static_cast<double>(ops), expected + static_cast<double>(pacer.burst()))
        << "rate " << rate;
  }
}

TEST(Pacer, CatchesUpOnOversleepWithinTheBurst) {
  // 10k ops/s: 100 us apart, but every sleep oversleeps by 60 us (a realistic timer slack).
  FakeClock clock;
  Pacer pacer(10000, clock);
  std::uint64_t ops = drive(pacer, clock, 10s, 5us, 60us);
  EXPECT_GE(ops, 100000u - 1);
  EXPECT_LE(ops, 100000u + pacer.burst());
}

TEST(Pacer, BurstIsBoundedAfterIdle) {
  FakeClock clock;
  Pacer pacer(1000, 5, clock);
  ASSERT_EQ(pacer.burst(), 5u);
  drive(pacer, clock, 1s, 1us);
  clock.advance(30s);  // idle: no credit beyond the burst
  int immediate = 0;
  while (pacer.reserve() == 0ns) ++immediate;
  EXPECT_EQ(immediate, 5);
}

TEST(Pacer, SpacesOperationsOneIntervalApartAfterTheBurst) {
  FakeClock clock;
  Pacer pacer(100, 1, clock);  // 10 ms apart, no burst
  EXPECT_EQ(pacer.interval(), 10ms);
  EXPECT_EQ(pacer.reserve(), 0ns);  // the first goes at once
  EXPECT_EQ(pacer.reserve(), 10ms);
  EXPECT_EQ(pacer.reserve(), 20ms);  // reserved back to back: each one a further interval out
  clock.advance(20ms);
  EXPECT_EQ(pacer.reserve(), 10ms);
}

TEST(Pacer, SlowOperationsBuildNoDebt) {
  // The operation takes longer than the interval: the pacer never waits, and when operations get
  // fast again only the burst goes back to back.
  FakeClock clock;
  Pacer pacer(1000, 3, clock);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(pacer.reserve(), 0ns);
    clock.advance(5ms);
  }
  int immediate = 0;
  while (pacer.reserve() == 0ns) ++immediate;
  EXPECT_EQ(immediate, 3);
}

TEST(Pacer, ZeroRateIsUnlimited) {
  FakeClock clock;
  Pacer pacer(0, clock);
  EXPECT_TRUE(pacer.unlimited());
  for (int i = 0; i < 1000000; ++i) ASSERT_EQ(pacer.reserve(), 0ns);
  Pacer negative(-5, clock);
  EXPECT_TRUE(negative.unlimited());
}

TEST(Pacer, FractionalRates) {
  FakeClock clock;
  Pacer pacer(0.5, clock);  // one op every 2 s
  EXPECT_EQ(pacer.interval(), 2s);
  std::uint64_t ops = drive(pacer, clock, 60s, 1ms);
  EXPECT_GE(ops, 29u);
  EXPECT_LE(ops, 31u);
}

}  // namespace
}  // namespace mt::workloads
