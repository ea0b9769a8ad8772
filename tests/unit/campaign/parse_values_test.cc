// parse_campaign() on each kind of value through the parser: sizes and durations in every unit,
// whole numbers, percentages, booleans, names, and the edges of each range.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseUnits, Sizes) {
  const struct {
    std::string text;
    std::uint64_t bytes;
  } good[] = {
      {"1", 1},
      {"4096", 4096},
      {"64B", 64},
      {"64Ki", 64 * Ki},
      {"64K", 64000},
      {"1Mi", Mi},
      {"5M", 5'000'000},
      {"2Gi", 2 * Gi},
      {"2G", 2'000'000'000},
      {"1Ti", 1ULL << 40},
      {"3T", 3'000'000'000'000},
      {"\"256Mi\"", 256 * Mi},
      {"18446744073709551615", 18446744073709551615ULL},
  };
  for (const auto& [text, bytes] : good) {
    Campaign c;
    c.workloads = anon(text);
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << text << ::testing::PrintToString(diagnostic_lines(result));
    EXPECT_EQ(result.spec->workloads[0].anon()->size, bytes) << text;
  }

  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"64mi", "unknown size unit 'mi' in '64mi' (use Ki, Mi, Gi, Ti, K, M, G, T or plain bytes)"},
      {"64 Mi",
       "unknown size unit ' Mi' in '64 Mi' (use Ki, Mi, Gi, Ti, K, M, G, T or plain bytes)"},
      {"1e6", "unknown size unit 'e6' in '1e6' (use Ki, Mi, Gi, Ti, K, M, G, T or plain bytes)"},
      {"0x10", "unknown size unit 'x10' in '0x10' (use Ki, Mi, Gi, Ti, K, M, G, T or plain bytes)"},
      {"1.5Gi", "expected a whole number with a unit such as 256Mi, got '1.5Gi'"},
      {"Mi", "expected a size such as 256Mi, got 'Mi'"},
      {"-1", "must not be negative, got -1"},
      {"0", "must be greater than 0, got 0"},
      {"0Mi", "must be greater than 0, got 0Mi"},
      {"18446744073709551616", "size is too large: '18446744073709551616'"},
      {"17179869184Gi", "size is too large: '17179869184Gi'"},
      {"[1, 2]", "expected a size such as 256Mi, got a list"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.workloads = anon(text);
    EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:8:11: workloads[0].size: " + error))
        << text;
  }
}

// A sawtooth anon: both churn keys or neither, and only with a ramp; round trip through to_yaml.
TEST(ParseAnon, ChurnKeys) {
  Campaign c;
  c.workloads = anon("32Mi", "4s") + "    churn_every: 1s\n    churn_free: 0.5\n";
  const ParseResult ok = parse(c.str());
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(diagnostic_lines(ok));
  EXPECT_EQ(ok.spec->workloads[0].anon()->churn_every, 1s);
  EXPECT_EQ(ok.spec->workloads[0].anon()->churn_free, 0.5);
  const ParseResult again = parse(to_yaml(*ok.spec));
  ASSERT_TRUE(again.ok()) << ::testing::PrintToString(diagnostic_lines(again));
  EXPECT_EQ(to_yaml(*again.spec), to_yaml(*ok.spec));

  c.workloads = anon("32Mi", "4s") + "    churn_every: 1s\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:18: workloads[0].churn_every: churn_every and churn_free go "
                          "together (how often, and what fraction to give back)"));
  c.workloads = anon("32Mi") + "    churn_every: 1s\n    churn_free: 0.5\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:18: workloads[0].churn_every: a churn needs a ramp (it gives "
                          "back part of what the ramp grew)"));
  c.workloads = anon("32Mi", "4s") + "    churn_every: 50ms\n    churn_free: 0.95\n";
  const auto errors = errors_of(c.str());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], ::testing::HasSubstr("churn_every: must be at least 100ms"));
  EXPECT_THAT(errors[1], ::testing::HasSubstr("churn_free:"));
}

