// CampaignCgroup::create, attach and read_memory on fixture trees.
#include <unistd.h>

#include "campaign_fixture.h"
#include "kernel/memory_files.h"

namespace mt::cgroup::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// --- create --------------------------------------------------------------------------------

TEST_F(CampaignCgroupTest, HybridCreatesMemoryCgroupAndUnifiedTwin) {
  Layout layout = hybrid();
  auto cg = create(layout, "flood");
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->memory_path(), tree_ / "memory" / kPrefix / "flood");
  EXPECT_EQ(cg->unified_path(), tree_ / "unified" / kPrefix / "flood");
  EXPECT_TRUE(stdfs::is_directory(cg->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(cg->unified_path()));
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.limit_in_bytes"), "268435456\n");
  EXPECT_THAT(cg->procs_files(),
              ElementsAre(cg->memory_path() / "cgroup.procs", cg->unified_path() / "cgroup.procs"));
  ASSERT_TRUE(cg->pressure_file().has_value());
  EXPECT_EQ(*cg->pressure_file(), cg->unified_path() / "memory.pressure");
  auto psi = cg->read_psi();
  ASSERT_TRUE(psi.ok()) << psi.error().message;
  EXPECT_TRUE(psi->full.has_value());
  // Nothing was written outside the prefix (the hybrid twin's root keeps its subtree_control).
  EXPECT_EQ(TempTree::read(tree_ / "unified" / "cgroup.subtree_control"), "\n");
  for (const std::string& line : ops_->log()) EXPECT_THAT(line, HasSubstr(kPrefix)) << line;
}

// Seen in a 6.12 guest (ConcurrentCreatorsShareThePrefix): another campaign's remove() took the
// prefix between our mkdir of it and the +memory write, which failed with ENODEV.
TEST_F(CampaignCgroupTest, APrefixRemovedUnderTheSubtreeControlWriteIsMadeAgain) {
  Layout layout = v2();
  ops_->vanish_before_write(tree_ / "cg" / kPrefix / "cgroup.subtree_control", ENODEV);
  auto cg = create(layout, "racer");
  ASSERT_TRUE(cg);
  EXPECT_EQ(TempTree::read(tree_ / "cg" / kPrefix / "cgroup.subtree_control"), "memory\n");
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.max"), "268435456\n");
  EXPECT_THAT(ops_->log(), ::testing::Contains(::testing::HasSubstr("-> ENODEV")));
}

// Also seen in the guest: the prefix was removed under our write and made again by a third
// creator before we looked, so it was there and the failed write was not tried again.
TEST_F(CampaignCgroupTest, AFailedSubtreeControlWriteIsTriedAgainEvenWithThePrefixThere) {
  Layout layout = v2();
  ops_->fail_write_once(tree_ / "cg" / kPrefix / "cgroup.subtree_control", ENODEV);
  auto cg = create(layout, "racer");
  ASSERT_TRUE(cg);
  EXPECT_EQ(TempTree::read(tree_ / "cg" / kPrefix / "cgroup.subtree_control"), "memory\n");
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.max"), "268435456\n");
}

TEST_F(CampaignCgroupTest, V2EnablesMemoryInPrefixAndSetsMaxAndHigh) {
  Layout layout = v2();
  auto cg = create(layout, "anon", limits(k256Mi, 200u << 20));
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->memory_path(), tree_ / "cg" / kPrefix / "anon");
  EXPECT_EQ(cg->unified_path(), cg->memory_path());
  EXPECT_THAT(cg->procs_files(), ElementsAre(cg->memory_path() / "cgroup.procs"));
  EXPECT_EQ(TempTree::read(tree_ / "cg" / kPrefix / "cgroup.subtree_control"), "memory\n");
  // The fake only creates memory.* files when the parent delegates memory, as the kernel does.
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.max"), "268435456\n");
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.high"), "209715200\n");
  EXPECT_EQ(*cg->pressure_file(), cg->memory_path() / "memory.pressure");
}

