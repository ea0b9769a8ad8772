// The ramp arithmetic and the page toucher on a few MiB, the page_cache workload's file (never the
// workloads themselves: they run only inside a memory-limited cgroup, in the integration tests).
#include "workloads/anon.h"
#include "workloads/page_cache.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <vector>

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = 1 << 20;

TEST(RampTarget, LinearToSize) {
  EXPECT_EQ(ramp_target(1000, 10s, 0s), 0u);
  EXPECT_EQ(ramp_target(1000, 10s, 1s), 100u);
  EXPECT_EQ(ramp_target(1000, 10s, 5s), 500u);
  EXPECT_EQ(ramp_target(1000, 10s, 10s), 1000u);
  EXPECT_EQ(ramp_target(1000, 10s, 100s), 1000u);
  EXPECT_EQ(ramp_target(1000, 10s, -1s), 0u);
}

// With churn the line keeps its slope from the lower point: it reaches the size later.
TEST(ChurnTarget, TheRampsRateFromWhatIsLeft) {
  EXPECT_EQ(churn_target(1000, 10s, 5s, 0), 500u);
  EXPECT_EQ(churn_target(1000, 10s, 5s, 200), 300u);
  EXPECT_EQ(churn_target(1000, 10s, 10s, 200), 800u) << "past the ramp's end, still growing";
  EXPECT_EQ(churn_target(1000, 10s, 12s, 200), 1000u);
  EXPECT_EQ(churn_target(1000, 10s, 30s, 200), 1000u) << "never past the size";
  EXPECT_EQ(churn_target(1000, 10s, 1s, 500), 0u) << "never below 0";
  EXPECT_EQ(churn_target(1000, 0s, 1s, 500), 1000u) << "no ramp: all at once";
}

TEST(RampTarget, NoRampMeansAllAtOnce) {
  EXPECT_EQ(ramp_target(64 * kMiB, 0s, 0s), 64 * kMiB);
}

TEST(RampTarget, HugeSizesDoNotOverflow) {
  const std::uint64_t size = 1ULL << 62;
  EXPECT_EQ(ramp_target(size, 4s, 1s), size / 4);
  EXPECT_EQ(ramp_target(size, 4s, 3s), size / 4 * 3);
}

// Pages of `region` that are resident.
std::vector<bool> resident(const AnonRegion& region) {
  std::vector<unsigned char> vec(region.page_count());
  EXPECT_EQ(::mincore(const_cast<void*>(region.data()), region.size(), vec.data()), 0);
  std::vector<bool> out;
  for (unsigned char v : vec) out.push_back(v & 1);
  return out;
}

TEST(AnonRegion, TouchesExactlyTheAskedPages) {
  auto region = AnonRegion::map(4 * kMiB);
  ASSERT_TRUE(region.ok()) << region.error().message;
  const std::size_t pages = region->page_count();
  ASSERT_EQ(pages, 4 * kMiB / region->page_size());

  for (bool r : resident(*region)) ASSERT_FALSE(r);  // fresh mapping: nothing touched
  EXPECT_EQ(region->touch(0, pages / 2), pages / 2);
  auto after_half = resident(*region);
  for (std::size_t p = 0; p < pages; ++p) {
    ASSERT_EQ(after_half[p], p < pages / 2) << "page " << p;
  }
  EXPECT_EQ(region->touch(pages / 2, pages + 100), pages - pages / 2);  // clamped to the end
  for (bool r : resident(*region)) ASSERT_TRUE(r);
  EXPECT_EQ(region->touch(0, pages), pages);  // a rewrite pass
  EXPECT_EQ(region->touch(pages, pages), 0u);
}

TEST(AnonRegion, EveryPassWritesNonZero) {
  auto region = AnonRegion::map(2 * kMiB);
  ASSERT_TRUE(region.ok()) << region.error().message;
  const auto* bytes = static_cast<const unsigned char*>(region->data());
  for (int pass = 0; pass < 600; ++pass) {  // more than 256: the stamp wraps
    region->touch(0, region->page_count());
    ASSERT_NE(bytes[0], 0) << "pass " << pass;
    ASSERT_NE(bytes[region->page_size() * (region->page_count() - 1)], 0) << "pass " << pass;
  }
}

