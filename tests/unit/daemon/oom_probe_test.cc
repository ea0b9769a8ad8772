// GetOomProximity's probe on a fixture tree: which cgroups it may look at (only under the
// prefix, and existing), and a look sampled over a window while the fixture cgroup grows.
#include "daemon/oom_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using testing::Mi;
using testing::TempDir;
using testing::write_text;

class OomProbeTest : public ::testing::Test {
 protected:
  OomProbeTest() {
    layout_.mode = cgroup::Mode::hybrid;
    layout_.memory_v2 = false;
    layout_.memory_root = tree_ / "memory";
    layout_.unified_root = tree_ / "unified";
    cg_ = layout_.memory_root / "memtorture" / "c1";
    for (const auto& d : {cg_, layout_.unified_root / "memtorture" / "c1", tree_ / "proc" / "pressure"})
      std::filesystem::create_directories(d);
    write_usage(10 * Mi);
    write_text(cg_ / "memory.max_usage_in_bytes", "0\n");
    write_text(cg_ / "memory.limit_in_bytes", fmt::format("{}\n", 128 * Mi));
    write_text(cg_ / "memory.kmem.usage_in_bytes", "0\n");
    write_text(cg_ / "memory.failcnt", "4\n");
    write_text(cg_ / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    write_text(cg_ / "memory.stat", fmt::format("total_inactive_file {}\ntotal_active_file {}\n",
                                                 2 * Mi, 1 * Mi));
    write_text(layout_.unified_root / "memtorture" / "c1" / "memory.pressure",
               "some avg10=12.50 avg60=0.00 avg300=0.00 total=10\n"
               "full avg10=1.00 avg60=0.00 avg300=0.00 total=5\n");
    write_text(tree_ / "proc" / "meminfo",
               fmt::format("MemTotal: {} kB\nMemFree: {} kB\nMemAvailable: {} kB\n",
                           1024 * 1024, 512 * 1024, 768 * 1024));
    write_text(tree_ / "proc" / "vmstat", "pgscan_anon 0\npgscan_file 0\npgsteal_anon 0\npgsteal_file 0\n");
    write_text(tree_ / "proc" / "pressure" / "memory",
               "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
               "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  }
  void write_usage(std::uint64_t bytes) {
    write_text(cg_ / "memory.usage_in_bytes", fmt::format("{}\n", bytes));
  }
  OomProbeEnv env() {
    OomProbeEnv e;
    e.proc = tree_ / "proc";
    return e;
  }

  TempDir tree_;
  cgroup::Layout layout_;
  std::filesystem::path cg_;
};

TEST_F(OomProbeTest, ACgroupUnderThePrefixByRelativeOrAbsolutePath) {
  for (const std::string& name : std::vector<std::string>{"memtorture/c1", "/memtorture/c1", "memtorture/./c1/",
                                 (layout_.memory_root / "memtorture/c1").string()}) {
    auto t = resolve_oom_cgroup(layout_, "memtorture", name);
    ASSERT_TRUE(t.ok()) << name << ": " << t.error().message;
    EXPECT_EQ(t->memory_dir->lexically_normal(), cg_.lexically_normal()) << name;
    EXPECT_FALSE(t->memory_v2);
    ASSERT_TRUE(t->pressure_file) << "the cgroup2 twin's memory.pressure";
    EXPECT_EQ(*t->pressure_file, layout_.unified_root / "memtorture/c1/memory.pressure");
    EXPECT_THAT(t->label, HasSubstr("cgroup "));
  }
}

TEST_F(OomProbeTest, InADelegatedSubtreeTheCgroupIsFoundUnderIt) {
  cgroup::Layout v2;
  v2.mode = cgroup::Mode::v2;
  v2.memory_root = v2.unified_root = tree_ / "cg2";
  v2.campaign_parent = v2.memory_root / "system.slice" / "m.service";
  const std::filesystem::path cg = v2.campaign_parent / "memtorture" / "c1";
  std::filesystem::create_directories(cg);
  write_text(cg / "memory.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  for (const std::string& name :
       {std::string("memtorture/c1"), std::string("/system.slice/m.service/memtorture/c1"),
        cg.string()}) {
    auto t = resolve_oom_cgroup(v2, "memtorture", name);
    ASSERT_TRUE(t.ok()) << name << ": " << t.error().message;
    EXPECT_EQ(t->memory_dir->lexically_normal(), cg.lexically_normal()) << name;
    ASSERT_TRUE(t->pressure_file) << name;
    EXPECT_EQ(t->pressure_file->lexically_normal(), (cg / "memory.pressure").lexically_normal());
  }
  auto beside = resolve_oom_cgroup(v2, "memtorture", "/system.slice/other.service/memtorture/c1");
  EXPECT_FALSE(beside.ok()) << "not under the daemon's subtree";
}

TEST_F(OomProbeTest, OutsideThePrefixOrMissingIsRefusedSayingWhy) {
  struct Case {
    std::string cgroup, says;
  };
  for (const auto& c : std::vector<Case>{{"", "names no cgroup"},
                                         {".", "names no cgroup"},
                                         {"system.slice", "not under the daemon's cgroup prefix"},
                                         {"memtorture/../system.slice", "not under"},
                                         {"memtorture/c1/../../x", "not under"},
                                         {"../memtorture/c1", "leaves"},
                                         {"memtorture-other/c1", "not under"},
                                         {"memtorture/nope", "no such memory cgroup"}}) {
    auto t = resolve_oom_cgroup(layout_, "memtorture", c.cgroup);
    ASSERT_FALSE(t.ok()) << c.cgroup;
    EXPECT_THAT(t.error().message, HasSubstr(c.says)) << c.cgroup;
  }
}

TEST_F(OomProbeTest, AGrowingCgroupGetsAnEtaOverTheWindow) {
  auto t = resolve_oom_cgroup(layout_, "memtorture", "memtorture/c1");
  ASSERT_TRUE(t.ok());
  OomProbeEnv e = env();
  // Each wait is 100 ms of the probe's schedule; the fixture grows 8 MiB per wait (80 MiB/s).
  std::uint64_t usage = 10 * Mi;
  int waits = 0;
  e.wait = [&](std::chrono::milliseconds d) {
    EXPECT_EQ(d.count(), 100);
    ++waits;
    usage += 8 * Mi;
    write_usage(usage);
    return true;
  };
  const OomProbeResult r = probe_oom(*t, std::chrono::milliseconds(1000), e);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(waits, 10);
  ASSERT_TRUE(r.cgroup);
  const auto& v = *r.cgroup;
  EXPECT_EQ(v.usage_bytes, 90.0 * Mi);
  EXPECT_EQ(v.limit_bytes, 128.0 * Mi);
  EXPECT_EQ(v.reclaimable_bytes, 3.0 * Mi);
  EXPECT_EQ(v.failcnt, 4u);
  EXPECT_EQ(v.psi_some_avg10, 12.5);
  ASSERT_TRUE(v.eta_s);
  // 128 - (90 - 3) = 41 MiB left at 80 MiB/s.
  EXPECT_NEAR(*v.eta_s, 41.0 / 80, 0.01);
  EXPECT_EQ(v.level, OomLevel::critical);
  ASSERT_TRUE(r.system);
  EXPECT_EQ(r.system->limit_bytes, 1024.0 * Mi);
  EXPECT_EQ(r.system->level, OomLevel::ok);
  ASSERT_TRUE(v.scan_pages_per_s) << "from /proc/vmstat on v1";
  EXPECT_EQ(*v.scan_pages_per_s, 0);
}

TEST_F(OomProbeTest, AFlatCgroupHasNoEtaAndAnUnlimitedOneIsMeasuredAgainstTheMachine) {
  auto t = resolve_oom_cgroup(layout_, "memtorture", "memtorture/c1");
  ASSERT_TRUE(t.ok());
  write_text(cg_ / "memory.limit_in_bytes", "9223372036854771712\n");
  OomProbeEnv e = env();
  e.wait = [](std::chrono::milliseconds) { return true; };
  const OomProbeResult r = probe_oom(*t, std::chrono::milliseconds(1500), e);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(r.cgroup);
  EXPECT_FALSE(r.cgroup->eta_s);
  EXPECT_EQ(r.cgroup->limit_bytes, 1024.0 * Mi) << "MemTotal";
  EXPECT_EQ(r.cgroup->level, OomLevel::elevated) << "PSI some 12.5% in the fixture";
}

TEST_F(OomProbeTest, TheSystemAloneAndAnEarlyEnd) {
  OomProbeEnv e = env();
  int waits = 0;
  e.wait = [&](std::chrono::milliseconds) { return ++waits < 3; };  // the caller went away
  const OomProbeResult r = probe_oom({"system", std::nullopt, false, std::nullopt},
                                     std::chrono::milliseconds(3000), e);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(waits, 3);
  EXPECT_FALSE(r.cgroup);
  ASSERT_TRUE(r.system);
  EXPECT_EQ(r.system->usage_bytes, 512.0 * Mi);
  EXPECT_EQ(r.system->reclaimable_bytes, 256.0 * Mi);
}

TEST_F(OomProbeTest, ACgroupRemovedMidProbeIsAnErrorNamingIt) {
  auto t = resolve_oom_cgroup(layout_, "memtorture", "memtorture/c1");
  ASSERT_TRUE(t.ok());
  OomProbeEnv e = env();
  e.wait = [&](std::chrono::milliseconds) {
    std::filesystem::remove_all(cg_);
    return true;
  };
  const OomProbeResult r = probe_oom(*t, std::chrono::milliseconds(1000), e);
  EXPECT_THAT(r.error, HasSubstr(cg_.string()));
  EXPECT_THAT(r.error, HasSubstr("memory.usage_in_bytes"));
  EXPECT_TRUE(r.cgroup_gone);
}

}  // namespace
}  // namespace mt::daemon
