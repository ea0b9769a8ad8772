// What may reach the parser: campaign::check_text and read_campaign_file refuse binary, huge,
// missing and directory "files" with one clear message, and parse_campaign() refuses them too;
// warnings for campaigns that are legal but probably not meant; expect_oom.
#include "campaign/source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/campaign/campaign_testing.h"

namespace mt::campaign {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CheckText, AcceptsUtf8TextIncludingMultibyteCharacters) {
  EXPECT_EQ(check_text("campaign: c\ndescription: \xc3\xa9t\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x9b\n",
                       "t.yaml"),
            std::nullopt);
}

TEST(CheckText, RefusesABinaryFileAtItsFirstBadByte) {
  const auto d = check_text("campaign: c\nab\xff", "bin.yaml");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->str(), "bin.yaml:2:3: is not a UTF-8 text file: byte 0xff here");
}

TEST(CheckText, RefusesNulBytesOverlongFormsSurrogatesAndTruncatedSequences) {
  for (const std::string& bad : {std::string("a\0b", 3), std::string("\xc0\xaf"),
                                std::string("\xed\xa0\x80"), std::string("\xe2\x9c"),
                                std::string("\xf4\x90\x80\x80")})
    EXPECT_TRUE(check_text(bad, "t.yaml").has_value()) << ::testing::PrintToString(bad);
}

TEST(CheckText, RefusesTextOverTheLimitAndAcceptsItAtTheLimit) {
  EXPECT_EQ(check_text(std::string(kMaxCampaignBytes, '#'), "t.yaml"), std::nullopt);
  const auto d = check_text(std::string(kMaxCampaignBytes + 1, '#'), "t.yaml");
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(d->message, HasSubstr("a campaign file may have at most 1Mi"));
}

TEST(ParseCampaign, RefusesWhatCheckTextRefusesWithThatOneError) {
  const ParseResult r = parse(std::string("campaign: c\0\n", 13));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(diagnostic_lines(r),
              ElementsAre("t.yaml:1:12: is not a UTF-8 text file: byte 0x00 here"));
}

class ReadCampaignFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mt-source-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

TEST_F(ReadCampaignFile, ReadsAFile) {
  auto text = read_campaign_file(write("ok.yaml", "campaign: c\n"));
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "campaign: c\n");
}

TEST_F(ReadCampaignFile, SaysADirectoryIsADirectory) {
  auto text = read_campaign_file(dir_.string());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message, dir_.string() + ": is a directory");
}

TEST_F(ReadCampaignFile, GivesTheErrnoTextForAMissingFile) {
  auto text = read_campaign_file((dir_ / "missing.yaml").string());
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.error().message, HasSubstr("missing.yaml: cannot open: ENOENT"));
  EXPECT_THAT(text.error().message, HasSubstr("No such file or directory"));
}

TEST_F(ReadCampaignFile, RefusesAFileOverTheLimitBeforeReadingIt) {
  auto path = write("big.yaml", std::string(kMaxCampaignBytes + 10, '#'));
  auto text = read_campaign_file(path);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message,
            fmt::format("{}: is {} bytes; a campaign file may have at most 1Mi", path,
                        kMaxCampaignBytes + 10));
}

TEST(ParseWarnings, MoreFloodThreadsThanCpusIsAWarningAtTheThreadsValue) {
  Campaign c;
  c.workloads = "  - name: w\n    type: flood\n    kind: dentry\n    threads: 8\n";
  ParseOptions o{.file_name = "t.yaml", .physical_memory_bytes = 0, .cpus = 2};
  const ParseResult r = parse_campaign(c.str(), o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].str(),
            "t.yaml:9:14: workloads[0].threads: 8 threads on a host with 2 CPUs: they share the "
            "CPUs, so the flood will not run faster than with 2");
  o.cpus = 8;
  EXPECT_THAT(parse_campaign(c.str(), o).warnings, IsEmpty());
  o.cpus = 0;  // unknown: no check
  EXPECT_THAT(parse_campaign(c.str(), o).warnings, IsEmpty());
}

TEST(ParseCampaign, ExpectOomIsABooleanThatDefaultsToFalse) {
  Campaign c;
  EXPECT_FALSE(parse(c.str()).spec->expect_oom);
  c.tail = "expect_oom: true\n";
  EXPECT_TRUE(parse(c.str()).spec->expect_oom);
  c.tail = "expect_oom: maybe\n";
  EXPECT_FALSE(parse(c.str()).ok());
}

TEST(ParseCampaign, AWorkloadListOverTheLimitIsOneErrorNotOnePerItem) {
  Campaign c;
  c.workloads.clear();
  for (int i = 0; i < 1000; ++i) c.workloads += "  - {name: w, type: nonsense}\n";
  EXPECT_THAT(errors_of(c.str()),
              ElementsAre("t.yaml:6:3: workloads: must list at most 16 workloads, got 1000"));
}

}  // namespace
}  // namespace mt::campaign