TEST(ParseAnon, MadviseModes) {
  Campaign c;
  c.workloads = "  - name: a\n    type: anon\n    size: 16Mi\n    madvise: cold\n";
  const ParseResult ok = parse(c.str());
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(diagnostic_lines(ok));
  EXPECT_EQ(ok.spec->workloads[0].anon()->madvise, AnonSpec::Madvise::cold);
  EXPECT_DOUBLE_EQ(ok.spec->workloads[0].anon()->madvise_fraction, 0.5);
  EXPECT_THAT(to_yaml(*ok.spec), ::testing::HasSubstr("madvise: cold\n    madvise_fraction: 0.5"));
  const ParseResult again = parse(to_yaml(*ok.spec));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.spec->workloads[0].anon()->madvise, AnonSpec::Madvise::cold);
  c.workloads = "  - name: a\n    type: anon\n    size: 16Mi\n    madvise: freeze\n"
                "    madvise_fraction: 2\n";
  const auto errors = errors_of(c.str());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], ::testing::HasSubstr("9:14: workloads[0].madvise: unknown madvise mode 'freeze' (expected none, cold or pageout)"));
  EXPECT_THAT(errors[1], ::testing::HasSubstr("workloads[0].madvise_fraction:"));
}

TEST(ParseWorkloads, PageCache) {
  Campaign c;
  c.workloads = "  - name: cache\n    type: page_cache\n    size: 64Mi\n    dirty: true\n";
  const ParseResult ok = parse(c.str());
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(diagnostic_lines(ok));
  const PageCacheSpec* pc = ok.spec->workloads[0].page_cache();
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(pc->size, 64 * Mi);
  EXPECT_TRUE(pc->dirty);
  EXPECT_TRUE(ok.spec->workloads[0].needs_dir());
  const ParseResult again = parse(to_yaml(*ok.spec));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_yaml(*again.spec), to_yaml(*ok.spec));

  c.workloads = "  - name: cache\n    type: page_cache\n    dirty: maybe\n";
  const auto errors = errors_of(c.str());
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], ::testing::HasSubstr("workloads[0]"));
  c.workloads = "  - name: cache\n    type: page_cache\n    size: 1Mi\n    ramp: 1s\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:9:5: workloads[0].ramp: 'ramp' is only for anon workloads"));
}

TEST(ParseWorkloads, FloodBursts) {
  Campaign c;
  c.workloads =
      "  - name: f\n    type: flood\n    kind: udp_socket\n    bursts:\n      flood: 2s\n"
      "      count: 3\n      stop_below_headroom: 16Mi\n";
  const ParseResult ok = parse(c.str());
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(diagnostic_lines(ok));
  const FloodSpec* f = ok.spec->workloads[0].flood();
  ASSERT_TRUE(f->bursts);
  EXPECT_EQ(f->bursts->flood, std::chrono::seconds(2));
  EXPECT_EQ(f->bursts->rest, std::chrono::seconds(1)) << "the default";
  EXPECT_EQ(f->bursts->count, 3);
  EXPECT_TRUE(f->bursts->barrier);
  EXPECT_EQ(f->bursts->stop_below_headroom, 16 * Mi);
  const ParseResult again = parse(to_yaml(*ok.spec));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_yaml(*again.spec), to_yaml(*ok.spec));
  EXPECT_THAT(to_yaml(*ok.spec), ::testing::HasSubstr("bursts:\n      flood: 2s\n      rest: 1s"));

  c.workloads =
      "  - name: f\n    type: flood\n    kind: udp_socket\n    bursts:\n      flood: 50ms\n"
      "      count: 0\n      pause: 1s\n";
  const auto errors = errors_of(c.str());
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], ::testing::HasSubstr("10:14: workloads[0].bursts.flood: must be from 100ms to 10m"));
  EXPECT_THAT(errors[1], ::testing::HasSubstr("11:14: workloads[0].bursts.count:"));
  EXPECT_THAT(errors[2], ::testing::HasSubstr("12:7: workloads[0].bursts.pause: unknown key"));
  c.workloads = "  - name: f\n    type: flood\n    kind: udp_socket\n    bursts: {rest: 1s}\n";
  EXPECT_THAT(errors_of(c.str()),
              ::testing::ElementsAre(::testing::HasSubstr("bursts.flood: required key is missing")));
}

