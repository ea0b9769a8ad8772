// CampaignCgroup::remove, sweep_prefix and attach_self_raw on fixture trees.
#include <unistd.h>

#include "campaign_fixture.h"
#include "kernel/memory_files.h"

namespace mt::cgroup::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// --- remove ----------------------------------------------------------------------------------

TEST_F(CampaignCgroupTest, RemoveKillsEverythingAndRemovesAllDirsIncludingPrefix) {
  Layout layout = hybrid();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ASSERT_TRUE(cg->attach(101).ok());
  ops_->place(cg->memory_path(), 102);   // only in the memory cgroup
  ops_->place(cg->unified_path(), 103);  // only in the twin
  ASSERT_TRUE(cg->remove().ok());
  // v1 has no cgroup.kill: pids are killed one by one (101 leaves the twin too, as a dead
  // process does); the twin's cgroup.kill takes what is left there.
  EXPECT_THAT(ops_->killed(), UnorderedElementsAre(101, 102, 103));
  EXPECT_THAT(ops_->log(),
              ::testing::Contains(HasSubstr("unified/memtorture-test/x/cgroup.kill 1")));
  EXPECT_FALSE(stdfs::exists(cg->memory_path()));
  EXPECT_FALSE(stdfs::exists(cg->unified_path()));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
  EXPECT_FALSE(stdfs::exists(tree_ / "unified" / kPrefix));

  std::size_t side_effects = ops_->log().size();
  ASSERT_TRUE(cg->remove().ok());  // idempotent
  EXPECT_EQ(ops_->log().size(), side_effects);
}

TEST_F(CampaignCgroupTest, RemoveOnV2UsesCgroupKill) {
  Layout layout = v2();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ASSERT_TRUE(cg->attach(5).ok());
  ASSERT_TRUE(cg->remove().ok());
  EXPECT_THAT(ops_->killed(), ElementsAre(5));
  EXPECT_THAT(ops_->log(), ::testing::Contains(HasSubstr("x/cgroup.kill 1")));
  EXPECT_FALSE(stdfs::exists(tree_ / "cg" / kPrefix));
}

TEST_F(CampaignCgroupTest, RemoveLeavesAPrefixOtherCampaignsUse) {
  Layout layout = hybrid();
  auto a = create(layout, "a");
  auto b = create(layout, "b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->remove().ok());
  EXPECT_FALSE(stdfs::exists(a->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(b->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(b->unified_path()));
  ASSERT_TRUE(b->remove().ok());
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
}

TEST_F(CampaignCgroupTest, RemoveTimesOutNamingDirectoryAndPids) {
  Layout layout = v1();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ops_->place(cg->memory_path(), 31337);
  ops_->unkillable(31337);
  auto t0 = ops_->clock().now();
  Status s = cg->remove(std::chrono::milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr(cg->memory_path().string() + " still holds pids 31337"));
  EXPECT_THAT(s.error().message, HasSubstr("after 200 ms"));
  EXPECT_GE(ops_->clock().now() - t0, std::chrono::milliseconds(200));
  EXPECT_LT(ops_->clock().now() - t0, std::chrono::milliseconds(300));
  EXPECT_TRUE(stdfs::is_directory(cg->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(tree_ / "memory" / kPrefix));  // still in use

  // Once the process finally goes, remove() can be called again and succeeds.
  TempTree::write(cg->memory_path() / "cgroup.procs", "");
  ASSERT_TRUE(cg->remove().ok());
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
}

TEST_F(CampaignCgroupTest, RemoveNeverKillsThisProcess) {
  Layout l2 = v2();
  auto cg = create(l2, "x");
  ASSERT_TRUE(cg);
  ops_->place(cg->memory_path(), ::getpid());
  Status s = cg->remove();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("(this process)"));
  EXPECT_THAT(ops_->killed(), IsEmpty());
  TempTree::write(cg->memory_path() / "cgroup.procs", "");
}

TEST_F(CampaignCgroupTest, RemoveAlsoRemovesNestedCgroups) {
  Layout layout = v2();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ASSERT_EQ(ops_->make_dir(cg->memory_path() / "inner"), 0);
  ops_->place(cg->memory_path() / "inner", 8);
  ASSERT_TRUE(cg->remove().ok());
  EXPECT_FALSE(stdfs::exists(tree_ / "cg" / kPrefix));
}

TEST_F(CampaignCgroupTest, RemoveRetriesABusyRmdirThenReportsIt) {
  Layout layout = v1();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  // A killed task can keep the cgroup busy for a moment: rmdir is retried.
  ops_->fail_rmdir(cg->memory_path(), EBUSY, 3);
  ASSERT_TRUE(cg->remove().ok());
  EXPECT_FALSE(stdfs::exists(cg->memory_path()));

  auto stuck = create(layout, "stuck");
  ASSERT_TRUE(stuck);
  ops_->fail_rmdir(stuck->memory_path(), EBUSY);
  Status s = stuck->remove(std::chrono::milliseconds(50));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message,
              HasSubstr("cannot remove " + stuck->memory_path().string() + ": EBUSY"));
  ops_->fail_rmdir(stuck->memory_path(), 0, 0);
  ASSERT_TRUE(stuck->remove().ok());
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
}

TEST_F(CampaignCgroupTest, DestructorRemoves) {
  Layout layout = hybrid();
  stdfs::path mem, uni;
  {
    auto cg = create(layout, "x");
    ASSERT_TRUE(cg);
    ASSERT_TRUE(cg->attach(9).ok());
    mem = cg->memory_path();
    uni = cg->unified_path();
  }
  EXPECT_FALSE(stdfs::exists(mem));
  EXPECT_FALSE(stdfs::exists(uni));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
}

// --- sweep_prefix ----------------------------------------------------------------------------

TEST_F(CampaignCgroupTest, SweepRemovesLeftoversOfACrashedDaemon) {
  Layout layout = hybrid();
  // A complete leftover with processes, and a half-made one that only has its twin.
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(ops_->make_dir(tree_ / "unified" / kPrefix), name[0] == 'a' ? 0 : EEXIST);
    ASSERT_EQ(ops_->make_dir(tree_ / "unified" / kPrefix / name), 0);
  }
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / kPrefix), 0);
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / kPrefix / "a"), 0);
  ops_->place(tree_ / "memory" / kPrefix / "a", 11);
  ops_->place(tree_ / "unified" / kPrefix / "a", 11);
  ops_->place(tree_ / "unified" / kPrefix / "b", 12);
  // Another prefix is not touched.
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / "memtorture-other"), 0);

  auto swept = sweep_prefix(layout, kPrefix, *ops_);
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_THAT(*swept, ElementsAre("a", "b"));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
  EXPECT_FALSE(stdfs::exists(tree_ / "unified" / kPrefix));
  EXPECT_TRUE(stdfs::exists(tree_ / "memory" / "memtorture-other"));
  EXPECT_THAT(ops_->killed(), ::testing::Contains(11));
  EXPECT_THAT(ops_->killed(), ::testing::Contains(12));
}

