#include "rcu/probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace mt::rcu {
namespace {

using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

class ProbeTest : public ::testing::Test {
 protected:
  ProbeTest() {
    std::string tmpl = (stdfs::temp_directory_path() / "mt-probe-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    sys_ = tmpl;
    stdfs::create_directories(sys_ / "kernel");
    stdfs::create_directories(sys_ / "module/rcutree/parameters");
    std::ofstream(sys_ / "kernel/rcu_expedited") << "1\n";
    std::ofstream(sys_ / "kernel/rcu_normal") << "0\n";
    std::ofstream(sys_ / "module/rcutree/parameters/do_rcu_barrier") << "0\n";
  }
  ~ProbeTest() override { stdfs::remove_all(sys_); }
  ProbeEnv env() {
    ProbeEnv e;
    e.sys = sys_;
    e.cpus = 2;
    e.measure_gp = [this]() -> Result<std::chrono::nanoseconds> {
      return std::chrono::nanoseconds(std::chrono::microseconds(++calls_));
    };
    return e;
  }
  stdfs::path sys_;
  int calls_ = 0;
};

TEST_F(ProbeTest, TimesTheGracePeriodsAskedForAndTheBarrierUnderTheRoot) {
  auto r = probe({5, true}, env());
  EXPECT_EQ(r.knobs, "rcu_expedited=1 rcu_normal=0");
  EXPECT_THAT(r.gp_us, ::testing::ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(*r.gp.percentile(50), 3);
  ASSERT_TRUE(r.barrier_us) << r.barrier_error;
  std::ifstream in(sys_ / "module/rcutree/parameters/do_rcu_barrier");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "1") << "the barrier is a write of 1";
}

TEST_F(ProbeTest, SaysWhyWhenItCannot) {
  auto e = env();
  e.cpus = 1;
  stdfs::remove(sys_ / "module/rcutree/parameters/do_rcu_barrier");
  auto r = probe({3, true}, e);
  EXPECT_TRUE(r.gp_us.empty());
  EXPECT_THAT(r.gp_error, ::testing::HasSubstr("one CPU"));
  EXPECT_FALSE(r.barrier_us);
  EXPECT_THAT(r.barrier_error, ::testing::HasSubstr("do_rcu_barrier"));

  e = env();
  e.measure_gp = []() -> Result<std::chrono::nanoseconds> { return make_error("EINVAL"); };
  auto failed = probe({3, false}, e);
  EXPECT_EQ(failed.gp_error, "EINVAL");
  EXPECT_FALSE(failed.barrier_us);
  EXPECT_EQ(failed.barrier_error, "");
}

}  // namespace
}  // namespace mt::rcu
