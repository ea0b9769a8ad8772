#include "kernel/psi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace mt::kernel {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kPsi = std::filesystem::path(MT_FIXTURES) / "kernel" / "psi";

TEST(ParsePsi, SomeAndFull) {
  auto psi = parse_psi(
      "some avg10=10.27 avg60=22.83 avg300=8.11 total=33169717\n"
      "full avg10=1.50 avg60=0.25 avg300=0.00 total=42\n");
  ASSERT_TRUE(psi.ok()) << psi.error().message;
  EXPECT_DOUBLE_EQ(psi->some.avg10, 10.27);
  EXPECT_DOUBLE_EQ(psi->some.avg60, 22.83);
  EXPECT_DOUBLE_EQ(psi->some.avg300, 8.11);
  EXPECT_EQ(psi->some.total_us, 33169717u);
  ASSERT_TRUE(psi->full.has_value());
  EXPECT_DOUBLE_EQ(psi->full->avg10, 1.5);
  EXPECT_DOUBLE_EQ(psi->full->avg60, 0.25);
  EXPECT_EQ(psi->full->total_us, 42u);
}

TEST(ParsePsi, WithoutFullLine) {
  auto psi = parse_psi("some avg10=1.25 avg60=0.50 avg300=0.07 total=123456789\n");
  ASSERT_TRUE(psi.ok()) << psi.error().message;
  EXPECT_FALSE(psi->full.has_value());
  EXPECT_EQ(psi->some.total_us, 123456789u);
}

TEST(ParsePsi, FullBeforeSomeAndNoTrailingNewline) {
  auto psi = parse_psi(
      "full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=9");
  ASSERT_TRUE(psi.ok()) << psi.error().message;
  EXPECT_EQ(psi->some.total_us, 9u);
  EXPECT_EQ(psi->full->total_us, 7u);
}

TEST(ParsePsi, IgnoresFieldsOfNewerKernels) {
  auto psi = parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 avg900=3.00 total=5\n");
  ASSERT_TRUE(psi.ok()) << psi.error().message;
  EXPECT_EQ(psi->some.total_us, 5u);
}

struct Malformed {
  const char* text;
  const char* expected;
};

class ParsePsiMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(ParsePsiMalformed, ErrorNamesTheProblem) {
  auto psi = parse_psi(GetParam().text);
  ASSERT_FALSE(psi.ok()) << "parsed: " << GetParam().text;
  EXPECT_THAT(psi.error().message, HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParsePsiMalformed,
    ::testing::Values(
        Malformed{"", "no 'some' line"},
        Malformed{"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", "no 'some' line"},
        Malformed{"sum avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                  "line 1: expected 'some' or 'full', got 'sum'"},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=0.00\n", "line 1 ('some'): missing total="},
        Malformed{"some avg10=0.00 avg300=0.00 total=1\n", "missing avg60="},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
                  "full avg10=x avg60=0.00 avg300=0.00 total=1\n",
                  "line 2 ('full'): avg10 is not a non-negative decimal: 'x'"},
        // Found by tests/fuzz's property check (kernel_files: averages finite): from_chars
        // read these as NaN and infinity.
        Malformed{"some avg10=nan avg60=0.00 avg300=0.00 total=1\n",
                  "line 1 ('some'): avg10 is not a non-negative decimal: 'nan'"},
        Malformed{"some avg10=0.00 avg60=inf avg300=0.00 total=1\n",
                  "avg60 is not a non-negative decimal: 'inf'"},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=-nan total=1\n",
                  "avg300 is not a non-negative decimal: '-nan'"},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
                  "total is not an unsigned integer: '-1'"},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=0.00 total=12abc\n",
                  "total is not an unsigned integer: '12abc'"},
        Malformed{"some avg10 avg60=0.00 avg300=0.00 total=1\n", "expected key=value, got 'avg10'"},
        Malformed{"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
                  "some avg10=0.00 avg60=0.00 avg300=0.00 total=2\n",
                  "line 2: second 'some' line"}));

TEST(ReadPsi, HostFixtures) {
  auto cpu = read_psi(kPsi / "proc-cpu");
  ASSERT_TRUE(cpu.ok()) << cpu.error().message;
  EXPECT_GT(cpu->some.total_us, 0u);
  auto cg = read_psi(kPsi / "cgroup-memory.pressure");
  ASSERT_TRUE(cg.ok()) << cg.error().message;
  EXPECT_TRUE(cg->full.has_value());
  auto old = read_psi(kPsi / "cpu-no-full.pressure");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_FALSE(old->full.has_value());
  EXPECT_DOUBLE_EQ(old->some.avg10, 1.25);
}

TEST(ReadPsi, MissingFileNamesThePath) {
  auto psi = read_psi(kPsi / "does-not-exist");
  ASSERT_FALSE(psi.ok());
  EXPECT_THAT(psi.error().message, HasSubstr("does-not-exist"));
  EXPECT_THAT(psi.error().message, HasSubstr("ENOENT"));
}

}  // namespace
}  // namespace mt::kernel

namespace mt::kernel {
namespace {

// On a plain file the write goes through: what lands is the trigger line and its NUL, which
// /proc/pressure/* needs (it overwrites the last byte written with one).
TEST(OpenPsiTrigger, WritesTheLineWithItsTerminatingNul) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("mt-psi-trigger-" + std::to_string(::getpid()));
  { std::ofstream(path) << ""; }
  auto fd = open_psi_trigger(path, "some 100000 2000000");
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  ::close(*fd);
  std::ifstream in(path, std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, std::string("some 100000 2000000\0", 20));
  std::filesystem::remove(path);
}

TEST(OpenPsiTrigger, AMissingFileIsAnErrorNamingIt) {
  auto fd = open_psi_trigger("/nonexistent/memtorture/memory.pressure", "some 1 2");
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("cannot open /nonexistent/memtorture/memory.pressure"),
            std::string::npos);
}

}  // namespace
}  // namespace mt::kernel
