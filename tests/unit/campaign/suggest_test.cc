#include "campaign/suggest.h"

#include <gtest/gtest.h>

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"name", "type", "kind", "threads", "rate", "start_after"};

TEST(EditDistance, CountsEachEditOnce) {
  EXPECT_EQ(edit_distance("threads", "threads"), 0);
  EXPECT_EQ(edit_distance("thread", "threads"), 1);    // insertion
  EXPECT_EQ(edit_distance("threadss", "threads"), 1);  // deletion
  EXPECT_EQ(edit_distance("threeds", "threads"), 1);   // substitution
  EXPECT_EQ(edit_distance("thraeds", "threads"), 1);   // swap of neighbours
  EXPECT_EQ(edit_distance("Threads", "threads"), 0);   // case is ignored
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
}

TEST(ClosestMatch, SuggestsLikelyTypos) {
  EXPECT_EQ(closest_match("thraeds", kKeys), "threads");
  EXPECT_EQ(closest_match("typ", kKeys), "type");
  EXPECT_EQ(closest_match("start-after", kKeys), "start_after");
  EXPECT_EQ(closest_match("startafter", kKeys), "start_after");
}

TEST(ClosestMatch, StaysQuietWhenNothingIsClose) {
  EXPECT_EQ(closest_match("colour", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("x", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("sz", kKeys), std::nullopt);
}

TEST(ClosestMatch, FirstCandidateWinsATie) {
  constexpr std::string_view keys[] = {"rate", "ramp"};
  EXPECT_EQ(closest_match("ra", keys), std::nullopt);  // 2 edits from both: too far for 2 letters
  EXPECT_EQ(closest_match("rat", keys), "rate");
  constexpr std::string_view tie[] = {"abcd", "abce"};
  EXPECT_EQ(closest_match("abcf", tie), "abcd");
}

}  // namespace
}  // namespace mt::campaign
