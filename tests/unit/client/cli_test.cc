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

TEST(CliTest, ARemoteTargetNeedsTheCaAndACertificateWithItsKey) {
  auto p = parse({"--target", "10.0.0.2:7474", "--tls-ca", "ca.pem", "--tls-cert", "c.pem",
                  "--tls-key", "c.key", "list"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->global.target.address, "10.0.0.2:7474");
  EXPECT_EQ(p.inv->global.target.key, "c.key");
  EXPECT_TRUE(parse({"list", "--target", "h:1", "--tls-ca", "ca.pem"}).inv)
      << "no client certificate: the daemon refuses it at the handshake, not we";
  for (const auto& [args, why] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"list", "--target", "h:1"}, "needs --tls-ca"},
           {{"list", "--target", "h:1", "--tls-ca", "ca", "--tls-cert", "c"}, "go together"},
           {{"list", "--tls-ca", "ca"}, "are for --target"},
           {{"list", "--target", "h", "--tls-ca", "ca"}, "is not HOST:PORT"}}) {
    auto refused = parse(args);
    EXPECT_FALSE(refused.inv) << why;
    EXPECT_EQ(refused.rc, kInvalid) << why;
    EXPECT_THAT(refused.err, HasSubstr(why));
  }
}

TEST(CliTest, SuiteTakesFilesFoldersAndATimeBudget) {
  auto p = parse({"suite", "configs/nightly", "x.yaml", "--out", "o", "--junit", "j.xml",
                  "--history", "h", "--time-budget", "30m"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->command, Command::suite);
  EXPECT_EQ(p.inv->suite.inputs, (std::vector<std::string>{"configs/nightly", "x.yaml"}));
  EXPECT_EQ(p.inv->suite.time_budget, std::chrono::seconds(1800));
  auto bad = parse({"suite", "x.yaml", "--time-budget", "soon"});
  EXPECT_FALSE(bad.inv);
  EXPECT_EQ(bad.rc, kInvalid);
  EXPECT_THAT(bad.err, HasSubstr("--time-budget: 'soon' is not a duration"));
  EXPECT_FALSE(parse({"suite"}).inv);
}

TEST(CliTest, ReportTakesAnIdOrAFileAndAnHtmlPath) {
  auto p = parse({"report", "--file", "r.json", "--html", "r.html"});
  ASSERT_TRUE(p.inv) << p.err;
  EXPECT_EQ(p.inv->file, "r.json");
  EXPECT_EQ(p.inv->html, "r.html");
  EXPECT_FALSE(p.inv->id);
  auto none = parse({"report"});
  EXPECT_FALSE(none.inv);
  EXPECT_THAT(none.err, HasSubstr("give a campaign ID or --file"));
  EXPECT_FALSE(parse({"report", "c-1", "--file", "r.json"}).inv);
}

}  // namespace
}  // namespace mt::client
