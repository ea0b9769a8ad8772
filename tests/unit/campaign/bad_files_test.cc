// Every tests/fixtures/campaign/bad/NAME.yaml must give exactly the diagnostics in NAME.expected,
// one "file:line:col: message" a line, parsed as if the machine had 24Gi of memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "campaign/parse.h"
#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAreArray;

fs::path bad_dir() {
  return fs::path(MT_FIXTURES) / "campaign" / "bad";
}

// NAME of every NAME.yaml, sorted.
std::vector<std::string> bad_fixture_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(bad_dir(), ec))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> expected_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_text_file(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

class BadCampaignFile : public ::testing::TestWithParam<std::string> {};

TEST_P(BadCampaignFile, ReportsExactlyTheExpectedDiagnostics) {
  const std::string name = GetParam();
  const fs::path expected = bad_dir() / (name + ".expected");
  ASSERT_TRUE(fs::exists(expected)) << expected << " is missing";

  const ParseResult result =
      parse_campaign(read_text_file(bad_dir() / (name + ".yaml")),
                     {.file_name = name + ".yaml", .physical_memory_bytes = kTestPhysicalMemory});

  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.spec.has_value());
  EXPECT_THAT(diagnostic_lines(result), ElementsAreArray(expected_lines(expected)));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadCampaignFile, ::testing::ValuesIn(bad_fixture_names()),
                         [](const auto& info) { return info.param; });

TEST(BadCampaignFiles, CoverEveryKindOfMistake) {
  const std::vector<std::string> names = bad_fixture_names();
  for (const char* required :
       {"syntax_error", "unknown_key", "duplicate_key", "wrong_type", "bad_unit", "zero_duration",
        "negative_size", "absurd_threads", "above_physical_memory", "unknown_kind", "unknown_type",
        "duplicate_workload_names", "missing_required", "wrong_workload_type_key", "many_errors",
        "empty_workloads"})
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end())
        << "no fixture " << required << ".yaml";
}

TEST(BadCampaignFiles, SeveralMistakesAreReportedTogether) {
  const ParseResult result = parse_campaign(read_text_file(bad_dir() / "many_errors.yaml"),
                                            {.file_name = "many_errors.yaml"});
  EXPECT_GE(result.errors.size(), 10u);
  EXPECT_TRUE(std::is_sorted(result.errors.begin(), result.errors.end(),
                             [](const Diagnostic& a, const Diagnostic& b) {
                               return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                             }));
}

}  // namespace
}  // namespace mt::campaign