TEST(ParseUnits, Durations) {
  const struct {
    std::string text;
    milliseconds value;
  } good[] = {{"0s", 0ms},  {"0ms", 0ms}, {"1ms", 1ms},      {"1500ms", 1500ms}, {"90s", 90s},
              {"2m", 2min}, {"1h", 1h},   {"3600000ms", 1h}, {"60m", 1h},        {"\"5s\"", 5s}};
  for (const auto& [text, value] : good) {
    Campaign c;
    c.duration = "1h";
    c.workloads = anon("1Mi", text);
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << text << ::testing::PrintToString(diagnostic_lines(result));
    EXPECT_EQ(result.spec->workloads[0].anon()->ramp, value) << text;
  }

  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"0", "duration '0' needs a unit (ms, s, m or h)"},
      {"5", "duration '5' needs a unit (ms, s, m or h)"},
      {"1d", "unknown duration unit 'd' in '1d' (use ms, s, m or h)"},
      {"1S", "unknown duration unit 'S' in '1S' (use ms, s, m or h)"},
      {"100us", "unknown duration unit 'us' in '100us' (use ms, s, m or h)"},
      {"1.5s", "expected a whole number with a unit such as 20s or 100ms, got '1.5s'"},
      {"s", "expected a duration such as 20s or 100ms, got 's'"},
      {"-1s", "must not be negative, got -1s"},
      {"61m", "start_after + ramp must not exceed duration (1h), got 0s + 61m"},
      {"3600001ms", "start_after + ramp must not exceed duration (1h), got 0s + 3600001ms"},
      {"{a: 1}", "expected a duration such as 20s or 100ms, got a map"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.duration = "1h";
    c.workloads = anon("1Mi", text);
    EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:9:11: workloads[0].ramp: " + error))
        << text;
  }
}

TEST(ParseUnits, CampaignDurationIsPositiveAndAtMostAnHour) {
  for (const char* ok : {"10ms", "1h", "60m", "3600s", "3600000ms"}) {
    Campaign c;
    c.duration = ok;
    c.top = "sample_interval: 10ms\n";
    EXPECT_THAT(errors_of(c.str()), IsEmpty()) << ok;
  }
  Campaign c;
  c.duration = "3600001ms";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:2:11: duration: must be at most 1h, got 3600001ms"));
  c.duration = "2h";
  EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:2:11: duration: must be at most 1h, got 2h"));
  c.duration = "0ms";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:2:11: duration: must be greater than 0, got 0ms"));
}

TEST(ParseUnits, SampleIntervalBounds) {
  for (const char* ok : {"10ms", "100ms", "10s", "10000ms"}) {
    Campaign c;
    c.top = std::string("sample_interval: ") + ok + "\n";
    EXPECT_THAT(errors_of(c.str()), IsEmpty()) << ok;
  }
  for (const char* bad : {"9ms", "10001ms", "1m"}) {
    Campaign c;
    c.top = std::string("sample_interval: ") + bad + "\n";
    EXPECT_THAT(errors_of(c.str()),
                ElementsAre(std::string("t.yaml:3:18: sample_interval: must be between 10ms and "
                                        "10s, got ") +
                            bad));
  }
}