TEST(AnonRegion, BytesOfAPartialLastPage) {
  auto region = AnonRegion::map(10000);
  ASSERT_TRUE(region.ok()) << region.error().message;
  const std::size_t page = region->page_size();
  EXPECT_EQ(region->page_count(), (10000 + page - 1) / page);
  EXPECT_EQ(region->bytes_in(0), 0u);
  EXPECT_EQ(region->bytes_in(1), std::min<std::uint64_t>(page, 10000));
  EXPECT_EQ(region->bytes_in(region->page_count()), 10000u);
}

TEST(AnonRegion, ReleasedPagesAreGivenBackAndReadZero) {
  auto region = AnonRegion::map(64 * 4096);
  ASSERT_TRUE(region.ok()) << region.error().message;
  ASSERT_EQ(region->touch(0, region->page_count()), region->page_count());
  const auto* bytes = static_cast<const volatile char*>(region->data());
  const std::size_t page = region->page_size();
  ASSERT_NE(bytes[10 * page], 0);
  ASSERT_TRUE(region->release(8, 16).ok());
  EXPECT_NE(bytes[7 * page], 0);
  EXPECT_EQ(bytes[10 * page], 0) << "MADV_DONTNEED: zero-filled when read again";
  EXPECT_NE(bytes[16 * page], 0);
  EXPECT_TRUE(region->release(20, 10).ok()) << "an empty range is nothing to do";
}

TEST(AnonRegion, MapFailuresSayWhy) {
  auto zero = AnonRegion::map(0);
  EXPECT_FALSE(zero.ok());
  // More than the address space: mmap fails with ENOMEM without touching memory.
  auto huge = AnonRegion::map(1ULL << 62);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("ENOMEM"), std::string::npos) << huge.error().message;
  EXPECT_NE(huge.error().message.find("mmap"), std::string::npos) << huge.error().message;
}

TEST(AnonRegion, MovesOwnership) {
  auto region = AnonRegion::map(kMiB);
  ASSERT_TRUE(region.ok()) << region.error().message;
  const void* data = region->data();
  AnonRegion moved = std::move(*region);
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(moved.size(), kMiB);
  EXPECT_EQ(region->data(), nullptr);
  EXPECT_EQ(moved.touch(0, moved.page_count()), moved.page_count());
}

TEST(AnonWorkload, PrepareMapsAndReportsNothingYet) {
  // prepare() and cleanup() only: the thread never runs.
  FakeClock clock;
  AnonWorkload w(AnonOptions{.size = 4 * kMiB, .ramp = 1s}, clock);
  EXPECT_EQ(w.thread_count(), 1);
  ASSERT_TRUE(w.prepare().ok());
  EXPECT_EQ(w.counters(), Counters{});
  EXPECT_TRUE(w.cleanup().ok());
}

// prepare() and cleanup() only (the workload runs only inside a memory-limited cgroup: e2e
// page-cache): the file is made in the directory and removed again.
TEST(PageCacheWorkload, PrepareMakesTheFileCleanupRemovesIt) {
  char tmpl[] = "/tmp/mt-page-cache-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  FakeClock clock;
  {
    PageCacheWorkload w(PageCacheOptions{.size = 4 * kMiB, .dirty = true, .dir = dir}, clock);
    EXPECT_EQ(w.name(), "page_cache");
    ASSERT_TRUE(w.prepare().ok());
    EXPECT_TRUE(std::filesystem::exists(w.file()));
    EXPECT_EQ(w.file().parent_path(), dir);
    EXPECT_EQ(w.counters(), Counters{});
    EXPECT_TRUE(w.cleanup().ok());
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  PageCacheWorkload missing(PageCacheOptions{.size = kMiB, .dirty = false, .dir = dir / "gone"}, clock);
  const Status st = missing.prepare();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("gone"), std::string::npos) << st.error().message;
  PageCacheWorkload no_dir(PageCacheOptions{.size = kMiB}, clock);
  EXPECT_FALSE(no_dir.prepare().ok());
  std::filesystem::remove_all(dir);
}

TEST(AnonWorkload, PrepareFailsOnAnImpossibleSize) {
  FakeClock clock;
  AnonWorkload w(AnonOptions{.size = 1ULL << 62}, clock);
  Status prepared = w.prepare();
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.error().message.find("ENOMEM"), std::string::npos);
}

}  // namespace
}  // namespace mt::workloads