TEST_F(CampaignCgroupTest, UnlimitedIsWrittenAsMaxOrMinusOne) {
  Layout l2 = v2();
  auto a = create(l2, "a", limits(kernel::kUnlimited));
  ASSERT_TRUE(a);
  EXPECT_EQ(TempTree::read(a->memory_path() / "memory.max"), "max\n");
  EXPECT_EQ(a->read_memory()->limit, kernel::kUnlimited);

  Layout l1 = v1();
  auto b = create(l1, "b", limits(kernel::kUnlimited));
  ASSERT_TRUE(b);
  EXPECT_THAT(ops_->log(), ::testing::Contains(HasSubstr("memory.limit_in_bytes -1")));
  EXPECT_EQ(b->read_memory()->limit, kernel::kUnlimited);
}

TEST_F(CampaignCgroupTest, PureV1HasNoTwinAndNoPsi) {
  Layout layout = v1();
  auto cg = create(layout, "flood");
  ASSERT_TRUE(cg);
  EXPECT_TRUE(cg->unified_path().empty());
  EXPECT_EQ(cg->procs_files().size(), 1u);
  EXPECT_FALSE(cg->pressure_file().has_value());
  auto psi = cg->read_psi();
  ASSERT_FALSE(psi.ok());
  EXPECT_THAT(psi.error().message, HasSubstr("no cgroup2 hierarchy"));
}

TEST_F(CampaignCgroupTest, MemoryHighOnV1IsRefusedAndNothingWritten) {
  Layout layout = hybrid();
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi, 1u << 20), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("memory_high needs cgroup v2"));
  EXPECT_THAT(ops_->log(), IsEmpty());
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
}

TEST_F(CampaignCgroupTest, InvalidNamesAndPrefixesAreRefusedAndNothingWritten) {
  Layout layout = hybrid();
  for (const char* name : {"..", ".", "../escape", "a/b", "", "with space"}) {
    auto cg = CampaignCgroup::create(layout, kPrefix, name, limits(k256Mi), ops_);
    ASSERT_FALSE(cg.ok()) << name;
    EXPECT_THAT(cg.error().message, HasSubstr("invalid campaign cgroup name")) << name;
  }
  for (const char* prefix : {"system.slice", "memtorture/..", "..", "memtorture/x"}) {
    auto cg = CampaignCgroup::create(layout, prefix, "ok", limits(k256Mi), ops_);
    ASSERT_FALSE(cg.ok()) << prefix;
    EXPECT_THAT(cg.error().message, HasSubstr("invalid cgroup prefix")) << prefix;
  }
  auto no_limit = CampaignCgroup::create(layout, kPrefix, "ok", {}, ops_);
  ASSERT_FALSE(no_limit.ok());
  EXPECT_THAT(no_limit.error().message, HasSubstr("memory_limit is not set"));
  EXPECT_THAT(ops_->log(), IsEmpty());
}

TEST_F(CampaignCgroupTest, V2RootWithoutMemoryDelegationIsNotChanged) {
  Layout layout = v2("cpu io");
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("not enabled in " + (tree_ / "cg").string() +
                                            "/cgroup.subtree_control ('cpu io')"));
  EXPECT_THAT(ops_->log(), IsEmpty());
  EXPECT_EQ(TempTree::read(tree_ / "cg" / "cgroup.subtree_control"), "cpu io\n");
}

TEST_F(CampaignCgroupTest, FailedLimitWriteUndoesEverything) {
  Layout layout = hybrid();
  ops_->fail_write("memory.limit_in_bytes", EBUSY);
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("memory.limit_in_bytes"));
  EXPECT_THAT(cg.error().message, HasSubstr("EBUSY"));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
  EXPECT_FALSE(stdfs::exists(tree_ / "unified" / kPrefix));
}

TEST_F(CampaignCgroupTest, FailedTwinMkdirUndoesMemoryCgroup) {
  Layout layout = hybrid();
  ops_->fail_mkdir(tree_ / "unified" / kPrefix / "x", EACCES);
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message,
              HasSubstr("cannot create " + (tree_ / "unified" / kPrefix / "x").string()));
  EXPECT_THAT(cg.error().message, HasSubstr("EACCES"));
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix));
  EXPECT_FALSE(stdfs::exists(tree_ / "unified" / kPrefix));
}

