#include <gtest/gtest.h>

#include "cgroup/cgroup.h"

namespace mt::cgroup {
namespace {

TEST(ValidName, Accepts) {
  for (const char* ok : {"a", "campaign-1", "rcu_flood.v2", "A.b-C_9", "a..b", "...",
                         "0123456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_TRUE(valid_name(ok)) << ok;
  }
}

TEST(ValidName, Rejects) {
  for (const char* bad : {"", ".", "..", "../x", "a/b", "/abs", "a b", "tab\t", "new\nline",
                          "uni\xc3\xa9", "semi;colon", "star*",
                          "01234567890123456789012345678901234567890123456789012345678901234"}) {
    EXPECT_FALSE(valid_name(bad)) << bad;
  }
}

TEST(ValidPrefix, MustStartWithMemtorture) {
  EXPECT_TRUE(valid_prefix("memtorture"));
  EXPECT_TRUE(valid_prefix("memtorture-itest-123"));
  EXPECT_TRUE(valid_prefix("memtorture.ci"));
  EXPECT_FALSE(valid_prefix("Memtorture"));
  EXPECT_FALSE(valid_prefix("my-memtorture"));
  EXPECT_FALSE(valid_prefix("memtorture/x"));
  EXPECT_FALSE(valid_prefix("memtorture/.."));
  EXPECT_FALSE(valid_prefix(""));
  EXPECT_FALSE(valid_prefix("system.slice"));
}

}  // namespace
}  // namespace mt::cgroup
