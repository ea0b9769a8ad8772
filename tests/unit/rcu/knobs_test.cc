// The RCU knob layer on a fixture /sys tree: every change journaled before it is made, put back
// in reverse, and a journal left by a crashed daemon replayed by the next one.
#include "rcu/knobs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mt::rcu {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;

class KnobsTest : public ::testing::Test {
 protected:
  KnobsTest() {
    std::string tmpl = (stdfs::temp_directory_path() / "mt-rcu-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    root_ = tmpl;
    stdfs::create_directories(sys() / "kernel");
    stdfs::create_directories(sys() / "module/rcutree/parameters");
    stdfs::create_directories(state());
    put("kernel/rcu_expedited", "0\n");
    put("kernel/rcu_normal", "0\n");
    put("module/rcutree/parameters/jiffies_till_first_fqs", "1\n");
    put("module/rcutree/parameters/rcu_kick_kthreads", "N\n");
  }
  ~KnobsTest() override { stdfs::remove_all(root_); }

  stdfs::path sys() const { return root_ / "sys"; }
  stdfs::path state() const { return root_ / "state"; }
  KnobJournal journal() const { return KnobJournal(state() / "knobs.journal"); }
  void put(const std::string& rel, const std::string& text) const {
    std::ofstream(sys() / rel, std::ios::trunc) << text;
  }
  // The first line: a write to a fixture file overwrites its start, as a knob shows one value.
  std::string get(const std::string& rel) const {
    std::ifstream in(sys() / rel);
    std::string line;
    std::getline(in, line);
    return line;
  }
  std::string journal_text() const {
    std::ifstream in(state() / "knobs.journal");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  stdfs::path root_;
};

TEST_F(KnobsTest, DescribesWhatThisKernelHas) {
  ::chmod((sys() / "kernel/rcu_normal").c_str(), 0444);
  const auto knobs = describe_knobs(sys());
  ASSERT_EQ(knobs.size(), knob_defs().size());
  auto of = [&](std::string_view name) {
    for (const auto& k : knobs)
      if (k.def->name == name) return k;
    return KnobState{};
  };
  EXPECT_TRUE(of("rcu_expedited").present);
  EXPECT_TRUE(of("rcu_expedited").writable);
  EXPECT_FALSE(of("rcu_normal").writable);
  EXPECT_EQ(of("rcu_kick_kthreads").value, "0") << "Y/N shown as 1/0";
  EXPECT_FALSE(of("rcu_divisor").present);
  EXPECT_EQ(of("rcu_divisor").value, "");
}

TEST_F(KnobsTest, ASetIsJournaledBeforeItIsMadeAndRestoredInReverse) {
  {
    Knobs knobs(sys(), journal());
    ASSERT_EQ(knobs.set("rcu_expedited", 1).value_or("?"), "1");
    EXPECT_EQ(journal_text(), "rcu_expedited 0 1\n");
    ASSERT_TRUE(knobs.set("jiffies_till_first_fqs", 3).ok());
    ASSERT_TRUE(knobs.set("rcu_expedited", 0).ok());  // changed twice: back to the first old value
    ASSERT_TRUE(knobs.set("rcu_expedited", 1).ok());
    EXPECT_EQ(journal_text(), "rcu_expedited 0 1\njiffies_till_first_fqs 1 3\n")
        << "a knob changed again is not journaled again: its first old value is what counts";
    EXPECT_EQ(knobs.current("rcu_expedited").value_or("?"), "1");
    EXPECT_EQ(get("kernel/rcu_expedited"), "1");
    EXPECT_EQ(get("module/rcutree/parameters/jiffies_till_first_fqs"), "3");
    ASSERT_TRUE(knobs.restore());
    EXPECT_TRUE(knobs.changed().empty());
  }
  EXPECT_EQ(get("kernel/rcu_expedited"), "0");
  EXPECT_EQ(get("module/rcutree/parameters/jiffies_till_first_fqs"), "1");
  EXPECT_FALSE(stdfs::exists(state() / "knobs.journal")) << "cleared once all is back";
}

TEST_F(KnobsTest, TheDestructorPutsBackWhatIsStillChanged) {
  {
    Knobs knobs(sys(), journal());
    ASSERT_TRUE(knobs.set("rcu_kick_kthreads", 1).ok());
  }
  EXPECT_EQ(get("module/rcutree/parameters/rcu_kick_kthreads"), "0")
      << "put back as 0, which the kernel takes for N";
  EXPECT_FALSE(stdfs::exists(state() / "knobs.journal"));
}

TEST_F(KnobsTest, BadSetsChangeNothing) {
  Knobs knobs(sys(), journal());
  auto unknown = knobs.set("rcu_turbo", 1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().message, HasSubstr("unknown RCU knob 'rcu_turbo'"));
  auto range = knobs.set("rcu_expedited", 2);
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(range.error().message, HasSubstr("between 0 and 1"));
  auto absent = knobs.set("rcu_divisor", 3);
  ASSERT_FALSE(absent.ok());
  EXPECT_THAT(absent.error().message, HasSubstr("rcu_divisor"));
  EXPECT_FALSE(stdfs::exists(state() / "knobs.journal"));
  EXPECT_TRUE(knobs.changed().empty());
}

TEST_F(KnobsTest, ACrashedDaemonsJournalIsReplayedThenCleared) {
  // What a daemon killed mid-campaign leaves: knobs changed, the journal saying from what. Its
  // last line was cut short by the crash: that write never happened.
  put("kernel/rcu_expedited", "1\n");
  put("module/rcutree/parameters/jiffies_till_first_fqs", "3\n");
  std::ofstream(state() / "knobs.journal")
      << "rcu_expedited 0 1\njiffies_till_first_fqs 1 3\nrcu_expedited 1 0\nrcu_normal 0";
  auto restored = restore_from_journal(journal(), sys());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  ASSERT_EQ(restored->size(), 2u);
  EXPECT_EQ((*restored)[0].name, "rcu_expedited") << "the last changed first";
  EXPECT_EQ(get("kernel/rcu_expedited"), "0");
  EXPECT_EQ(get("module/rcutree/parameters/jiffies_till_first_fqs"), "1");
  EXPECT_EQ(get("kernel/rcu_normal"), "0") << "the cut-short line is not replayed";
  EXPECT_FALSE(stdfs::exists(state() / "knobs.journal"));
  auto again = restore_from_journal(journal(), sys());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "nothing left to do";
}

TEST_F(KnobsTest, AJournalThatCannotBeReadIsAnErrorNamingItsLine) {
  std::ofstream(state() / "knobs.journal") << "rcu_expedited 0 1\nrm -rf /\n";
  auto restored = restore_from_journal(journal(), sys());
  ASSERT_FALSE(restored.ok());
  EXPECT_THAT(restored.error().message, HasSubstr("knobs.journal:2:"));
  EXPECT_TRUE(stdfs::exists(state() / "knobs.journal")) << "kept for a person to look at";
}

TEST_F(KnobsTest, AKnobThatCannotBePutBackStaysInTheJournal) {
  Knobs knobs(sys(), journal());
  ASSERT_TRUE(knobs.set("rcu_expedited", 1).ok());
  stdfs::remove(sys() / "kernel/rcu_expedited");
  ::mkdir((sys() / "kernel/rcu_expedited").c_str(), 0755);  // a write now fails
  auto st = knobs.restore();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("rcu_expedited (left at 1"));
  EXPECT_TRUE(stdfs::exists(state() / "knobs.journal")) << "the next daemon tries again";
}

}  // namespace
}  // namespace mt::rcu
