// The rcutorture workload's host check on fixture trees (no root, no module) and its module
// parameters.
#include "workloads/rcutorture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace mt::workloads {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ModuleHostTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("mt-rcutorture-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "proc/sys/kernel");
    std::filesystem::create_directories(root_ / "sys/module");
    std::filesystem::create_directories(root_ / "bin");
    write("proc/modules", "");
    write("proc/cmdline", "console=ttyS0 quiet\n");
    write("proc/sys/kernel/modules_disabled", "0\n");
    write("bin/modprobe", "#!/bin/sh\nexit 0\n");
    ::chmod((root_ / "bin/modprobe").c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }
  ModuleHost host() const {
    return {.proc = root_ / "proc", .sys = root_ / "sys", .path_env = (root_ / "bin").string(),
            .dry_run = false};
  }
  std::filesystem::path root_;
};

TEST_F(ModuleHostTree, AHostThatCanLoadModulesHasNoReason) {
  EXPECT_EQ(rcutorture_unavailable(host()), "");
}

TEST_F(ModuleHostTree, EachReasonIsNamed) {
  write("proc/cmdline", "console=ttyS0 nomodule quiet\n");
  EXPECT_THAT(rcutorture_unavailable(host()), HasSubstr("nomodule"));
  write("proc/cmdline", "x\n");
  write("proc/sys/kernel/modules_disabled", "1\n");
  EXPECT_THAT(rcutorture_unavailable(host()), HasSubstr("modules_disabled is 1"));
  write("proc/sys/kernel/modules_disabled", "0\n");
  std::filesystem::remove(root_ / "bin/modprobe");
  EXPECT_THAT(rcutorture_unavailable(host()), HasSubstr("modprobe is not installed"));
  std::filesystem::remove(root_ / "proc/modules");
  EXPECT_THAT(rcutorture_unavailable(host()), HasSubstr("CONFIG_MODULES is off"));
  std::filesystem::create_directories(root_ / "sys/module/rcutorture");
  EXPECT_THAT(rcutorture_unavailable(host()), HasSubstr("already loaded"));
}

// After a killed worker: modprobe -r only when the module is loaded, and a modprobe that fails
// is an error that says the module is still loaded.
TEST_F(ModuleHostTree, ALeftModuleIsUnloadedWithModprobeR) {
  write("bin/modprobe", "#!/bin/sh\necho \"$@\" >> " + (root_ / "calls").string() + "\nexit 0\n");
  auto none = unload_left_rcutorture(host());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  EXPECT_FALSE(std::filesystem::exists(root_ / "calls")) << "nothing loaded, nothing run";

  std::filesystem::create_directories(root_ / "sys/module/rcutorture");
  auto done = unload_left_rcutorture(host());
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_THAT(*done, HasSubstr("unloaded"));
  std::ifstream calls(root_ / "calls");
  std::string line;
  std::getline(calls, line);
  EXPECT_EQ(line, "-r rcutorture");

  write("bin/modprobe", "#!/bin/sh\nexit 1\n");
  auto failed = unload_left_rcutorture(host());
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message, HasSubstr("still loaded"));
}

TEST(RcutortureModule, TheForwardProgressTestAloneWithTheCampaignsSettings) {
  campaign::RcutortureSpec spec;
  spec.torture_type = "srcu";
  spec.fwd_progress = 2;
  spec.fwd_progress_holdoff = std::chrono::seconds(3);
  EXPECT_THAT(rcutorture_module_args(spec),
              ElementsAre("rcutorture", "torture_type=srcu", "fwd_progress=2",
                          "fwd_progress_div=4", "fwd_progress_holdoff=3", "stutter=0",
                          "nreaders=1", "nfakewriters=0", "stat_interval=5", "shutdown_secs=0"));
}

}  // namespace
}  // namespace mt::workloads
