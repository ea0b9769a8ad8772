// Campaign parts on a made-up context (no cgroup, no root): what each emits and contributes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <vector>

#include "common/scheduler.h"
#include "daemon/parts/criteria_part.h"
#include "daemon/parts/psi_trigger_part.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::Mi;

class PartsTest : public ::testing::Test {
 protected:
  PartContext context(std::optional<std::filesystem::path> pressure = std::nullopt) {
    return PartContext{io_, timers_, [this] { return (clock_.now() - start_) / 1.0s; },
                       [this](Event::Body b) { events_.push_back(std::move(b)); },
                       std::move(pressure)};
  }
  template <class T>
  std::vector<T> emitted() const {
    std::vector<T> out;
    for (const auto& b : events_)
      if (auto* p = std::get_if<T>(&b)) out.push_back(*p);
    return out;
  }
  boost::asio::io_context io_;
  FakeClock clock_;
  ManualScheduler timers_{clock_};
  Clock::time_point start_ = clock_.now();
  std::vector<Event::Body> events_;
};

TEST_F(PartsTest, CriteriaEmitAFirstFailureAtOnceAndTheFallbackOnce) {
  campaign::Criteria c;
  c.min_headroom = 8 * Mi;
  c.max_psi_some_avg10 = 50;
  CriteriaPart part(c, clock_, start_);
  auto cx = context();
  Sample s = testing::sample(0.1, 60 * Mi, 64 * Mi);  // 4Mi headroom: fails min_headroom
  s.system_psi = testing::psi(1, 0);                  // no cgroup PSI: falls back
  timers_.advance(100ms);
  part.on_sample(s, cx);
  part.on_sample(s, cx);  // neither the failure nor the fallback is said twice
  ASSERT_THAT(emitted<CriterionResult>(), SizeIs(1));
  EXPECT_EQ(emitted<CriterionResult>()[0].name, "min_headroom");
  ASSERT_THAT(emitted<LogLine>(), SizeIs(1));
  EXPECT_THAT(emitted<LogLine>()[0].text, HasSubstr("PSI criteria use the system's"));
  ReportData r;
  part.contribute(r);
  ASSERT_THAT(r.criteria, SizeIs(2));
  EXPECT_THAT(r.criteria[1].detail, HasSubstr("(first at 0.1 s)"));
}

TEST_F(PartsTest, APsiTriggerWithoutPerCgroupPsiSaysWhyAndIsNotArmed) {
  PsiTriggerPart part(campaign::PsiTriggerSpec{});
  auto cx = context(std::nullopt);
  ASSERT_TRUE(part.setup(cx));
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  EXPECT_FALSE(r.psi_trigger.armed);
  EXPECT_EQ(r.psi_trigger.spec, "some 100000 2000000");
  EXPECT_EQ(r.psi_trigger.error, "this host has no per-cgroup PSI");
  ASSERT_THAT(emitted<LogLine>(), SizeIs(1));
}

TEST_F(PartsTest, APsiTriggerTheFileRefusesRecordsTheKernelsError) {
  PsiTriggerPart part(campaign::PsiTriggerSpec{});
  auto cx = context("/nonexistent/memtorture/memory.pressure");
  ASSERT_TRUE(part.setup(cx));
  ASSERT_TRUE(part.teardown(cx));
  ReportData r;
  part.contribute(r);
  EXPECT_FALSE(r.psi_trigger.armed);
  EXPECT_THAT(r.psi_trigger.error, HasSubstr("ENOENT"));
}

TEST_F(PartsTest, ADisabledTriggerIsNotArmedAndSaysSo) {
  campaign::PsiTriggerSpec spec;
  spec.enabled = false;
  PsiTriggerPart part(spec);
  auto cx = context("/nonexistent");
  ASSERT_TRUE(part.setup(cx));
  ReportData r;
  part.contribute(r);
  EXPECT_EQ(r.psi_trigger.error, "disabled in the campaign");
  EXPECT_TRUE(events_.empty());
}

}  // namespace
}  // namespace mt::daemon