TEST_F(CampaignCgroupTest, SweepOfNothingIsEmpty) {
  Layout layout = hybrid();
  auto swept = sweep_prefix(layout, kPrefix, *ops_);
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_THAT(*swept, IsEmpty());
}

TEST_F(CampaignCgroupTest, SweepRefusesAForeignPrefix) {
  Layout layout = hybrid();
  auto swept = sweep_prefix(layout, "system.slice", *ops_);
  ASSERT_FALSE(swept.ok());
  EXPECT_THAT(swept.error().message, HasSubstr("invalid cgroup prefix"));
  EXPECT_THAT(ops_->log(), IsEmpty());
}

TEST_F(CampaignCgroupTest, SweepReportsWhatItCouldNotRemove) {
  Layout layout = v1();
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / kPrefix), 0);
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / kPrefix / "stuck"), 0);
  ASSERT_EQ(ops_->make_dir(tree_ / "memory" / kPrefix / "fine"), 0);
  ops_->place(tree_ / "memory" / kPrefix / "stuck", 66);
  ops_->unkillable(66);
  auto swept = sweep_prefix(layout, kPrefix, *ops_, std::chrono::milliseconds(100));
  ASSERT_FALSE(swept.ok());
  EXPECT_THAT(swept.error().message, HasSubstr("stuck still holds pids 66"));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix / "fine"));
}

// --- attach_self_raw -------------------------------------------------------------------------

TEST(AttachSelfRaw, WritesZeroIntoEachFile) {
  TempTree t;
  TempTree::write(t / "a" / "cgroup.procs", "");
  TempTree::write(t / "b" / "cgroup.procs", "");
  std::string a = (t / "a" / "cgroup.procs").string(), b = (t / "b" / "cgroup.procs").string();
  const char* files[] = {a.c_str(), b.c_str()};
  EXPECT_EQ(attach_self_raw(files, 2), 0);
  EXPECT_EQ(TempTree::read(a), "0");
  EXPECT_EQ(TempTree::read(b), "0");
}

TEST(AttachSelfRaw, ReturnsErrnoOfFirstFailure) {
  TempTree t;
  TempTree::write(t / "a" / "cgroup.procs", "");
  std::string a = (t / "a" / "cgroup.procs").string(),
              missing = (t / "nope" / "cgroup.procs").string();
  const char* files[] = {a.c_str(), missing.c_str()};
  EXPECT_EQ(attach_self_raw(files, 2), ENOENT);
  EXPECT_EQ(attach_self_raw(files, 0), 0);
}

}  // namespace
}  // namespace mt::cgroup::testing
