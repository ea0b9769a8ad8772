// CampaignCgroup on the real kernel (root only). Everything lives under the prefix
// "memtorture-itest-<pid>"; TearDown removes that prefix by exact path even when a test fails.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <thread>

#include "cgroup/cgroup.h"
#include "common/fs.h"
#include "kernel/memory_files.h"

namespace mt::cgroup {
namespace {

namespace stdfs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr std::uint64_t k64Mi = 64ull << 20;

Limits limits(std::uint64_t limit, std::optional<std::uint64_t> high = std::nullopt) {
  Limits l;
  l.memory_limit = limit;
  l.memory_high = high;
  return l;
}

std::vector<pid_t> procs_of(const stdfs::path& dir) {
  std::vector<pid_t> out;
  auto text = fs::read_file(dir / "cgroup.procs");
  if (!text) return out;
  std::string_view s = *text;
  while (!s.empty()) {
    auto nl = s.find('\n');
    std::string line(s.substr(0, nl));
    if (!line.empty()) out.push_back(std::stoi(line));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

// A child that blocks on a pipe. Commands: 't' touches 1 MiB (so that it is charged to its
// cgroup) and answers 'k'; 'a' attaches itself with attach_self_raw and answers the errno.
class Child {
 public:
  explicit Child(std::vector<std::string> procs_files = {}) : files_(std::move(procs_files)) {
    int cmd[2], reply[2];
    if (::pipe2(cmd, O_CLOEXEC) != 0 || ::pipe2(reply, O_CLOEXEC) != 0) std::abort();
    // Everything the child needs is prepared before fork (it may only use async-signal-safe calls).
    std::vector<const char*> raw;
    for (const std::string& f : files_) raw.push_back(f.c_str());
    pid_ = ::fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
      ::close(cmd[1]);
      ::close(reply[0]);
      for (char c; ::read(cmd[0], &c, 1) == 1;) {
        char answer = 'k';
        if (c == 't') {
          constexpr std::size_t kSize = 1 << 20;
          void* p =
              ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
          if (p == MAP_FAILED) ::_exit(3);
          for (std::size_t i = 0; i < kSize; i += 4096) static_cast<char*>(p)[i] = 1;
        } else if (c == 'a') {
          answer = static_cast<char>(attach_self_raw(raw.data(), static_cast<int>(raw.size())));
        }
        if (::write(reply[1], &answer, 1) != 1) ::_exit(4);
      }
      ::_exit(0);
    }
    ::close(cmd[0]);
    ::close(reply[1]);
    cmd_ = cmd[1];
    reply_ = reply[0];
  }
  ~Child() {
    ::close(cmd_);
    ::close(reply_);
    reap(SIGKILL);
  }
  pid_t pid() const { return pid_; }
  // Sends a command and returns the answer byte (-1 when the child is gone).
  int ask(char c) {
    char answer;
    if (::write(cmd_, &c, 1) != 1 || ::read(reply_, &answer, 1) != 1) return -1;
    return answer;
  }
  // Kills (if `sig`) and waits; returns the wait status, or -1 when already reaped.
  int reap(int sig = 0) {
    if (pid_ <= 0) return -1;
    if (sig) ::kill(pid_, sig);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  std::vector<std::string> files_;
  pid_t pid_ = -1;
  int cmd_ = -1, reply_ = -1;
};

class RealCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups under the memory controller";
    auto layout = detect_layout();
    if (!layout) GTEST_SKIP() << "no memory controller on this host: " << layout.error().message;
    layout_ = *layout;
    if (!stdfs::exists(layout_.memory_root / "cgroup.procs"))
      GTEST_SKIP() << "memory controller root " << layout_.memory_root << " is not accessible";
    prefix_ = "memtorture-itest-" + std::to_string(::getpid());
  }

  // Removes <root>/<prefix>/* and <root>/<prefix> by exact path, killing what is inside
  // (only children of this test can be there).
  void TearDown() override {
    if (prefix_.empty()) return;
    for (const stdfs::path& root : roots()) {
      stdfs::path prefix_dir = root / prefix_;
      std::error_code ec;
      if (!stdfs::is_directory(prefix_dir, ec)) continue;
      for (int attempt = 0; attempt < 100; ++attempt) {
        bool left = false;
        for (stdfs::directory_iterator it(prefix_dir, ec), end; !ec && it != end;
             it.increment(ec)) {
          if (!it->is_directory()) continue;
          for (pid_t p : procs_of(it->path())) ::kill(p, SIGKILL);
          if (::rmdir(it->path().c_str()) != 0 && errno != ENOENT) left = true;
        }
        if (!left) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (::rmdir(prefix_dir.c_str()) != 0 && errno != ENOENT)
        ADD_FAILURE() << "TearDown could not remove " << prefix_dir << ": "
                      << fs::errno_text(errno);
    }
  }

  std::vector<stdfs::path> roots() const {
    std::vector<stdfs::path> out{layout_.memory_root};
    if (!layout_.unified_root.empty() && layout_.unified_root != layout_.memory_root)
      out.push_back(layout_.unified_root);
    return out;
  }
  bool twin() const { return !layout_.memory_v2 && !layout_.unified_root.empty(); }
  stdfs::path limit_file(const CampaignCgroup& cg) const {
    return cg.memory_path() / (layout_.memory_v2 ? "memory.max" : "memory.limit_in_bytes");
  }

  Layout layout_;
  std::string prefix_;
};

TEST_F(RealCgroupTest, LayoutAgreesWithLibcgroup) {
  Status s = cross_check_with_libcgroup(layout_);
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST_F(RealCgroupTest, CreateAttachReadPsiRemove) {
  auto created = CampaignCgroup::create(layout_, prefix_, "basic", limits(k64Mi));
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& cg = *created;
  EXPECT_EQ(cg->memory_path(), layout_.memory_root / prefix_ / "basic");
  ASSERT_TRUE(stdfs::is_directory(cg->memory_path()));
  if (twin()) {
    EXPECT_EQ(cg->unified_path(), layout_.unified_root / prefix_ / "basic");
    ASSERT_TRUE(stdfs::is_directory(cg->unified_path()));
  }
  auto limit = fs::read_line(limit_file(*cg));
  ASSERT_TRUE(limit.ok()) << limit.error().message;
  EXPECT_EQ(kernel::parse_limit(*limit).value_or(0), k64Mi);

  Child child;
  ASSERT_TRUE(cg->attach(child.pid()).ok());
  for (const stdfs::path& file : cg->procs_files())
    EXPECT_THAT(procs_of(file.parent_path()), Contains(child.pid())) << file;
  EXPECT_EQ(cg->procs_files().size(), twin() ? 2u : 1u);
  EXPECT_THAT(cg->pids(), ::testing::ElementsAre(child.pid()));
  ASSERT_EQ(child.ask('t'), 'k');  // charge 1 MiB to the cgroup

  auto mem = cg->read_memory();
  ASSERT_TRUE(mem.ok()) << mem.error().message;
  EXPECT_GT(mem->usage, 0u);
  EXPECT_GE(mem->usage, 1u << 20);
  EXPECT_LT(mem->usage, k64Mi);
  EXPECT_EQ(mem->limit, k64Mi);
  EXPECT_GE(mem->peak, mem->usage);
  EXPECT_EQ(mem->oom_kills, 0u);

  if (cg->pressure_file()) {
    auto psi = cg->read_psi();
    ASSERT_TRUE(psi.ok()) << psi.error().message;
    EXPECT_TRUE(psi->full.has_value());
  }

  Status removed = cg->remove();
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  int status = child.reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "wait status " << status;
  for (const stdfs::path& root : roots()) {
    EXPECT_FALSE(stdfs::exists(root / prefix_ / "basic")) << root;
    EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
  }
  EXPECT_TRUE(cg->remove().ok());  // idempotent
}

TEST_F(RealCgroupTest, ChildAttachesItselfWithAttachSelfRaw) {
  auto created = CampaignCgroup::create(layout_, prefix_, "raw", limits(k64Mi));
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& cg = *created;
  std::vector<std::string> files;
  for (const stdfs::path& f : cg->procs_files()) files.push_back(f.string());
  Child child(files);
  ASSERT_EQ(child.ask('a'), 0) << "errno from attach_self_raw";
  for (const stdfs::path& file : cg->procs_files())
    EXPECT_THAT(procs_of(file.parent_path()), Contains(child.pid())) << file;
  Status removed = cg->remove();
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_FALSE(stdfs::exists(layout_.memory_root / prefix_));
}

TEST_F(RealCgroupTest, RemoveDoesNotWaitForTheParentToReap) {
  // The daemon reaps on its event loop, possibly only after remove() returns: a killed but
  // unreaped child (a zombie) must not keep the cgroup busy.
  auto created = CampaignCgroup::create(layout_, prefix_, "zombie", limits(k64Mi));
  ASSERT_TRUE(created.ok()) << created.error().message;
  // Nothing reaps the child until remove() has returned, so a remove() that waited for the
  // reap would run out its timeout and fail ("still holds pids"). That is the check, not a
  // wall-clock bound: the timeout is generous so that a loaded machine, slow to kill and exit
  // the child, cannot fail it.
  Child child;
  ASSERT_TRUE((*created)->attach(child.pid()).ok());
  Status removed = (*created)->remove(std::chrono::seconds(30));
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  // ... and the child really was still unreaped when remove() returned: it is a zombie now
  // (WNOWAIT leaves it so), killed by remove()'s SIGKILL.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOHANG | WNOWAIT),
            0)
      << fs::errno_text(errno);
  EXPECT_EQ(info.si_pid, child.pid()) << "the child had not exited when remove() returned";
  EXPECT_EQ(info.si_code, CLD_KILLED);
  EXPECT_EQ(info.si_status, SIGKILL);
  for (const stdfs::path& root : roots()) EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
  child.reap();
}

TEST_F(RealCgroupTest, InvalidNameFailsCleanly) {
  for (const char* name : {"..", "../escape", "a/b"}) {
    auto cg = CampaignCgroup::create(layout_, prefix_, name, limits(k64Mi));
    ASSERT_FALSE(cg.ok()) << name;
    EXPECT_THAT(cg.error().message, HasSubstr("invalid campaign cgroup name"));
  }
  for (const stdfs::path& root : roots()) EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
  EXPECT_FALSE(stdfs::exists(layout_.memory_root / "escape"));
}

TEST_F(RealCgroupTest, MemoryHighOnV1FailsCleanly) {
  if (layout_.memory_v2) GTEST_SKIP() << "memory controller is on cgroup v2 here";
  auto cg = CampaignCgroup::create(layout_, prefix_, "high", limits(k64Mi, k64Mi / 2));
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("memory_high needs cgroup v2"));
  for (const stdfs::path& root : roots()) EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
}

TEST_F(RealCgroupTest, MemoryHighOnV2IsSet) {
  if (!layout_.memory_v2) GTEST_SKIP() << "memory controller is on cgroup v1 here";
  auto cg = CampaignCgroup::create(layout_, prefix_, "high", limits(k64Mi, k64Mi / 2));
  ASSERT_TRUE(cg.ok()) << cg.error().message;
  EXPECT_EQ(fs::read_u64((*cg)->memory_path() / "memory.high").value_or(0), k64Mi / 2);
}

TEST_F(RealCgroupTest, FailureHalfwayUndoesWhatCreateMade) {
  // The twin's name is taken (as after a crash in the middle of create): create fails after it
  // made the memory cgroup and its prefix, and must take both away again.
  if (!twin()) GTEST_SKIP() << "needs a hybrid host (memory cgroup plus cgroup2 twin)";
  ASSERT_EQ(::mkdir((layout_.unified_root / prefix_).c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((layout_.unified_root / prefix_ / "clash").c_str(), 0755), 0);
  auto cg = CampaignCgroup::create(layout_, prefix_, "clash", limits(k64Mi));
  ASSERT_FALSE(cg.ok());
  EXPECT_THAT(cg.error().message, HasSubstr("already exists"));
  // The memory cgroup and the memory prefix it made are gone; the twin it did not make stays.
  EXPECT_FALSE(stdfs::exists(layout_.memory_root / prefix_));
  EXPECT_TRUE(stdfs::is_directory(layout_.unified_root / prefix_ / "clash"));
}

TEST_F(RealCgroupTest, SweepRemovesALeftover) {
  // What a daemon that died leaves behind: directories and a live process, no object.
  for (const stdfs::path& root : roots()) {
    ASSERT_EQ(::mkdir((root / prefix_).c_str(), 0755), 0) << root;
    ASSERT_EQ(::mkdir((root / prefix_ / "leftover").c_str(), 0755), 0) << root;
  }
  if (layout_.memory_v2) {
    ASSERT_TRUE(
        fs::write_file(layout_.memory_root / prefix_ / "cgroup.subtree_control", "+memory").ok());
  }
  Child child;
  for (const stdfs::path& root : roots())
    ASSERT_TRUE(
        fs::write_file(root / prefix_ / "leftover" / "cgroup.procs", std::to_string(child.pid()))
            .ok());

  auto swept = sweep_prefix(layout_, prefix_);
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_THAT(*swept, ::testing::ElementsAre("leftover"));
  int status = child.reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "wait status " << status;
  for (const stdfs::path& root : roots()) EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
}

TEST_F(RealCgroupTest, ConcurrentCreatorsShareThePrefix) {
  // Two threads create and remove campaigns under one prefix: the prefix comes and goes under
  // each of them (EEXIST on mkdir, ENOENT when the other removed it).
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;
  auto worker = [&](int id) {
    for (int i = 0; i < 20; ++i) {
      std::string name = "c" + std::to_string(id) + "-" + std::to_string(i);
      auto cg = CampaignCgroup::create(layout_, prefix_, name, limits(k64Mi));
      Status s = cg.ok() ? (*cg)->remove() : Status(cg.error());
      if (!s) {
        ++failures;
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = s.error().message;
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  for (const stdfs::path& root : roots()) EXPECT_FALSE(stdfs::exists(root / prefix_)) << root;
}

TEST_F(RealCgroupTest, FreshCgroupReadsEmpty) {
  auto created = CampaignCgroup::create(layout_, prefix_, "small", limits(4ull << 20));
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto mem = (*created)->read_memory();
  ASSERT_TRUE(mem.ok()) << mem.error().message;
  EXPECT_EQ(mem->limit, 4ull << 20);
  EXPECT_EQ(mem->usage, 0u);
  EXPECT_EQ(mem->failcnt, 0u);
}

}  // namespace
}  // namespace mt::cgroup
