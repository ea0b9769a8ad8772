#include "common/units.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"

namespace mt {
namespace {

using std::chrono::milliseconds;

TEST(ParseSize, BinaryDecimalAndPlainUnits) {
  EXPECT_EQ(*parse_size("256Mi"), 256ULL << 20);
  EXPECT_EQ(*parse_size("1Gi"), 1ULL << 30);
  EXPECT_EQ(*parse_size("64Ki"), 64ULL << 10);
  EXPECT_EQ(*parse_size("64K"), 64000ULL);
  EXPECT_EQ(*parse_size("2G"), 2000000000ULL);
  EXPECT_EQ(*parse_size("4096"), 4096ULL);
  EXPECT_EQ(*parse_size("12B"), 12ULL);
  EXPECT_EQ(*parse_size(" 1Mi "), 1ULL << 20);
}

TEST(ParseSize, RejectsWithAReason) {
  auto neg = parse_size("-5Mi");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.error().message.find("negative"), std::string::npos);
  auto unit = parse_size("5Xi");
  ASSERT_FALSE(unit.ok());
  EXPECT_NE(unit.error().message.find("unknown size unit 'Xi'"), std::string::npos);
  EXPECT_FALSE(parse_size("").ok());
  EXPECT_FALSE(parse_size("Mi").ok());
  EXPECT_FALSE(parse_size("1.5Gi").ok());
  EXPECT_FALSE(parse_size("99999999999999999999").ok());
  EXPECT_FALSE(parse_size("20000000Ti").ok());  // overflows 64 bits
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(*parse_duration("100ms"), milliseconds(100));
  EXPECT_EQ(*parse_duration("20s"), milliseconds(20000));
  EXPECT_EQ(*parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(*parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(*parse_duration("0s"), milliseconds(0));
}

TEST(ParseDuration, RejectsWithAReason) {
  auto bare = parse_duration("20");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("needs a unit"), std::string::npos);
  EXPECT_FALSE(parse_duration("5d").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_FALSE(parse_duration("1.5s").ok());
}

TEST(Format, ShortestExactSpelling) {
  EXPECT_EQ(size_to_string(256ULL << 20), "256Mi");
  EXPECT_EQ(size_to_string(1536), "1536");  // 1.5Ki has no exact whole-unit spelling
  EXPECT_EQ(size_to_string(2048), "2Ki");
  EXPECT_EQ(size_to_string(0), "0");
  EXPECT_EQ(size_to_string(1000), "1000");
  EXPECT_EQ(duration_to_string(milliseconds(20000)), "20s");
  EXPECT_EQ(duration_to_string(milliseconds(1500)), "1500ms");
  EXPECT_EQ(duration_to_string(milliseconds(120000)), "2m");
  EXPECT_EQ(duration_to_string(milliseconds(0)), "0s");
  for (auto text : {"256Mi", "3Gi", "4097", "1Ti"})
    EXPECT_EQ(size_to_string(*parse_size(text)), text);
}

TEST(Format, Human) {
  EXPECT_EQ(human_bytes(12), "12B");
  EXPECT_EQ(human_bytes(1536), "1.5Ki");
  EXPECT_EQ(human_bytes(256.0 * (1 << 20)), "256.0Mi");
  EXPECT_EQ(human_bytes(-2048), "-2.0Ki");
  EXPECT_EQ(human_count(999), "999");
  EXPECT_EQ(human_count(1234.5), "1.2k");
  EXPECT_EQ(human_count(2500000), "2.5M");
}

TEST(Fs, ErrorsNameThePathAndErrno) {
  auto missing = fs::read_file("/nonexistent/memtorture/file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/memtorture/file"), std::string::npos);
  EXPECT_NE(missing.error().message.find("ENOENT"), std::string::npos);
}

TEST(Fs, WriteReadRoundTrip) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "mt-fs-test";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(fs::write_file(dir / "n", "42\n", /*create=*/true).ok());
  EXPECT_EQ(*fs::read_u64(dir / "n"), 42u);
  EXPECT_EQ(*fs::read_line(dir / "n"), "42");
  ASSERT_TRUE(fs::write_file(dir / "n", "x", true).ok());
  EXPECT_FALSE(fs::read_u64(dir / "n").ok());
  EXPECT_FALSE(fs::write_file(dir / "absent", "1").ok());  // no O_CREAT without `create`
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mt
