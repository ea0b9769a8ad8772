#include "cgroup/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "temp_tree.h"

namespace mt::cgroup {
namespace {

using ::testing::HasSubstr;
using testing::TempTree;

const std::filesystem::path kCgroup = std::filesystem::path(MT_FIXTURES) / "cgroup";

DetectOptions fixture(const std::string& name) {
  return {.mountinfo = kCgroup / name / "mountinfo", .root = kCgroup / name / "root"};
}

TEST(DetectLayout, HybridIsThisHost) {
  DetectOptions opts = fixture("hybrid");
  auto layout = detect_layout(opts);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->mode, Mode::hybrid);
  EXPECT_FALSE(layout->memory_v2);
  EXPECT_EQ(layout->memory_root, opts.root / "sys/fs/cgroup/memory");
  EXPECT_EQ(layout->unified_root, opts.root / "sys/fs/cgroup/unified");
}

TEST(DetectLayout, V1) {
  DetectOptions opts = fixture("v1");
  auto layout = detect_layout(opts);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->mode, Mode::v1);
  EXPECT_FALSE(layout->memory_v2);
  EXPECT_EQ(layout->memory_root, opts.root / "sys/fs/cgroup/memory");
  EXPECT_TRUE(layout->unified_root.empty());
}

TEST(DetectLayout, V2) {
  DetectOptions opts = fixture("v2");
  auto layout = detect_layout(opts);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->mode, Mode::v2);
  EXPECT_TRUE(layout->memory_v2);
  EXPECT_EQ(layout->memory_root, opts.root / "sys/fs/cgroup");
  EXPECT_EQ(layout->unified_root, opts.root / "sys/fs/cgroup");
}

TEST(DetectLayout, NoMemoryControllerNamesWhatIsMissing) {
  DetectOptions opts = fixture("nomemory");
  auto layout = detect_layout(opts);
  ASSERT_FALSE(layout.ok());
  const std::string& msg = layout.error().message;
  EXPECT_THAT(msg, HasSubstr("no memory controller"));
  EXPECT_THAT(msg, HasSubstr("no cgroup v1 mount has 'memory'"));
  EXPECT_THAT(msg, HasSubstr((opts.root / "sys/fs/cgroup/unified").string()));
  EXPECT_THAT(msg, HasSubstr("('hugetlb')"));
}

TEST(DetectLayout, V2WithoutMemoryInControllers) {
  TempTree t;
  TempTree::write(t / "root/sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
  TempTree::write(t / "mountinfo",
                  "26 22 0:25 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = t / "root"});
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.error().message, HasSubstr("does not list memory"));
  EXPECT_THAT(layout.error().message, HasSubstr("'cpu io pids'"));
}

TEST(DetectLayout, UnreadableControllersIsReported) {
  TempTree t;
  TempTree::write(t / "mountinfo", "26 22 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = t / "root"});
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.error().message, HasSubstr("unreadable"));
  EXPECT_THAT(layout.error().message, HasSubstr("cgroup.controllers"));
}

TEST(DetectLayout, NoCgroupMountsAtAll) {
  TempTree t;
  TempTree::write(t / "mountinfo", "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = t.root()});
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.error().message, HasSubstr("no cgroup file system is mounted"));
}

TEST(DetectLayout, MissingMountinfoNamesThePath) {
  auto layout = detect_layout({.mountinfo = kCgroup / "nope" / "mountinfo", .root = "/"});
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.error().message, HasSubstr("nope/mountinfo"));
}

TEST(DetectLayout, NamedHierarchyAloneDoesNotMakeItHybrid) {
  // systemd's name=systemd v1 hierarchy carries no controller.
  TempTree t;
  TempTree::write(t / "root/sys/fs/cgroup/unified/cgroup.controllers", "cpu memory\n");
  TempTree::write(t / "mountinfo",
                  "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
                  "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = t / "root"});
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->mode, Mode::v2);
  EXPECT_TRUE(layout->memory_v2);
  EXPECT_EQ(layout->memory_root, t / "root/sys/fs/cgroup/unified");
}

TEST(DetectLayout, CoMountedControllers) {
  TempTree t;
  TempTree::write(t / "mountinfo",
                  "29 24 0:25 / /cg/mem\\040and\\040more rw - cgroup cgroup rw,hugetlb,memory\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = "/"});
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->mode, Mode::v1);
  EXPECT_EQ(layout->memory_root, "/cg/mem and more");  // root "/" leaves paths alone
}

TEST(ParseMountinfo, FieldsAndOptionalFields) {
  auto mounts = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt/a\\134b rw,noatime master:1 shared:2 - ext3 /dev/root "
      "rw,errors=continue\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "41 30 0:38 / /x rw - tmpfs  rw,size=4k\n");  // empty source field
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  ASSERT_EQ(mounts->size(), 3u);
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt/a\\b");
  EXPECT_EQ((*mounts)[0].fs_type, "ext3");
  EXPECT_EQ((*mounts)[0].super_options, "rw,errors=continue");
  EXPECT_EQ((*mounts)[1].fs_type, "cgroup2");
  EXPECT_EQ((*mounts)[2].fs_type, "tmpfs");
  EXPECT_EQ((*mounts)[2].super_options, "rw,size=4k");
}

TEST(ParseMountinfo, MalformedLinesNameTheLine) {
  auto no_dash =
      parse_mountinfo("40 30 0:37 / /a rw - tmpfs tmpfs rw\n40 30 0:37 / /b rw cgroup2\n");
  ASSERT_FALSE(no_dash.ok());
  EXPECT_THAT(no_dash.error().message, HasSubstr("line 2: no ' - ' separator"));
  auto short_tail = parse_mountinfo("40 30 0:37 / /a rw - cgroup2\n");
  ASSERT_FALSE(short_tail.ok());
  EXPECT_THAT(short_tail.error().message, HasSubstr("line 1: expected 'fstype source"));
  auto relative = parse_mountinfo("40 30 0:37 / sys rw - tmpfs tmpfs rw\n");
  ASSERT_FALSE(relative.ok());
  EXPECT_THAT(relative.error().message, HasSubstr("'sys' is not absolute"));
}

TEST(DetectLayout, MalformedMountinfoNamesFile) {
  TempTree t;
  TempTree::write(t / "mountinfo", "garbage\n");
  auto layout = detect_layout({.mountinfo = t / "mountinfo", .root = t.root()});
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.error().message, HasSubstr((t / "mountinfo").string() + ": mountinfo line 1"));
}

TEST(ModeToString, AllModes) {
  EXPECT_EQ(to_string(Mode::v1), "v1");
  EXPECT_EQ(to_string(Mode::v2), "v2");
  EXPECT_EQ(to_string(Mode::hybrid), "hybrid");
}

}  // namespace
}  // namespace mt::cgroup
