// Interrupt: the first signal stops, the next cancels every call in flight.
#include "client/interrupt.h"

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

namespace mt::client {
namespace {

TEST(InterruptTest, TheFirstSignalRunsTheActionTheSecondCancels) {
  Interrupt in(2);
  int stops = 0;
  in.on_first([&] { ++stops; });
  in.signal();
  EXPECT_EQ(stops, 1);
  EXPECT_FALSE(in.cancelled());
  in.signal();
  EXPECT_EQ(stops, 1);
  EXPECT_TRUE(in.cancelled());
  in.signal();  // more signals change nothing
  EXPECT_EQ(stops, 1);
  EXPECT_TRUE(in.cancelled());
}

TEST(InterruptTest, ASignalBeforeTheActionIsSetRunsItWhenSet) {
  Interrupt in(2);
  in.signal();  // Ctrl-C while the campaign was being started
  int stops = 0;
  in.on_first([&] { ++stops; });
  EXPECT_EQ(stops, 1);
  in.on_first([&] { ++stops; });  // not again
  EXPECT_EQ(stops, 1);
}

TEST(InterruptTest, AnActionRemovedIsNotRun) {
  Interrupt in(2);
  int stops = 0;
  in.on_first([&] { ++stops; });
  in.on_first({});
  in.signal();
  EXPECT_EQ(stops, 0);
  EXPECT_FALSE(in.cancelled());
}

TEST(InterruptTest, WithOneSignalToCancelTheFirstCancels) {
  Interrupt in(1);
  int stops = 0;
  in.on_first([&] { ++stops; });
  in.signal();
  EXPECT_EQ(stops, 0);
  EXPECT_TRUE(in.cancelled());
}

// A context tracked after the cancel is cancelled at once: its call ends as soon as it
// starts. (Cancelled calls themselves are exercised with a fake daemon in commands_test.)
TEST(InterruptTest, TrackingAndUntracking) {
  Interrupt in(1);
  {
    grpc::ClientContext a;
    Interrupt::Tracked ta(in, &a);
    in.signal();
  }  // untracked before it is destroyed: a later cancel must not touch it
  grpc::ClientContext b;
  Interrupt::Tracked tb(in, &b);
  EXPECT_TRUE(in.cancelled());
  in.signal();
}

}  // namespace
}  // namespace mt::client
