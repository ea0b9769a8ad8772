// PsiTrigger::format (the line written to a pressure file) and arm()'s error for a missing file.
#include "daemon/psi_trigger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace mt::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PsiTriggerFormatTest, KindThenStallThenWindowInMicroseconds) {
  EXPECT_EQ(PsiTrigger::format(campaign::PsiKind::some, 100ms, 2s), "some 100000 2000000");
  EXPECT_EQ(PsiTrigger::format(campaign::PsiKind::full, 150ms, 1s), "full 150000 1000000");
  EXPECT_EQ(PsiTrigger::format(campaign::PsiKind::some, 500us, 10s), "some 500 10000000");
}

TEST(PsiTriggerFormatTest, NoTrailingNewlineOrNul) {
  // arm() adds the terminating NUL itself; the string must be the bare line.
  const std::string line = PsiTrigger::format(campaign::PsiKind::full, 1s, 2s);
  EXPECT_EQ(line, "full 1000000 2000000");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\0'), std::string::npos);
}

TEST(PsiTriggerArmTest, AMissingPressureFileIsAnErrorNamingIt) {
  boost::asio::io_context io;
  bool fired = false;
  auto t = PsiTrigger::arm(io, "/nonexistent/memtorture/memory.pressure", "some 100000 2000000",
                           [&] { fired = true; });
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error().message, StartsWith("cannot open /nonexistent/memtorture/memory.pressure"));
  EXPECT_THAT(t.error().message, HasSubstr("ENOENT"));
  io.run();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace mt::daemon
