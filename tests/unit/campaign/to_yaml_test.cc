// to_yaml(): the normalized campaign. Every default is written out, units in their shortest exact
// spelling, and parse_campaign(to_yaml(spec)) gives back an equal spec.
#include <gtest/gtest.h>

#include <random>

#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

WorkloadSpec flood_workload(std::string name) {
  WorkloadSpec w;
  w.name = std::move(name);
  w.params = FloodSpec{.kind = flood_kind("udp_socket"), .threads = 1, .rate = std::nullopt};
  return w;
}

WorkloadSpec anon_workload(std::string name, std::uint64_t size) {
  WorkloadSpec w;
  w.name = std::move(name);
  w.params = AnonSpec{.size = size};
  return w;
}

CampaignSpec small_spec() {
  CampaignSpec s;
  s.name = "golden";
  s.duration = 20s;
  s.cgroup.memory_limit = 256 * Mi;
  WorkloadSpec flood = flood_workload("flood");
  flood.flood()->threads = 2;
  WorkloadSpec hog = anon_workload("hog", 200 * Mi);
  hog.anon()->ramp = 5s;
  hog.start_after = 1500ms;
  s.workloads = {flood, hog};
  s.criteria.max_oom_kills = 0;
  s.criteria.min_headroom = 8 * Mi;
  return s;
}

// parse_campaign(to_yaml(spec)), which must succeed.
CampaignSpec read_back(const CampaignSpec& spec) {
  const std::string text = to_yaml(spec);
  const ParseResult result = parse_campaign(
      text, {.file_name = "normalized.yaml", .physical_memory_bytes = kTestPhysicalMemory});
  EXPECT_TRUE(result.ok()) << text << ::testing::PrintToString(diagnostic_lines(result));
  return without_positions(result.spec.value_or(CampaignSpec{}));
}

// Every default but the PSI window, which a file that sets none leaves to the host (compile()).
TEST(ToYaml, WritesEveryDefaultAndOnlyTheCriteriaSet) {
  EXPECT_EQ(to_yaml(small_spec()), R"(campaign: golden
duration: 20s
sample_interval: 100ms
cgroup:
  memory_limit: 256Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
    threads: 2
    rate: unlimited
    start_after: 0s
  - name: hog
    type: anon
    size: 200Mi
    ramp: 5s
    start_after: 1500ms
criteria:
  max_oom_kills: 0
  min_headroom: 8Mi
expect_oom: false
psi_trigger:
  enabled: true
  kind: some
  stall: 100ms
gp_probe_interval: 1s
ledger:
  freed: true
  walk_interval: 1s
  backlog_interval: off
  pause_floods: true
)");
}

TEST(ToYaml, LeavesOutCriteriaWhenNoneIsSet) {
  CampaignSpec s = small_spec();
  s.criteria = {};
  EXPECT_EQ(to_yaml(s).find("criteria"), std::string::npos);
  s.criteria.max_psi_some_avg10 = 0.1;
  const std::string text = to_yaml(s);
  EXPECT_NE(text.find("criteria:\n  max_psi_some_avg10: 0.1\nexpect_oom: false\n"), std::string::npos)
      << text;
}

