#include "workloads/protocol.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace mt::workloads {
namespace {

TEST(Protocol, FormatsCountersAndFinal) {
  EXPECT_EQ(format_counters({.ops = 12, .errors = 3, .bytes = 4096}, false), "C 12 3 4096\n");
  EXPECT_EQ(format_counters({.ops = 0, .errors = 0, .bytes = 0}, true), "F 0 0 0\n");
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(format_counters({kMax, kMax, kMax}, false),
            "C 18446744073709551615 18446744073709551615 18446744073709551615\n");
}

TEST(Protocol, FormatsErrorOnOneLine) {
  EXPECT_EQ(format_error("mmap failed: ENOMEM (Cannot allocate memory)"),
            "E mmap failed: ENOMEM (Cannot allocate memory)\n");
  EXPECT_EQ(format_error("two\nlines\r"), "E two lines \n");
  std::string long_text(10000, 'x');
  EXPECT_LT(format_error(long_text).size(), 4096u);  // stays an atomic pipe write
}

TEST(Protocol, ParsesWhatItFormats) {
  Counters c{.ops = 123456789, .errors = 7, .bytes = 1ULL << 40};
  for (bool final : {false, true}) {
    auto m = parse_message(format_counters(c, final));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->kind, final ? Message::Kind::final : Message::Kind::counters);
    EXPECT_EQ(m->counters, c);
  }
  auto e = parse_message(format_error("cannot create directory /x: EACCES"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->kind, Message::Kind::error);
  EXPECT_EQ(e->text, "cannot create directory /x: EACCES");
}

TEST(Protocol, ParsesWithoutNewline) {
  auto m = parse_message("C 1 2 3");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->counters, (Counters{1, 2, 3}));
  auto e = parse_message("E ");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->text, "");
}

TEST(Protocol, RejectsMalformedLines) {
  for (const char* line : {
           "",                            // empty
           "\n",                          // empty line
           "C",                           // no counters
           "C\n",                         //
           "C 1 2\n",                     // too few
           "C 1 2 3 4\n",                 // too many
           "C 1  2 3\n",                  // double space
           " C 1 2 3\n",                  // leading space
           "C 1 2 3 \n",                  // trailing space
           "C -1 2 3\n",                  // negative
           "C +1 2 3\n",                  // sign
           "C 1 x 3\n",                   // not a number
           "C 1 2 3.5\n",                 // not whole
           "C 18446744073709551616 0 0",  // overflows 64 bits
           "F 1 2\n",                     // final with too few
           "X 1 2 3\n",                   // unknown kind
           "c 1 2 3\n",                   // lower case
           "C1 2 3\n",                    // no space after the kind
           "E",                           // error without the space
           "Eoops",                       //
           "E two\nlines\n",              // error spanning lines
       }) {
    auto m = parse_message(line);
    EXPECT_FALSE(m.ok()) << "accepted '" << line << "'";
    if (!m.ok()) {
      EXPECT_FALSE(m.error().message.empty());
    }
  }
}

TEST(Protocol, ErrorNamesTheBadField) {
  auto m = parse_message("C 1 x 3");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("errors"), std::string::npos) << m.error().message;
}

}  // namespace
}  // namespace mt::workloads