TEST_F(CampaignCgroupTest, UndoKeepsAPrefixItDidNotCreate) {
  Layout layout = hybrid();
  auto other = create(layout, "other");
  ASSERT_TRUE(other);
  ops_->fail_write("memory.limit_in_bytes", EINVAL);
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_FALSE(stdfs::exists(tree_ / "memory" / kPrefix / "x"));
  EXPECT_FALSE(stdfs::exists(tree_ / "unified" / kPrefix / "x"));
  EXPECT_TRUE(stdfs::is_directory(other->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(other->unified_path()));
}

TEST_F(CampaignCgroupTest, ExistingNameIsAnErrorAndIsLeftAlone) {
  Layout layout = hybrid();
  auto first = create(layout, "same");
  ASSERT_TRUE(first);
  ops_->place(first->memory_path(), 4242);
  auto second = CampaignCgroup::create(layout, kPrefix, "same", limits(k256Mi), ops_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr("already exists"));
  EXPECT_THAT(second.error().message, HasSubstr("sweep_prefix"));
  EXPECT_TRUE(stdfs::is_directory(first->memory_path()));
  EXPECT_TRUE(stdfs::is_directory(first->unified_path()));
  EXPECT_THAT(first->pids(), ElementsAre(4242));
  EXPECT_THAT(ops_->killed(), IsEmpty());
}

TEST_F(CampaignCgroupTest, PrefixRemovedByAConcurrentRemoverIsRecreatedOnce) {
  Layout layout = v2();
  // Simulates a concurrent remove() that rmdir'ed the empty prefix between our two mkdirs.
  ops_->fail_mkdir(tree_ / "cg" / kPrefix / "x", ENOENT, 1);
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  EXPECT_TRUE(stdfs::is_directory(cg->memory_path()));
  // The retry enabled memory in the prefix again before the second child mkdir.
  EXPECT_TRUE(stdfs::exists(cg->memory_path() / "memory.max"));
}

TEST_F(CampaignCgroupTest, PrefixGoneTwiceIsAnError) {
  Layout layout = v2();
  ops_->fail_mkdir(tree_ / "cg" / kPrefix / "x", ENOENT, 2);
  auto cg = CampaignCgroup::create(layout, kPrefix, "x", limits(k256Mi), ops_);
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("ENOENT"));
  EXPECT_FALSE(stdfs::exists(tree_ / "cg" / kPrefix));
}

// --- attach, pids, read_memory -------------------------------------------------------------

TEST_F(CampaignCgroupTest, AttachWritesThePidIntoBothProcsFiles) {
  Layout layout = hybrid();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ASSERT_TRUE(cg->attach(1234).ok());
  ASSERT_TRUE(cg->attach(99).ok());
  EXPECT_EQ(TempTree::read(cg->memory_path() / "cgroup.procs"), "1234\n99\n");
  EXPECT_EQ(TempTree::read(cg->unified_path() / "cgroup.procs"), "1234\n99\n");
  EXPECT_THAT(cg->pids(), ElementsAre(99, 1234));  // deduplicated, sorted
}

TEST_F(CampaignCgroupTest, AttachErrorNamesTheFile) {
  Layout layout = hybrid();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  ops_->fail_write("cgroup.procs", ESRCH);
  Status s = cg->attach(77);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr((cg->memory_path() / "cgroup.procs").string()));
  EXPECT_THAT(s.error().message, HasSubstr("ESRCH"));
}

TEST_F(CampaignCgroupTest, ReadMemoryV1) {
  Layout layout = hybrid();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  copy_fixture_files("v1", cg->memory_path());
  auto m = cg->read_memory();
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->usage, 52428800u);
  EXPECT_EQ(m->peak, 67108864u);
  EXPECT_EQ(m->limit, 268435456u);
  EXPECT_EQ(m->kernel, 3145728u);
  EXPECT_EQ(m->failcnt, 17u);
  EXPECT_EQ(m->oom_events, 0u);
  EXPECT_EQ(m->oom_kills, 2u);
}

