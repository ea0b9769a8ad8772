// ReactionsPart on fakes: a fixture /sys tree behind the knob layer, a fake control channel, fake
// gp_kick and barrier calls on the part's thread, samples made up by the test. Checks that what a
// firing promises happens (the knob really changes and is put back, the flood is throttled and
// let go) and that it is recorded.
#include "daemon/parts/reactions_part.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "campaign/reactions.h"
#include "common/scheduler.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = campaign::ReactionAction::Kind;

campaign::Condition cond(const std::string& text) { return *campaign::parse_condition_text(text); }

class ReactionsPartTest : public ::testing::Test {
 protected:
  ReactionsPartTest() {
    std::filesystem::create_directories(dir_ / "sys/kernel");
    std::filesystem::create_directories(dir_ / "state");
    testing::write_text(dir_ / "sys/kernel/rcu_expedited", "0\n");
  }
  std::string knob() { return testing::read_text(dir_ / "sys/kernel/rcu_expedited").substr(0, 1); }
  std::string journal() { return testing::read_text(dir_ / "state/knobs.journal"); }

  // "drain": fires above 4Mi waiting, clears under 1Mi.
  campaign::ReactionSpec drain(std::vector<campaign::ReactionAction> actions) {
    campaign::ReactionSpec r;
    r.name = "drain";
    r.when = cond("rcu.pending_bytes > 4Mi");
    r.clear = cond("rcu.pending_bytes < 1Mi");
    r.actions = std::move(actions);
    return r;
  }
  std::unique_ptr<ReactionsPart> part(std::vector<campaign::ReactionSpec> reactions) {
    ReactionsPartOptions o;
    o.reactions = std::move(reactions);
    o.flood_rates = {{"flood", 0}};
    o.knobs = &knobs_;
    o.gp_kick = [] { return Result<std::chrono::nanoseconds>(42us); };
    o.barrier = [] { return Result<std::chrono::nanoseconds>(9ms); };
    auto p = std::make_unique<ReactionsPart>(std::move(o));
    EXPECT_TRUE(p->setup(cx_));
    return p;
  }
  void sample(ReactionsPart& p, double waiting_mi) {
    Sample s;
    s.t_s = cx_.now_s();
    s.metrics["rcu.pending_bytes"] = waiting_mi * testing::Mi;
    EXPECT_TRUE(p.measure(s, cx_));
    p.on_sample(s, cx_);
    clock_.advance(100ms);
  }

  testing::TempDir dir_;
  rcu::Knobs knobs_{dir_ / "sys", rcu::KnobJournal(dir_ / "state/knobs.journal")};
  boost::asio::io_context io_;
  FakeClock clock_;
  ManualScheduler timers_{clock_};
  Clock::time_point t0_ = clock_.now();
  std::vector<std::string> sent_;  // "flood rate 1000"
  std::vector<Event::Body> events_;
  PartContext cx_ = [this] {
    PartContext cx{io_, timers_, [this] { return (clock_.now() - t0_) / 1.0s; },
                   [this](Event::Body b) { events_.push_back(std::move(b)); }, std::nullopt};
    cx.control = [this](const std::string& name, const workloads::Control& c,
                        PartContext::ControlDone done) {
      std::string line = workloads::format_control(c);
      line.pop_back();  // the newline
      sent_.push_back(name + " " + line);
      done(true, "");
    };
    return cx;
  }();
};

TEST_F(ReactionsPartTest, ExpediteAndThrottleHoldUntilClearThenArePutBack) {
  campaign::ReactionAction throttle{.kind = Kind::throttle, .workloads = {"flood"}, .rate = 1000};
  auto p = part({drain({{.kind = Kind::expedite}, throttle})});
  sample(*p, 5);
  EXPECT_EQ(knob(), "1");
  EXPECT_THAT(sent_, ElementsAre("flood rate 1000"));
  ASSERT_EQ(p->firings().size(), 1u);
  const auto& f = p->firings()[0];
  ASSERT_TRUE(f.done_s);
  EXPECT_EQ(f.actions[0].detail, "rcu_expedited 0 -> 1, until clear");
  EXPECT_EQ(f.actions[1].detail, "flood: rate 1000/s");
  sample(*p, 3);  // between the lines: still fired
  EXPECT_EQ(knob(), "1");
  sample(*p, 0.5);
  EXPECT_EQ(knob(), "0") << "put back when it cleared";
  EXPECT_THAT(sent_, ElementsAre("flood rate 1000", "flood resume", "flood rate 0"));
  EXPECT_TRUE(p->firings()[0].cleared_s);
  // Fired again and cleared again: the journal still holds the one line of the first change.
  sample(*p, 6);
  sample(*p, 0.1);
  EXPECT_EQ(p->firings().size(), 2u);
  EXPECT_EQ(journal(), "rcu_expedited 0 1\n");
  EXPECT_EQ(knob(), "0");
  EXPECT_TRUE(p->teardown(cx_));
}

TEST_F(ReactionsPartTest, BlockingActionsRunOffTheIoThreadAndTheFiringEndsWhenTheyReport) {
  auto p = part({drain({{.kind = Kind::gp_kick}, {.kind = Kind::barrier}, {.kind = Kind::log}})});
  sample(*p, 5);
  ASSERT_EQ(p->firings().size(), 1u);
  EXPECT_FALSE(p->firings()[0].done_s) << "the grace period is still being waited for";
  ASSERT_TRUE(testing::run_one_posted(io_));
  ASSERT_TRUE(testing::run_one_posted(io_));
  const auto& f = p->firings()[0];
  ASSERT_TRUE(f.done_s);
  EXPECT_EQ(f.actions[0].detail, "grace period 42 us");
  EXPECT_EQ(f.actions[1].detail, "barrier in 9.0 ms");
  EXPECT_TRUE(f.actions[2].ok);
  bool logged = false;
  for (const auto& e : events_)
    if (const auto* l = std::get_if<LogLine>(&e))
      logged = logged || l->text.find("reaction drain fired (#1)") != std::string::npos;
  EXPECT_TRUE(logged);
  EXPECT_TRUE(p->teardown(cx_));
}

TEST_F(ReactionsPartTest, ATimedExpediteEndsOnItsOwnAndTeardownPutsBackAHeldOne) {
  auto p = part({drain({{.kind = Kind::expedite, .hold = 500ms}})});
  sample(*p, 5);
  EXPECT_EQ(knob(), "1");
  timers_.advance(500ms);
  EXPECT_EQ(knob(), "0") << "after its time, though the reaction has not cleared";

  auto q = part({drain({{.kind = Kind::expedite}})});
  sample(*q, 5);
  EXPECT_EQ(knob(), "1");
  EXPECT_TRUE(q->teardown(cx_));
  EXPECT_EQ(knob(), "0") << "the campaign ended with it held";
  EXPECT_TRUE(p->teardown(cx_));
}

}  // namespace
}  // namespace mt::daemon
