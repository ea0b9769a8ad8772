// MadeDirs and check_socket_dir on a temp directory: existing directories keep their modes (the
// bug: --socket /tmp/x.sock turned /tmp into 0750), made ones get the daemon's, a refused start
// removes what it made, and a socket directory others can write to is refused.
#include "daemon/dirs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mt::daemon {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;

mode_t mode_of(const stdfs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class DirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("mt-dirs-test-" + std::to_string(::getpid()));
    stdfs::create_directories(root_);
  }
  void TearDown() override { stdfs::remove_all(root_); }
  stdfs::path root_;
};

TEST_F(DirsTest, AnExistingDirectoryKeepsItsModeEvenWhenItIsSticky) {
  const auto shared = root_ / "tmp";
  stdfs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  MadeDirs made;
  ASSERT_TRUE(made.make(shared, 0750).ok());
  EXPECT_EQ(mode_of(shared), 01777u);
  EXPECT_TRUE(made.made().empty());
}

TEST_F(DirsTest, MissingDirectoriesGetTheModeWhateverTheUmask) {
  ASSERT_EQ(::chmod(root_.c_str(), 0711), 0);
  const mode_t old = ::umask(077);
  MadeDirs made;
  const auto dir = root_ / "a" / "b";
  const auto st = made.make(dir, 0755);
  ::umask(old);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(mode_of(root_ / "a"), 0755u);
  EXPECT_EQ(mode_of(dir), 0755u);
  EXPECT_EQ(mode_of(root_), 0711u);  // the existing parent is untouched
  made.keep();
}

TEST_F(DirsTest, ARefusedStartRemovesWhatItMadeAndNothingElse) {
  const auto existing = root_ / "state";
  stdfs::create_directory(existing);
  {
    MadeDirs made;
    ASSERT_TRUE(made.make(existing / "reports" / "x", 0755).ok());
    EXPECT_TRUE(stdfs::is_directory(existing / "reports" / "x"));
  }  // no keep(): start-up refused
  EXPECT_FALSE(stdfs::exists(existing / "reports"));
  EXPECT_TRUE(stdfs::is_directory(existing));
}

TEST_F(DirsTest, AFileInTheWayIsAnErrorNamingIt) {
  const auto file = root_ / "file";
  { std::ofstream(file) << "x"; }
  MadeDirs made;
  const auto st = made.make(file / "sub", 0755);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr(file.string() + " exists and is not a directory"));
}

TEST_F(DirsTest, ASocketDirectoryOthersCanWriteToIsRefusedWithTheReason) {
  ASSERT_EQ(::chmod(root_.c_str(), 01777), 0);
  auto st = check_socket_dir(root_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("writable by everyone (mode 1777)"));
  EXPECT_THAT(st.error().message, HasSubstr("replace memtortured's socket"));
  ASSERT_EQ(::chmod(root_.c_str(), 0770), 0);
  st = check_socket_dir(root_);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("writable by its group"));
  ASSERT_EQ(::chmod(root_.c_str(), 0750), 0);
  EXPECT_TRUE(check_socket_dir(root_).ok());
}

}  // namespace
}  // namespace mt::daemon
