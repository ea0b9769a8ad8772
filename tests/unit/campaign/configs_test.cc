// The example campaigns in configs/ must parse cleanly on the target machine (24Gi of memory)
// and say what configs/README.md says they do.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path configs_dir() {
  return fs::path(MT_SOURCE_DIR) / "configs";
}

std::vector<fs::path> config_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(configs_dir()))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

ParseResult parse_config(const fs::path& path) {
  return parse_campaign(read_text_file(path), {.file_name = path.filename().string(),
                                               .physical_memory_bytes = kTestPhysicalMemory});
}

CampaignSpec load_config(const std::string& name) {
  const ParseResult result = parse_config(configs_dir() / name);
  EXPECT_TRUE(result.ok()) << ::testing::PrintToString(diagnostic_lines(result));
  return result.spec.value_or(CampaignSpec{});
}

TEST(ExampleCampaigns, EveryConfigParsesWithoutErrors) {
  const auto files = config_files();
  ASSERT_GE(files.size(), 4u);
  for (const fs::path& file : files) {
    const ParseResult result = parse_config(file);
    EXPECT_TRUE(result.ok()) << file << ":\n" << ::testing::PrintToString(diagnostic_lines(result));
  }
}

TEST(ExampleCampaigns, EachNameMatchesItsFile) {
  for (const fs::path& file : config_files()) {
    const ParseResult result = parse_config(file);
    ASSERT_TRUE(result.ok()) << file;
    EXPECT_EQ(result.spec->name, file.stem().string());
  }
}

TEST(ExampleCampaigns, NormalizedFormReadsBackEqual) {
  for (const fs::path& file : config_files()) {
    const ParseResult first = parse_config(file);
    ASSERT_TRUE(first.ok()) << file;
    const ParseResult again = parse_campaign(to_yaml(*first.spec), {});
    ASSERT_TRUE(again.ok()) << file << ::testing::PrintToString(diagnostic_lines(again));
    EXPECT_EQ(without_positions(*again.spec), without_positions(*first.spec)) << file;
  }
}

TEST(ExampleCampaigns, SmokeIsTheQuickStart) {
  const CampaignSpec smoke = load_config("smoke.yaml");
  EXPECT_LE(smoke.duration, 12s);  // the whole run must fit in 20 s
  EXPECT_EQ(smoke.cgroup.memory_limit, 256ULL << 20);
  ASSERT_EQ(smoke.workloads.size(), 2u);
  const WorkloadSpec& flood = smoke.workloads[0];
  ASSERT_NE(flood.flood(), nullptr);
  EXPECT_EQ(flood.flood()->kind, flood_kind("udp_socket"));
  EXPECT_EQ(flood.flood()->threads, 2);
  EXPECT_EQ(flood.flood()->rate, std::nullopt);
  const WorkloadSpec& hog = smoke.workloads[1];
  ASSERT_NE(hog.anon(), nullptr);
  EXPECT_EQ(hog.anon()->size, 96ULL << 20);
  EXPECT_EQ(hog.anon()->ramp, 3s);
  EXPECT_EQ(smoke.criteria.max_oom_kills, 0u);
  EXPECT_EQ(smoke.criteria.min_headroom, 16ULL << 20);
  EXPECT_EQ(smoke.criteria.max_psi_full_avg10, 50.0);
}

TEST(ExampleCampaigns, OomExpectedCannotFitItsLimit) {
  const CampaignSpec oom = load_config("oom-expected.yaml");
  EXPECT_EQ(oom.criteria.max_oom_kills, 0u);
  std::uint64_t anon = 0;
  for (const WorkloadSpec& w : oom.workloads)
    if (const AnonSpec* a = w.anon()) anon += a->size;
  EXPECT_GT(anon, oom.cgroup.memory_limit);
  EXPECT_NE(oom.description.find("FAIL"), std::string::npos);
}

// oom-expected.yaml fails on purpose; a campaign with expect_oom: true is about the kill.
TEST(ExampleCampaigns, EveryExampleFitsItsLimitExceptTheOomOnes) {
  for (const fs::path& file : config_files()) {
    if (file.filename() == "oom-expected.yaml") continue;
    const ParseResult result = parse_config(file);
    ASSERT_TRUE(result.ok()) << file;
    if (result.spec->expect_oom) continue;
    std::uint64_t anon = 0;
    for (const WorkloadSpec& w : result.spec->workloads)
      if (const AnonSpec* a = w.anon()) anon += a->size;
    EXPECT_LT(anon, result.spec->cgroup.memory_limit) << file;
  }
}

}  // namespace
}  // namespace mt::campaign