TEST(ToYaml, UsesTheShortestExactUnits) {
  CampaignSpec s = small_spec();
  s.duration = 3600000ms;
  s.sample_interval = 1500ms;
  s.cgroup.memory_limit = 4 * Mi + 1;
  s.cgroup.memory_high = 1000000;  // not a multiple of 1024: plain bytes
  s.workloads[0].flood()->rate = 250;
  s.workloads[1].anon()->size = 1536 * 1024;
  s.workloads[1].anon()->ramp = 120s;
  s.workloads[1].start_after = 0ms;
  s.criteria.min_headroom = 0;
  const std::string text = to_yaml(s);
  for (const char* line : {"duration: 1h\n", "sample_interval: 1500ms\n", "memory_limit: 4194305\n",
                           "memory_high: 1000000\n", "rate: 250\n", "size: 1536Ki\n", "ramp: 2m\n",
                           "start_after: 0s\n", "min_headroom: 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " not in\n" << text;
  EXPECT_EQ(read_back(s), s);
}

TEST(ToYaml, ReadsBackNamesAndDescriptionsThatNeedQuoting) {
  for (const char* name :
       {"null", "Null", "true", "no", "-", "-x", "0x10", "1e3", "123", "...", "a.b", "_"}) {
    CampaignSpec s = small_spec();
    s.name = name;
    s.workloads[0].name = name;
    EXPECT_EQ(read_back(s), s) << name;
  }
  for (const char* description :
       {"a: b", "# not a comment", "x #y", "line one\nline two\n", "two trailing\n\n",
        " leading space", "trailing space ", "'single' and \"double\" quotes", "tab\there",
        "ünïcödé ✓", "null", "~", "[not, a, list]", "{not: a map}", "| > & * ! % @ `", "---",
        "..."}) {
    CampaignSpec s = small_spec();
    s.description = description;
    EXPECT_EQ(read_back(s), s) << description;
  }
}

// A random valid spec: every field anywhere in its range, units of every kind.
class RandomSpecs {
 public:
  explicit RandomSpecs(std::uint64_t seed) : rng_(seed) {}

  CampaignSpec next() {
    CampaignSpec s;
    s.name = name();
    if (coin()) s.description = pick<std::string>({"", "plain", "a: colon", "two\nlines"});
    s.duration = milliseconds(pick_duration(10, kMaxDuration.count()));
    s.sample_interval = milliseconds(pick_duration(
        kMinSampleInterval.count(), std::min(kMaxSampleInterval.count(), s.duration.count())));
    s.cgroup.memory_limit = size(kMinMemoryLimit, kTestPhysicalMemory);
    if (coin()) s.cgroup.memory_high = size(0, s.cgroup.memory_limit);

    const int count = static_cast<int>(between(1, kMaxWorkloads));
    for (int i = 0; i < count; ++i) {
      WorkloadSpec w;
      w.name = name() + "-" + std::to_string(i);  // unique
      w.start_after = milliseconds(pick_duration(0, s.duration.count() - 1));
      if (coin()) {
        FloodSpec f;
        const auto kinds = workloads::flood_kinds();
        f.kind = kinds[static_cast<std::size_t>(between(0, kinds.size() - 1))];
        f.threads = static_cast<int>(between(1, kMaxThreads));
        if (coin()) f.rate = between(1, kMaxRate);
        w.params = f;
      } else {
        w.params = AnonSpec{
            .size = size(1, kTestPhysicalMemory),
            .ramp = milliseconds(pick_duration(0, (s.duration - w.start_after).count()))};
      }
      s.workloads.push_back(w);
    }

    if (coin()) s.criteria.max_oom_kills = between(0, std::numeric_limits<std::int64_t>::max());
    if (coin()) s.criteria.max_psi_some_avg10 = percent();
    if (coin()) s.criteria.max_psi_full_avg10 = percent();
    if (coin()) s.criteria.min_headroom = size(0, s.cgroup.memory_limit - 1);

    s.psi_trigger.enabled = coin();
    s.psi_trigger.kind = coin() ? PsiKind::some : PsiKind::full;
    s.psi_trigger.window =
        milliseconds(pick_duration(kMinPsiWindow.count(), kMaxPsiWindow.count()));
    s.psi_trigger.window_default = false;
    s.psi_trigger.stall = milliseconds(pick_duration(1, s.psi_trigger.window.count()));
    return s;
  }

 private:
  bool coin() { return rng_() % 2 == 0; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }
  template <class T>
  T pick(std::initializer_list<T> options) {
    return *(options.begin() + between(0, options.size() - 1));
  }
  // Often a round number of a unit, so that every spelling gets written.
  std::int64_t pick_duration(std::int64_t lo, std::int64_t hi) {
    const std::int64_t unit = pick<std::int64_t>({1, 1000, 60'000, 3'600'000});
    if (coin() && hi / unit >= (lo + unit - 1) / unit)
      return unit * static_cast<std::int64_t>(between((lo + unit - 1) / unit, hi / unit));
    return static_cast<std::int64_t>(between(lo, hi));
  }
  std::uint64_t size(std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t unit = pick<std::uint64_t>({1, 1000, 1ULL << 10, 1ULL << 20, 1ULL << 30});
    if (coin() && hi / unit >= (lo + unit - 1) / unit)
      return unit * between((lo + unit - 1) / unit, hi / unit);
    return between(lo, hi);
  }
  double percent() {
    if (coin()) return static_cast<double>(between(0, 100));
    return std::uniform_real_distribution<double>(0, 100)(rng_);
  }
  std::string name() {
    static constexpr std::string_view kChars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    std::string n;
    const auto length = between(3, 40);
    for (std::uint64_t i = 0; i < length; ++i) n += kChars[between(0, kChars.size() - 1)];
    return n;
  }

  std::mt19937_64 rng_;
};

TEST(ToYaml, RandomSpecsReadBackEqual) {
  RandomSpecs specs(20240601);
  for (int i = 0; i < 500; ++i) {
    const CampaignSpec s = specs.next();
    ASSERT_EQ(read_back(s), s) << "spec #" << i;
  }
}

TEST(ToYaml, NormalizingTwiceChangesNothing) {
  RandomSpecs specs(7);
  for (int i = 0; i < 50; ++i) {
    const std::string once = to_yaml(specs.next());
    const ParseResult result = parse_campaign(once, {});
    ASSERT_TRUE(result.ok()) << once;
    EXPECT_EQ(to_yaml(*result.spec), once);
  }
}

}  // namespace
}  // namespace mt::campaign
