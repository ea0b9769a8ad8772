// Where campaign cgroups go on a cgroup v2 host run by systemd with Delegate=yes: the choice
// (auto-detected from /proc/self/cgroup and the trusted.delegate attribute, or --cgroup-parent),
// the daemon's move into a leaf, campaigns inside the subtree, and the subtree given back, all on
// a fixture tree whose FakeCgroupFs refuses a controller for children of a cgroup with
// processes (cgroup v2's "no internal processes" rule).
#include "cgroup/delegation.h"

#include "campaign_fixture.h"

namespace mt::cgroup::testing {
namespace {

using ::testing::HasSubstr;

constexpr pid_t kDaemon = 4242;

class DelegationTest : public CampaignCgroupTest {
 protected:
  // /system.slice/memtortured.service as systemd makes it for a unit with Delegate=yes: memory
  // enabled along the path, the daemon in the service's cgroup.
  void SetUp() override {
    layout_ = v2();
    ASSERT_EQ(ops_->make_dir(layout_.memory_root / "system.slice"), 0);
    ASSERT_TRUE(ops_->write(layout_.memory_root / "system.slice/cgroup.subtree_control", "+memory"));
    ASSERT_EQ(ops_->make_dir(service_), 0);
    ops_->place(service_, kDaemon);
    facts_.proc_self_cgroup = "0::/system.slice/memtortured.service\n";
    facts_.under_systemd = true;
    facts_.delegate_attribute = [this](const stdfs::path& dir) -> std::optional<std::string> {
      if (delegated_ && dir == service_) return "1";
      return std::nullopt;
    };
  }

  std::string procs(const stdfs::path& dir) { return TempTree::read(dir / "cgroup.procs"); }
  std::string subtree_control(const stdfs::path& dir) {
    return TempTree::read(dir / "cgroup.subtree_control");
  }

  Layout layout_;
  stdfs::path service_ = tree_ / "cg/system.slice/memtortured.service";
  DelegationFacts facts_;
  bool delegated_ = true;
};

TEST_F(DelegationTest, OwnCgroupIsTheUnifiedLineOfProcSelfCgroup) {
  auto v2_only = own_unified_cgroup("0::/system.slice/memtortured.service\n");
  ASSERT_TRUE(v2_only.ok());
  EXPECT_EQ(*v2_only, "/system.slice/memtortured.service");
  auto hybrid = own_unified_cgroup("4:memory:/x\n1:cpu:/\n0::/user.slice/session-1.scope\n");
  ASSERT_TRUE(hybrid.ok());
  EXPECT_EQ(*hybrid, "/user.slice/session-1.scope");
  auto none = own_unified_cgroup("4:memory:/x\n1:cpu:/\n");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("no '0::' line"));
}

TEST_F(DelegationTest, AutoPicksTheSubtreeSystemdDelegated) {
  auto p = choose_campaign_parent(layout_, "auto", facts_);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->dir, service_);
  EXPECT_THAT(p->why, HasSubstr("systemd (Delegate=yes) delegated it"));
}

TEST_F(DelegationTest, AutoFindsTheSubtreeFromTheDaemonsOwnLeaf) {
  facts_.proc_self_cgroup = "0::/system.slice/memtortured.service/memtortured\n";
  auto p = choose_campaign_parent(layout_, "auto", facts_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dir, service_);
}

TEST_F(DelegationTest, AUnitWithoutDelegateKeepsTheRootAndSaysWhatToAdd) {
  delegated_ = false;
  auto p = choose_campaign_parent(layout_, "auto", facts_);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->dir.empty());
  EXPECT_THAT(p->why, HasSubstr("add Delegate=yes"));
  facts_.under_systemd = false;
  p = choose_campaign_parent(layout_, "auto", facts_);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->dir.empty());
  EXPECT_THAT(p->why, HasSubstr("is not delegated to it"));
}

TEST_F(DelegationTest, TheRootCgroupAndCgroupV1MemoryKeepTheRoot) {
  facts_.proc_self_cgroup = "0::/\n";
  auto p = choose_campaign_parent(layout_, "auto", facts_);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->dir.empty());
  EXPECT_THAT(p->why, HasSubstr("root cgroup"));

  Layout v1_memory = hybrid();
  p = choose_campaign_parent(v1_memory, "auto", facts_);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->dir.empty());
  EXPECT_THAT(p->why, HasSubstr("cgroup v1"));
  auto refused = choose_campaign_parent(v1_memory, "system.slice", facts_);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("needs the memory controller on cgroup v2"));
}

TEST_F(DelegationTest, AnExplicitParentByRelativeMountOrProcPath) {
  for (const std::string& requested :
       {std::string("system.slice/memtortured.service"), std::string("system.slice/memtortured.service/"),
        service_.string(), std::string("/system.slice/memtortured.service")}) {
    auto p = choose_campaign_parent(layout_, requested, facts_);
    ASSERT_TRUE(p.ok()) << requested << ": " << p.error().message;
    EXPECT_EQ(p->dir.lexically_normal(), service_.lexically_normal()) << requested;
    EXPECT_THAT(p->why, HasSubstr("--cgroup-parent")) << requested;
  }
  auto root = choose_campaign_parent(layout_, "/", facts_);
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->dir.empty());
}

