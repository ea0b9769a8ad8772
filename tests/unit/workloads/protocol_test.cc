// The worker <-> daemon wire protocol: every line kind both ways, named counters (unknown keys
// ignored, missing ones defaulted), and what is refused.
#include "workloads/protocol.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace mt::workloads {
namespace {

TEST(Protocol, FormatsCountersAsNamedFields) {
  EXPECT_EQ(format_counters({.ops = 12, .errors = 3, .bytes = 4096}, false),
            "C ops=12 errors=3 bytes=4096 paused=0 rate=0\n");
  EXPECT_EQ(format_counters({.ops = 0, .paused = true, .rate = 1500}, true),
            "F ops=0 errors=0 bytes=0 paused=1 rate=1500\n");
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(format_counters({kMax, kMax, kMax}, false),
            "C ops=18446744073709551615 errors=18446744073709551615 bytes=18446744073709551615 "
            "paused=0 rate=0\n");
}

TEST(Protocol, AResultComesBackWithItsFieldsInOrder) {
  const ResultRecord r{.section = "stress_ng",
                       .fields = {{"stressor", "vm"}, {"bogo-ops", "27380"}, {"max-rss", "34836"}}};
  EXPECT_EQ(format_result(r), "R stress_ng stressor=vm bogo-ops=27380 max-rss=34836\n");
  auto m = parse_message(format_result(r));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->kind, Message::Kind::result);
  EXPECT_EQ(m->record, r);
  // Spaces cannot split a value or a key; '=' in a value survives, in a key it cannot.
  const ResultRecord odd{.section = "x y", .fields = {{"a b", "1 2"}, {"k=", "v=w"}}};
  EXPECT_EQ(format_result(odd), "R x_y a_b=1_2 k_=v=w\n");
  m = parse_message(format_result(odd));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->record.fields[1], (std::pair<std::string, std::string>{"k_", "v=w"}));
  EXPECT_FALSE(parse_message("R stress_ng novalue").ok());
  EXPECT_TRUE(parse_message("R section_only").ok());
}

TEST(Protocol, HelloComesBack) {
  EXPECT_EQ(format_hello({2, "anon", 1}), "H version=2 kind=anon threads=1\n");
  auto m = parse_message(format_hello({2, "anon", 1}));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->kind, Message::Kind::hello);
  EXPECT_EQ(m->hello, (Hello{2, "anon", 1}));
  EXPECT_FALSE(parse_message("H kind=anon").ok()) << "a hello without a version";
}

TEST(Protocol, FormatsErrorOnOneLine) {
  EXPECT_EQ(format_error("mmap failed: ENOMEM (Cannot allocate memory)"),
            "E mmap failed: ENOMEM (Cannot allocate memory)\n");
  EXPECT_EQ(format_error("two\nlines\r"), "E two lines \n");
  std::string long_text(10000, 'x');
  EXPECT_LT(format_error(long_text).size(), 4096u);  // stays an atomic pipe write
}

TEST(Protocol, ParsesWhatItFormats) {
  Counters c{.ops = 123456789, .errors = 7, .bytes = 1ULL << 40, .paused = true, .rate = 12.5};
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

TEST(Protocol, UnknownKeysAreIgnoredAndMissingOnesDefault) {
  // A newer worker's figure, in any order.
  auto m = parse_message("C bytes=3 slab_bytes=77 ops=1");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->counters, (Counters{.ops = 1, .errors = 0, .bytes = 3}));
}

TEST(Protocol, ControlCommandsBothWays) {
  for (const Control& c : {Control{Control::Kind::pause, 0}, Control{Control::Kind::resume, 0},
                           Control{Control::Kind::rate, 2500}, Control{Control::Kind::rate, 0}}) {
    auto back = parse_control(format_control(c));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, c);
  }
  EXPECT_EQ(format_control({Control::Kind::rate, 2500}), "rate 2500\n");
  for (const char* bad : {"", "stop", "rate", "rate -1", "rate x", "rate inf", "pause now"})
    EXPECT_FALSE(parse_control(bad).ok()) << bad;
  auto a = parse_message(format_applied({Control::Kind::rate, 10}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, Message::Kind::applied);
  EXPECT_EQ(a->text, "rate 10");
  auto n = parse_message(format_refused("rate 10\n", "anon workloads have no rate"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->kind, Message::Kind::refused);
  EXPECT_EQ(n->text, "rate 10: anon workloads have no rate");
}

TEST(Protocol, RejectsMalformedLines) {
  for (const char* line : {
           "",                                 // empty
           "\n",                               // empty line
           "C",                                // no counters
           "C\n",                              //
           "C errors=2\n",                     // no ops
           "C ops=1  errors=2\n",              // double space
           " C ops=1\n",                       // leading space
           "C ops=1 \n",                       // trailing space
           "C ops=-1\n",                       // negative
           "C ops=+1\n",                       // sign
           "C ops=x\n",                        // not a number
           "C ops=3.5\n",                      // not whole
           "C ops=18446744073709551616",       // overflows 64 bits
           "C ops=1 paused=2",                 // not a flag
           "C ops=1 rate=-5",                  // negative rate
           "C 1 2 3\n",                        // the old positional form
           "C ops\n",                          // not key=value
           "C =1\n",                           // no key
           "X ops=1\n",                        // unknown kind
           "c ops=1\n",                        // lower case
           "Cops=1\n",                         // no space after the kind
           "E",                                // error without the space
           "Eoops",                            //
           "E two\nlines\n",                   // error spanning lines
       }) {
    auto m = parse_message(line);
    EXPECT_FALSE(m.ok()) << "accepted '" << line << "'";
    if (!m.ok()) {
      EXPECT_FALSE(m.error().message.empty());
    }
  }
}

TEST(Protocol, ErrorNamesTheBadField) {
  auto m = parse_message("C ops=1 errors=x");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("errors"), std::string::npos) << m.error().message;
}

}  // namespace
}  // namespace mt::workloads
