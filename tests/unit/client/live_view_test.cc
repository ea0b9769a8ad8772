// LiveView: how often the progress line is drawn, in a terminal and in a log.
#include "client/live_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/client/client_testing.h"

namespace mt::client {
namespace {

using ::testing::HasSubstr;
using testing::count;
using testing::Mi;
using namespace std::chrono_literals;

constexpr const char* kErase = "\r\033[K";

pb::CampaignEvent sample_at(double t) {
  pb::CampaignEvent ev = testing::at(t);
  *ev.mutable_sample() = testing::sample(static_cast<std::uint64_t>(t * 1000) * 1024, 256 * Mi);
  return ev;
}

pb::CampaignEvent oom_at(double t) {
  pb::CampaignEvent ev = testing::at(t);
  ev.mutable_oom_kill()->set_total(1);
  return ev;
}

// A campaign sampling every 10 ms for 3 s: 300 events.
std::string feed(LiveView& v, LiveView::Clock::time_point t0, int events = 300) {
  std::string out;
  for (int i = 0; i < events; ++i) out += v.on_event(sample_at(i * 0.01), t0 + i * 10ms);
  return out;
}

TEST(LiveViewTest, InATerminalTheLineIsRedrawnAtMostFourTimesASecond) {
  LiveView v(/*terminal=*/true);
  const std::string out = feed(v, LiveView::Clock::time_point{});
  // The first draw, then one every 250 ms: 12 more in 3 s.
  EXPECT_LE(count(out, kErase), 12);
  EXPECT_GE(count(out, kErase), 10);
  EXPECT_EQ(count(out, "\n"), 0);  // redrawn in place
  EXPECT_LT(out.size(), 2000u);
}

TEST(LiveViewTest, NotableLinesPrintAtOnceAndTheLineComesBack) {
  LiveView v(/*terminal=*/true);
  const auto t0 = LiveView::Clock::time_point{};
  v.on_event(sample_at(0), t0);
  const std::string out = v.on_event(oom_at(0.01), t0 + 10ms);  // long before the next redraw
  EXPECT_THAT(out, ::testing::StartsWith(std::string(kErase) + "   0.0s  OOM kill #1\n"));
  EXPECT_THAT(out, HasSubstr("OOM kills 1"));  // the line, redrawn below it
}

TEST(LiveViewTest, OutsideATerminalOneLineASecond) {
  LiveView v(/*terminal=*/false);
  const std::string out = feed(v, LiveView::Clock::time_point{});
  EXPECT_EQ(count(out, "\n"), 3);  // at 0 s, 1 s, 2 s
  EXPECT_EQ(count(out, kErase), 0);
  EXPECT_EQ(v.finish(), "");
}

TEST(LiveViewTest, FinishEndsTheTerminalLineInItsLastState) {
  LiveView v(/*terminal=*/true);
  feed(v, LiveView::Clock::time_point{}, 30);  // the last ones not drawn yet
  const std::string last = v.finish();
  EXPECT_THAT(last, ::testing::StartsWith(kErase));
  EXPECT_THAT(last, HasSubstr("[   0.3s/0.0s]"));
  EXPECT_THAT(last, ::testing::EndsWith("\n"));
}

TEST(LiveViewTest, NothingToFinishWhenNothingCame) {
  LiveView v(/*terminal=*/true);
  EXPECT_EQ(v.finish(), "");
}

TEST(LiveViewTest, TheTerminalLineIsCutToItsWidth) {
  LiveView v(/*terminal=*/true, /*columns=*/40);
  const std::string out = v.on_event(sample_at(1), LiveView::Clock::time_point{});
  EXPECT_EQ(out.size(), 39u);  // nothing on screen yet: no erase, one column spare
  const std::string last = v.finish();
  EXPECT_EQ(last.size(), std::string(kErase).size() + 39 + 1);
}

}  // namespace
}  // namespace mt::client
