// The fixture of the CampaignCgroup unit tests: layouts over a temp tree whose hierarchies are
// registered with a FakeCgroupFs (files appear on mkdir, rmdir refuses populated cgroups, kills
// empty them), so create/remove/sweep run without root on any kernel.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "cgroup/cgroup.h"
#include "tests/fakes/fake_cgroupfs.h"
#include "temp_tree.h"

namespace mt::cgroup::testing {

namespace stdfs = std::filesystem;
using Flavor = FakeCgroupFs::Flavor;

inline constexpr const char* kPrefix = "memtorture-test";
inline constexpr std::uint64_t k256Mi = 256ull << 20;

inline Limits limits(std::uint64_t limit, std::optional<std::uint64_t> high = std::nullopt) {
  Limits l;
  l.memory_limit = limit;
  l.memory_high = high;
  return l;
}

inline const stdfs::path kFiles = stdfs::path(MT_FIXTURES) / "cgroup" / "files";

class CampaignCgroupTest : public ::testing::Test {
 protected:
  // Layouts over the temp tree, each hierarchy registered with the fake.
  Layout hybrid(const std::string& unified_subtree_control = "") {
    ops_->add_hierarchy(tree_ / "memory", Flavor::v1_memory);
    ops_->add_hierarchy(tree_ / "unified", Flavor::v2, unified_subtree_control);
    return {.mode = Mode::hybrid,
            .memory_root = tree_ / "memory",
            .memory_v2 = false,
            .unified_root = tree_ / "unified",
            .campaign_parent = {}};
  }
  Layout v1() {
    ops_->add_hierarchy(tree_ / "memory", Flavor::v1_memory);
    return {.mode = Mode::v1,
            .memory_root = tree_ / "memory",
            .memory_v2 = false,
            .unified_root = {},
            .campaign_parent = {}};
  }
  Layout v2(const std::string& root_subtree_control = "memory pids") {
    ops_->add_hierarchy(tree_ / "cg", Flavor::v2, root_subtree_control);
    return {.mode = Mode::v2,
            .memory_root = tree_ / "cg",
            .memory_v2 = true,
            .unified_root = tree_ / "cg",
            .campaign_parent = {}};
  }

  std::unique_ptr<CampaignCgroup> create(const Layout& layout, const std::string& name,
                                         Limits l = limits(k256Mi)) {
    auto cg = CampaignCgroup::create(layout, kPrefix, name, l, ops_);
    EXPECT_TRUE(cg.ok()) << cg.error().message;
    return cg.ok() ? std::move(cg).value() : nullptr;
  }

  static void copy_fixture_files(const std::string& flavor, const stdfs::path& dir) {
    for (const auto& entry : stdfs::directory_iterator(kFiles / flavor))
      stdfs::copy_file(entry.path(), dir / entry.path().filename(),
                       stdfs::copy_options::overwrite_existing);
  }

  TempTree tree_;
  std::shared_ptr<FakeCgroupFs> ops_ = std::make_shared<FakeCgroupFs>();
};

}  // namespace mt::cgroup::testing
