// The command line: global flags before or after the command, usage errors.
#include "client/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "client/render.h"

namespace mt::client {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::optional<Invocation> inv;
  int rc = -1;
  std::string out, err;
};

Parsed parse(std::vector<std::string> args) {
  Parsed p;
  std::ostringstream out, err;
  p.inv = parse_command_line(args, &p.rc, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(CliTest, JsonAfterTheCommand) {
  auto p = parse({"run", "f.yaml", "--json"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->command, Command::run);
  EXPECT_EQ(p.inv->file, "f.yaml");
  EXPECT_TRUE(p.inv->global.json);
}

TEST(CliTest, SocketAfterTheCommand) {
  auto p = parse({"list", "--socket", "/tmp/x.sock"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->command, Command::list);
  EXPECT_EQ(p.inv->global.socket, "/tmp/x.sock");
  EXPECT_FALSE(p.inv->global.json);
}

TEST(CliTest, GlobalFlagsBeforeTheCommandStillWork) {
  auto p = parse({"--json", "--socket", "s", "watch", "c-1", "--junit", "out.xml"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->command, Command::watch);
  EXPECT_EQ(p.inv->id, "c-1");
  EXPECT_EQ(p.inv->junit, "out.xml");
  EXPECT_TRUE(p.inv->global.json);
  EXPECT_EQ(p.inv->global.socket, "s");
}

TEST(CliTest, MixedPositions) {
  auto p = parse({"--socket", "a", "run", "--junit", "j.xml", "f.yaml", "--json"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->file, "f.yaml");
  EXPECT_EQ(p.inv->junit, "j.xml");
  EXPECT_EQ(p.inv->global.socket, "a");
  EXPECT_TRUE(p.inv->global.json);
}

TEST(CliTest, EveryCommand) {
  EXPECT_EQ(parse({"validate", "f", "--print"}).inv->command, Command::validate);
  EXPECT_TRUE(parse({"validate", "f", "--print"}).inv->print_normalized);
  EXPECT_EQ(parse({"start", "f", "--json"}).inv->command, Command::start);
  EXPECT_EQ(parse({"stop", "c-1", "--json"}).inv->id, "c-1");
  EXPECT_EQ(parse({"report", "c-1"}).inv->command, Command::report);
  EXPECT_EQ(parse({"system", "--json"}).inv->command, Command::system);
  auto status = parse({"status", "--json"});
  EXPECT_EQ(status.inv->command, Command::status);
  EXPECT_EQ(status.inv->id, std::nullopt);  // the running or newest one
  EXPECT_EQ(parse({"status", "c-2"}).inv->id, "c-2");
}

TEST(CliTest, UsageErrorsAreExitCode2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"run"}, {"run", "f", "--bogus"}, {"status", "a", "b"}, {"frobnicate"}}) {
    auto p = parse(args);
    EXPECT_FALSE(p.inv);
    EXPECT_EQ(p.rc, kInvalid);
    EXPECT_FALSE(p.err.empty());
  }
}

TEST(CliTest, HelpIsExitCode0AndEachCommandsHelpListsTheGlobalFlags) {
  auto p = parse({"run", "--help"});
  EXPECT_FALSE(p.inv);
  EXPECT_EQ(p.rc, kPassed);
  EXPECT_THAT(p.out, HasSubstr("--json"));
  EXPECT_THAT(p.out, HasSubstr("--socket"));
  EXPECT_THAT(p.out, HasSubstr("memtorturectl run"));
}

TEST(CliTest, OomTakesACampaignACgroupOrTheSystemAndAWindow) {
  auto bare = parse({"oom"});
  ASSERT_TRUE(bare.inv) << bare.err;
  EXPECT_EQ(bare.inv->command, Command::oom);
  EXPECT_EQ(bare.inv->id, std::nullopt);
  EXPECT_EQ(parse({"oom", "c-1", "--json"}).inv->id, "c-1");
  auto cg = parse({"oom", "--cgroup", "memtorture/x", "--window", "5000"});
  ASSERT_TRUE(cg.inv) << cg.err;
  EXPECT_EQ(cg.inv->oom_cgroup, "memtorture/x");
  EXPECT_EQ(cg.inv->oom_window_ms, 5000);
  EXPECT_TRUE(parse({"oom", "--system"}).inv->oom_system);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"oom", "--window", "999"}, {"oom", "--window", "10001"},
           {"oom", "--cgroup", "memtorture/x", "--system"}}) {
    auto p = parse(args);
    EXPECT_FALSE(p.inv) << args.back();
    EXPECT_EQ(p.rc, kInvalid);
  }
}

TEST(CliTest, ProbeLedgerSecondsAreOneToSixtyElseExitCode2) {
  auto p = parse({"probe", "--ledger", "5", "--json"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->command, Command::probe);
  EXPECT_EQ(p.inv->ledger_seconds, 5);
  EXPECT_EQ(parse({"probe", "--ledger", "60"}).inv->ledger_seconds, 60);
  EXPECT_EQ(parse({"probe"}).inv->ledger_seconds, 0) << "no ledger unless asked for";
  for (const char* bad : {"0", "61", "-1", "two"}) {
    auto refused = parse({"probe", "--ledger", bad});
    EXPECT_FALSE(refused.inv) << bad;
    EXPECT_EQ(refused.rc, kInvalid) << bad;
    EXPECT_THAT(refused.err, HasSubstr("--ledger")) << bad;
  }
}

}  // namespace
}  // namespace mt::client