TEST(ParseUnits, MemoryLimitBoundsAndPhysicalMemory) {
  for (const char* ok : {"4Mi", "4194304", "4096Ki", "24Gi"}) {
    Campaign c;
    c.cgroup = std::string("  memory_limit: ") + ok + "\n";
    EXPECT_THAT(errors_of(c.str(), 24 * Gi), IsEmpty()) << ok;
  }
  Campaign c;
  c.cgroup = "  memory_limit: 4M\n";  // 4,000,000 bytes: less than 4Mi
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:4:17: cgroup.memory_limit: must be at least 4Mi, got 4M"));
  c.cgroup = "  memory_limit: 4194303\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:4:17: cgroup.memory_limit: must be at least 4Mi, got 4194303"));
  c.cgroup = "  memory_limit: 25769803777\n";  // 24Gi + 1
  EXPECT_THAT(errors_of(c.str(), 24 * Gi),
              ElementsAre("t.yaml:4:17: cgroup.memory_limit: must not exceed the physical memory "
                          "(24Gi), got 25769803777"));
  c.cgroup = "  memory_limit: 1Ti\n";
  EXPECT_THAT(errors_of(c.str(), 0), IsEmpty()) << "physical memory 0 means: do not check";
}

TEST(ParseValues, Threads) {
  for (const char* ok : {"1", "64", "\"8\""}) {
    Campaign c;
    c.workloads =
        std::string("  - name: w\n    type: flood\n    kind: dentry\n    threads: ") + ok + "\n";
    EXPECT_THAT(errors_of(c.str()), IsEmpty()) << ok;
  }
  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"0", "must be between 1 and 64, got 0"},
      {"65", "must be between 1 and 64, got 65"},
      {"-3", "must be between 1 and 64, got -3"},
      {"99999999999999999999", "must be between 1 and 64, got 99999999999999999999"},
      {"2.0", "expected a whole number, got '2.0'"},
      {"0x10", "expected a whole number, got '0x10'"},
      {"two", "expected a whole number, got 'two'"},
      {"", "expected a whole number, got nothing"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    threads: " + text + "\n";
    const std::string where = text.empty() ? "t.yaml:9:5: " : "t.yaml:9:14: ";
    EXPECT_THAT(errors_of(c.str()), ElementsAre(where + "workloads[0].threads: " + error)) << text;
  }
}

TEST(ParseValues, Rate) {
  const struct {
    std::string text;
    std::optional<std::uint64_t> rate;
  } good[] = {{"unlimited", std::nullopt},
              {"\"unlimited\"", std::nullopt},
              {"1", 1},
              {"10000000", 10'000'000}};
  for (const auto& [text, rate] : good) {
    Campaign c;
    c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    rate: " + text + "\n";
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << text;
    EXPECT_EQ(result.spec->workloads[0].flood()->rate, rate) << text;
  }
  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"0", "must be between 1 and 10000000, got 0"},
      {"10000001", "must be between 1 and 10000000, got 10000001"},
      {"-5", "must be between 1 and 10000000, got -5"},
      {"Unlimited",
       "expected 'unlimited' or a whole number of operations per second, got 'Unlimited'"},
      {"1e3", "expected 'unlimited' or a whole number of operations per second, got '1e3'"},
      {"[1]", "expected 'unlimited' or a whole number of operations per second, got a list"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    rate: " + text + "\n";
    EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:9:11: workloads[0].rate: " + error))
        << text;
  }
}

TEST(ParseValues, PsiPercentages) {
  const struct {
    std::string text;
    double value;
  } good[] = {{"0", 0}, {"100", 100}, {"12.5", 12.5}, {"1e1", 10}, {"0.1", 0.1}, {"\"50\"", 50}};
  for (const auto& [text, value] : good) {
    Campaign c;
    c.tail = "criteria:\n  max_psi_some_avg10: " + text + "\n";
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << text;
    EXPECT_EQ(result.spec->criteria.max_psi_some_avg10, value) << text;
  }
  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"100.5", "must be between 0 and 100, got 100.5"},
      {"-1", "must be between 0 and 100, got -1"},
      {".nan", "expected a number, got '.nan'"},
      {"inf", "expected a number, got 'inf'"},
      {"nan", "expected a number, got 'nan'"},
      {"50%", "expected a number, got '50%'"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.tail = "criteria:\n  max_psi_some_avg10: " + text + "\n";
    EXPECT_THAT(errors_of(c.str()),
                ElementsAre("t.yaml:10:23: criteria.max_psi_some_avg10: " + error))
        << text;
  }
}

