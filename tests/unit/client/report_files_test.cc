// Report files read without a daemon (report --file, compare, suite folders): what a file that is
// not a report gets told, with the place in it where the JSON went wrong.
#include "client/report_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mt::client {
namespace {

using ::testing::HasSubstr;

class ReportFilesTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_ = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mt-report-files-XXXXXX").string();
    return std::filesystem::path(::mkdtemp(tmpl.data()));
  }();
};

TEST_F(ReportFilesTest, BrokenJsonIsNamedWithLineAndColumn) {
  auto p = write("broken.json", "{\n  \"verdict\": \"passed\",\n  \"campaign\": tru\n}\n");
  auto r = load_report(p);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(p.string() + ":3:18: not JSON"));
  EXPECT_THAT(r.error().message, HasSubstr("invalid literal"));

  auto truncated = write("truncated.json", "{\"verdict\":");
  r = load_report(truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("truncated.json:1:12: not JSON"));
  EXPECT_THAT(r.error().message, HasSubstr("unexpected end of input"));
}

TEST_F(ReportFilesTest, JsonThatIsNotAReportOrNoFileSaysSo) {
  auto r = load_report(write("other.json", "{\"a\": 1}"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not a memtorture report"));
  r = load_report(dir_ / "missing.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("ENOENT"));
  auto ok = load_report(write("ok.json", "{\"verdict\": \"passed\", \"campaign\": {}}"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)["verdict"], "passed");
}

}  // namespace
}  // namespace mt::client