TEST_F(DelegationTest, AnExplicitParentThatCannotHoldCampaignsIsRefusedSayingWhy) {
  ASSERT_EQ(ops_->make_dir(layout_.memory_root / "no-memory.slice"), 0);
  ASSERT_EQ(ops_->make_dir(layout_.memory_root / "no-memory.slice/x"), 0);  // controllers: ""
  struct Case {
    std::string requested, says;
  };
  for (const Case& c : std::vector<Case>{
           {"system.slice/nope.service", "no such cgroup"},
           {"../etc", "leaves the cgroup2 hierarchy"},
           {"no-memory.slice/x", "memory controller is not available"}}) {
    auto p = choose_campaign_parent(layout_, c.requested, facts_);
    ASSERT_FALSE(p.ok()) << c.requested;
    EXPECT_THAT(p.error().message, HasSubstr(c.says)) << c.requested;
    EXPECT_THAT(p.error().message, HasSubstr("--cgroup-parent '" + c.requested + "'"));
  }
}

TEST_F(DelegationTest, TheDaemonMovesToALeafAndCampaignsGoInsideTheSubtreeUntilReleased) {
  auto subtree = DelegatedSubtree::adopt(service_, kDaemon, ops_);
  ASSERT_TRUE(subtree.ok()) << subtree.error().message;
  const stdfs::path leaf = service_ / "memtortured";
  EXPECT_EQ((*subtree)->leaf(), leaf);
  EXPECT_EQ(procs(leaf), "4242\n");
  EXPECT_EQ(procs(service_), "");
  EXPECT_EQ(subtree_control(service_), "memory\n");

  Layout delegated = layout_;
  delegated.campaign_parent = service_;
  auto cg = create(delegated, "c1");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->memory_path(), service_ / kPrefix / "c1");
  EXPECT_EQ(TempTree::read(cg->memory_path() / "memory.max"), std::to_string(k256Mi) + "\n");
  EXPECT_FALSE(stdfs::exists(layout_.memory_root / kPrefix)) << "nothing beside systemd's cgroups";
  ASSERT_TRUE(cg->remove());
  EXPECT_FALSE(stdfs::exists(service_ / kPrefix));

  ASSERT_TRUE((*subtree)->release());
  EXPECT_EQ(subtree_control(service_), "\n");
  EXPECT_EQ(procs(service_), "4242\n");
  EXPECT_FALSE(stdfs::exists(leaf));
  EXPECT_TRUE((*subtree)->release()) << "a second release does nothing";
}

TEST_F(DelegationTest, SweepingLeftoversLooksInsideTheSubtree) {
  Layout delegated = layout_;
  delegated.campaign_parent = service_;
  auto subtree = DelegatedSubtree::adopt(service_, kDaemon, ops_);
  ASSERT_TRUE(subtree.ok());
  // What a daemon that died mid-campaign leaves: the prefix and a populated campaign cgroup.
  ASSERT_EQ(ops_->make_dir(service_ / kPrefix), 0);
  ASSERT_EQ(ops_->make_dir(service_ / kPrefix / "left-behind"), 0);
  ops_->place(service_ / kPrefix / "left-behind", 777);
  auto swept = sweep_prefix(delegated, kPrefix, *ops_, std::chrono::milliseconds(500));
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_THAT(*swept, ::testing::ElementsAre("left-behind"));
  EXPECT_FALSE(stdfs::exists(service_ / kPrefix));
}

TEST_F(DelegationTest, AnotherProcessInTheSubtreeIsNamedAndNothingIsLeftChanged) {
  ops_->place(service_, 31337);  // e.g. an ExecStartPre= helper still running
  auto subtree = DelegatedSubtree::adopt(service_, kDaemon, ops_);
  ASSERT_FALSE(subtree.ok());
  EXPECT_THAT(subtree.error().message, HasSubstr("cannot enable the memory controller"));
  EXPECT_THAT(subtree.error().message, HasSubstr("EBUSY"));
  EXPECT_THAT(subtree.error().message, HasSubstr("31337"));
  EXPECT_FALSE(stdfs::exists(service_ / "memtortured"));
  EXPECT_THAT(procs(service_), HasSubstr("4242"));
  EXPECT_EQ(subtree_control(service_), "\n");
}

TEST_F(DelegationTest, ADaemonOutsideTheParentDoesNotMoveAndAnExistingLeafIsReused) {
  ASSERT_EQ(ops_->make_dir(layout_.memory_root / "elsewhere"), 0);
  ops_->place(layout_.memory_root / "elsewhere", kDaemon);
  ASSERT_EQ(ops_->make_dir(service_ / "memtortured"), 0);
  auto subtree = DelegatedSubtree::adopt(service_, kDaemon, ops_);
  ASSERT_TRUE(subtree.ok()) << subtree.error().message;
  EXPECT_TRUE((*subtree)->leaf().empty());
  EXPECT_EQ(procs(layout_.memory_root / "elsewhere"), "4242\n");
  ASSERT_TRUE((*subtree)->release());
  EXPECT_TRUE(stdfs::exists(service_ / "memtortured")) << "not made by it: not removed by it";
  EXPECT_EQ(subtree_control(service_), "\n");
}

}  // namespace
}  // namespace mt::cgroup::testing
