// /proc/kallsyms parsing on fixture text: the text layout the walk trusts, and callback names.
#include "rcu/kernel_symbols.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace mt::rcu {
namespace {

using ::testing::HasSubstr;

constexpr const char* kKallsyms =
    "ffffffff81000000 T srso_alias_untrain_ret\n"
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 T _text\n"
    "ffffffff815e2e50 t kfree_rcu_work\n"
    "ffffffff8164ed80 t rcu_free_sheaf\n"
    "ffffffff817029b0 t i_callback\n"
    "ffffffff81e83670 t __sk_destruct\n"
    "ffffffff82276988 T _etext\n"
    "ffffffff83000000 D some_data\n"
    "ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]\n"
    "ffffffffc0400000 t ext4_i_callback\t[ext4]\n"
    "ffffffffc0410000 T ext4_fill_super\t[ext4]\n";

TEST(Kallsyms, ParsesALineWithAndWithoutAModule) {
  auto l = parse_kallsyms_line("ffffffff817029b0 t i_callback");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->addr, 0xffffffff817029b0u);
  EXPECT_EQ(l->type, 't');
  EXPECT_EQ(l->name, "i_callback");
  EXPECT_TRUE(l->module.empty());
  auto m = parse_kallsyms_line("ffffffffc0400000 t ext4_i_callback\t[ext4]");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->module, "ext4");
  EXPECT_FALSE(parse_kallsyms_line("garbage").has_value());
  EXPECT_FALSE(parse_kallsyms_line("ffffffff817029b0 t").has_value());
}

TEST(Kallsyms, TextLayoutWithModulesButNotFtraceTrampolines) {
  auto t = parse_text_layout(kKallsyms, {"kfree_rcu_work", "rcu_free_sheaf", "missing_fn"});
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->stext, 0xffffffff81000000u);
  EXPECT_EQ(t->etext, 0xffffffff82276988u);
  EXPECT_EQ(t->module_lo, 0xffffffffc0400000u);
  EXPECT_GT(t->module_hi, 0xffffffffc0410000u);
  EXPECT_EQ(t->wanted.at("kfree_rcu_work"), 0xffffffff815e2e50u);
  EXPECT_EQ(t->wanted.at("rcu_free_sheaf"), 0xffffffff8164ed80u);
  EXPECT_FALSE(t->wanted.count("missing_fn"));
}

TEST(Kallsyms, HiddenAddressesAreAnErrorThatSaysSo) {
  auto t = parse_text_layout("0000000000000000 T _stext\n0000000000000000 T _etext\n", {});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error().message, HasSubstr("kptr_restrict"));
  EXPECT_FALSE(parse_text_layout("ffffffff81000000 T _text\n", {}).ok());
}

TEST(Kallsyms, ResolvesExactAndInsideAndModuleSymbols) {
  auto n = resolve_symbols(kKallsyms,
                           {0xffffffff817029b0, 0xffffffff81e83680, 0xffffffffc0400000, 0x1000});
  EXPECT_EQ(n.at(0xffffffff817029b0), "i_callback");
  EXPECT_EQ(n.at(0xffffffff81e83680), "__sk_destruct+0x10");
  EXPECT_EQ(n.at(0xffffffffc0400000), "ext4_i_callback [ext4]");
  EXPECT_FALSE(n.count(0x1000)) << "below every symbol";
}

// /proc/kallsyms is read block by block, never whole: a file of some 200k lines (as the real one,
// past many 64 KiB blocks) resolves and lays out the same as the text in memory.
TEST(Kallsyms, AFileReadBlockByBlockGivesWhatTheTextGives) {
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += fmt::format("{:016x} t filler_{}\n", 0xffffffff90000000ull + 16ull * i, i);
  text += kKallsyms;
  text += "ffffffffc0500000 t last_without_newline\t[m]";
  char tmpl[] = "/tmp/mt-kallsyms-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  const std::vector<std::uint64_t> addrs{0xffffffff817029b0, 0xffffffff81e83680,
                                         0xffffffff90000000ull + 16ull * 123456 + 4,
                                         0xffffffffc0500000};
  const auto from_file = resolve_symbols_in(tmpl, addrs);
  EXPECT_EQ(from_file, resolve_symbols(text, addrs));
  EXPECT_EQ(from_file.at(0xffffffff90000000ull + 16ull * 123456 + 4), "filler_123456+0x4");
  EXPECT_EQ(from_file.at(0xffffffffc0500000), "last_without_newline [m]");
  auto layout = read_text_layout(tmpl, {"i_callback"});
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->wanted.at("i_callback"), 0xffffffff817029b0u);
  ::unlink(tmpl);
  EXPECT_FALSE(read_text_layout(tmpl, {}).ok()) << "a missing file is an error";
  EXPECT_TRUE(resolve_symbols_in(tmpl, addrs).empty());
}

}  // namespace
}  // namespace mt::rcu
