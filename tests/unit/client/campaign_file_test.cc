// read_campaign_text: what the client refuses before it parses or sends a file.
#include "client/campaign_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "campaign/source.h"

namespace mt::client {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class CampaignFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mt-client-file-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(CampaignFileTest, AGoodFileIsReadAsItIs) {
  const auto path = write("ok.yaml", "campaign: x\n# ünïcødé\n");
  std::string text;
  EXPECT_EQ(read_campaign_text(path, &text), std::nullopt);
  EXPECT_EQ(text, "campaign: x\n# ünïcødé\n");
}

TEST_F(CampaignFileTest, ADirectory) {
  std::string text;
  auto d = read_campaign_text(dir_.string(), &text);
  ASSERT_TRUE(d);
  EXPECT_EQ(diagnostic_text(*d), dir_.string() + ": is a directory");
  EXPECT_EQ(d->file, dir_.string());
  EXPECT_EQ(d->line, 0);
  EXPECT_EQ(d->message, "is a directory");
}

TEST_F(CampaignFileTest, AMissingFileGivesTheErrno) {
  std::string text;
  auto d = read_campaign_text((dir_ / "missing.yaml").string(), &text);
  ASSERT_TRUE(d);
  EXPECT_EQ(diagnostic_text(*d),
            (dir_ / "missing.yaml").string() + ": cannot open: ENOENT (No such file or directory)");
}

TEST_F(CampaignFileTest, ABinaryFileIsNotUtf8Text) {
  const auto path = write("prog", std::string("\x7f"
                                              "ELF\x02\x01\x01\x00\x00",
                                              9));
  std::string text;
  auto d = read_campaign_text(path, &text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->line, 1);
  EXPECT_THAT(diagnostic_text(*d), HasSubstr(path + ":1:"));
  EXPECT_THAT(d->message, HasSubstr("is not a UTF-8 text file"));
  EXPECT_EQ(text, "");  // nothing handed on
}

TEST_F(CampaignFileTest, InvalidUtf8OnALaterLineIsPlaced) {
  const auto path = write("latin1.yaml", "campaign: x\ndescription: caf\xe9\n");
  std::string text;
  auto d = read_campaign_text(path, &text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->line, 2);
  EXPECT_EQ(d->column, 17);
}

TEST_F(CampaignFileTest, AFileOverTheLimitIsRefusedBeforeItIsRead) {
  const auto path = (dir_ / "huge.yaml").string();
  { std::ofstream(path, std::ios::binary) << "x"; }
  fs::resize_file(path, 4ULL << 20);  // the size is told by stat, nothing is read
  std::string text;
  auto d = read_campaign_text(path, &text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->line, 0);
  EXPECT_THAT(d->message, HasSubstr("a campaign file may have at most 1Mi"));
  EXPECT_THAT(d->message, HasSubstr("is 4194304 bytes"));
}

TEST_F(CampaignFileTest, ExactlyTheLimitIsAccepted) {
  const auto path = write("limit.yaml", std::string(campaign::kMaxCampaignBytes, '#'));
  std::string text;
  EXPECT_EQ(read_campaign_text(path, &text), std::nullopt);
  EXPECT_EQ(text.size(), campaign::kMaxCampaignBytes);
}

TEST(DiagnosticTextTest, WithAndWithoutPosition) {
  EXPECT_EQ(diagnostic_text({"a.yaml", 3, 7, "bad"}), "a.yaml:3:7: bad");
  EXPECT_EQ(diagnostic_text({"a.yaml", 0, 0, "is a directory"}), "a.yaml: is a directory");
}

}  // namespace
}  // namespace mt::client