TEST(ParseValues, MaxOomKills) {
  Campaign c;
  c.tail = "criteria:\n  max_oom_kills: 9223372036854775807\n";
  const ParseResult result = parse(c.str());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.spec->criteria.max_oom_kills, 9223372036854775807ULL);
  c.tail = "criteria:\n  max_oom_kills: 1.0\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:10:18: criteria.max_oom_kills: expected a whole number, got "
                          "'1.0'"));
}

TEST(ParseValues, Booleans) {
  for (const auto& [text, value] : {std::pair{"true", true},
                                    {"True", true},
                                    {"TRUE", true},
                                    {"false", false},
                                    {"False", false},
                                    {"FALSE", false}}) {
    Campaign c;
    c.tail = std::string("psi_trigger:\n  enabled: ") + text + "\n";
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << text;
    EXPECT_EQ(result.spec->psi_trigger.enabled, value) << text;
  }
  for (const char* bad : {"yes", "on", "1"}) {
    Campaign c;
    c.tail = std::string("psi_trigger:\n  enabled: ") + bad + "\n";
    EXPECT_THAT(errors_of(c.str()),
                ElementsAre(std::string("t.yaml:10:12: psi_trigger.enabled: expected true or "
                                        "false, got '") +
                            bad + "'"));
  }
}

TEST(ParseValues, PsiWindowBounds) {
  for (const char* ok : {"500ms", "2s", "10s"}) {
    Campaign c;
    c.tail = std::string("psi_trigger:\n  window: ") + ok + "\n";
    EXPECT_THAT(errors_of(c.str()), IsEmpty()) << ok;
  }
  for (const char* bad : {"499ms", "10001ms", "1m"}) {
    Campaign c;
    c.tail = std::string("psi_trigger:\n  window: ") + bad + "\n";
    EXPECT_THAT(errors_of(c.str()),
                ElementsAre(std::string("t.yaml:10:11: psi_trigger.window: must be between 500ms "
                                        "and 10s, got ") +
                            bad));
  }
}

TEST(ParseValues, Names) {
  const std::string longest(64, 'n');
  for (const std::string& ok :
       {std::string("a"), std::string("A.b-c_9"), std::string("..."), std::string("-x"), longest}) {
    Campaign c;
    c.workloads = "  - name: '" + ok + "'\n    type: flood\n    kind: dentry\n";
    const ParseResult result = parse(c.str());
    ASSERT_TRUE(result.ok()) << ok << ::testing::PrintToString(diagnostic_lines(result));
    EXPECT_EQ(result.spec->workloads[0].name, ok);
  }
  const struct {
    std::string text;
    std::string error;
  } bad[] = {
      {"''", "must not be empty"},
      {"'.'", "must not be '.' or '..'"},
      {"'..'", "must not be '.' or '..'"},
      {longest + "n", "must be at most 64 characters, got 65"},
      {"a/b", "may only contain letters, digits, '_', '.' and '-', got 'a/b'"},
      {"'a b'", "may only contain letters, digits, '_', '.' and '-', got 'a b'"},
      {"'ü'", "may only contain letters, digits, '_', '.' and '-', got 'ü'"},
      {"{x: 1}", "expected a name, got a map"},
  };
  for (const auto& [text, error] : bad) {
    Campaign c;
    c.workloads = "  - name: " + text + "\n    type: flood\n    kind: dentry\n";
    EXPECT_THAT(errors_of(c.str()), ElementsAre("t.yaml:6:11: workloads[0].name: " + error))
        << text;
  }
  // YAML reads a plain null as no value at all (reported at the key): quote it to use the name.
  Campaign c;
  c.workloads = "  - name: null\n    type: flood\n    kind: dentry\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:5: workloads[0].name: expected a name, got nothing"));
}

}  // namespace
}  // namespace mt::campaign