TEST_F(CampaignCgroupTest, ReadMemoryV2) {
  Layout layout = v2();
  auto cg = create(layout, "x");
  ASSERT_TRUE(cg);
  copy_fixture_files("v2", cg->memory_path());
  auto m = cg->read_memory();
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->usage, 52428800u);
  EXPECT_EQ(m->peak, 67108864u);
  EXPECT_EQ(m->limit, 268435456u);
  EXPECT_EQ(m->kernel, 3145728u);
  EXPECT_EQ(m->failcnt, 17u);
  EXPECT_EQ(m->oom_events, 3u);
  EXPECT_EQ(m->oom_kills, 2u);
}

TEST_F(CampaignCgroupTest, ReadMemoryMissingOptionalFilesGiveZero) {
  Layout l1 = v1();
  auto a = create(l1, "a");
  ASSERT_TRUE(a);
  copy_fixture_files("v1", a->memory_path());
  stdfs::remove(a->memory_path() / "memory.max_usage_in_bytes");
  stdfs::remove(a->memory_path() / "memory.kmem.usage_in_bytes");
  auto m1 = a->read_memory();
  ASSERT_TRUE(m1.ok()) << m1.error().message;
  EXPECT_EQ(m1->peak, 0u);
  EXPECT_EQ(m1->kernel, 0u);
  EXPECT_EQ(m1->usage, 52428800u);

  Layout l2 = v2();
  auto b = create(l2, "b");
  ASSERT_TRUE(b);
  copy_fixture_files("v2", b->memory_path());
  stdfs::remove(b->memory_path() / "memory.peak");                        // before 5.19
  TempTree::write(b->memory_path() / "memory.stat", "anon 1\nfile 2\n");  // no "kernel" key
  auto m2 = b->read_memory();
  ASSERT_TRUE(m2.ok()) << m2.error().message;
  EXPECT_EQ(m2->peak, 0u);
  EXPECT_EQ(m2->kernel, 0u);
  EXPECT_EQ(m2->oom_kills, 2u);
}

TEST_F(CampaignCgroupTest, ReadMemoryMissingRequiredFileNamesIt) {
  Layout l1 = v1();
  auto a = create(l1, "a");
  ASSERT_TRUE(a);
  stdfs::remove(a->memory_path() / "memory.usage_in_bytes");
  auto m1 = a->read_memory();
  ASSERT_FALSE(m1.ok());
  EXPECT_THAT(m1.error().message, HasSubstr("memory.usage_in_bytes"));
  EXPECT_THAT(m1.error().message, HasSubstr("ENOENT"));

  Layout l2 = v2();
  auto b = create(l2, "b");
  ASSERT_TRUE(b);
  stdfs::remove(b->memory_path() / "memory.events");
  auto m2 = b->read_memory();
  ASSERT_FALSE(m2.ok());
  EXPECT_THAT(m2.error().message, HasSubstr("memory.events"));
}

TEST_F(CampaignCgroupTest, ReadMemoryMalformedFileNamesIt) {
  Layout l2 = v2();
  auto b = create(l2, "b");
  ASSERT_TRUE(b);
  TempTree::write(b->memory_path() / "memory.events", "max lots\n");
  auto m = b->read_memory();
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error().message, HasSubstr((b->memory_path() / "memory.events").string()));
  EXPECT_THAT(m.error().message, HasSubstr("'lots'"));
  TempTree::write(b->memory_path() / "memory.events", "max 1\n");
  TempTree::write(b->memory_path() / "memory.max", "a lot\n");
  auto m2 = b->read_memory();
  ASSERT_FALSE(m2.ok());
  EXPECT_THAT(m2.error().message, HasSubstr("memory.max"));
}

}  // namespace
}  // namespace mt::cgroup::testing
