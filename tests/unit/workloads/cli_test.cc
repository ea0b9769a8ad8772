#include "workloads/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workloads/runner.h"

namespace mt::workloads {
namespace {

using namespace std::chrono_literals;

std::variant<WorkerOptions, CliExit> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "memtorture-worker");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

WorkerOptions parse_ok(std::vector<std::string> args) {
  auto r = parse(args);
  if (auto* exit = std::get_if<CliExit>(&r)) {
    ADD_FAILURE() << "exit " << exit->exit_code << ": " << exit->text;
    return {};
  }
  return std::get<WorkerOptions>(r);
}

CliExit parse_exit(std::vector<std::string> args) {
  auto r = parse(args);
  if (auto* exit = std::get_if<CliExit>(&r)) return *exit;
  ADD_FAILURE() << "accepted a bad command line";
  return {};
}

TEST(Cli, FloodUdpWithDefaults) {
  WorkerOptions o = parse_ok({"flood", "--kind", "udp_socket", "--threads", "4"});
  auto* f = std::get_if<FloodOptions>(&o.workload);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FloodKind::udp_socket);
  EXPECT_EQ(f->threads, 4);
  EXPECT_EQ(f->rate, 0);
  EXPECT_EQ(o.max_runtime, 0ms);
  EXPECT_EQ(o.report_fd, 3);
}

TEST(Cli, FloodDentryWithEverything) {
  WorkerOptions o = parse_ok({"flood", "--kind", "dentry", "--threads", "2", "--rate", "2500.5",
                              "--dir", "/tmp/mt", "--max-runtime-ms", "1500", "--report-fd", "7"});
  auto* f = std::get_if<FloodOptions>(&o.workload);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FloodKind::dentry);
  EXPECT_EQ(f->threads, 2);
  EXPECT_DOUBLE_EQ(f->rate, 2500.5);
  EXPECT_EQ(f->dir, "/tmp/mt");
  EXPECT_EQ(o.max_runtime, 1500ms);
  EXPECT_EQ(o.report_fd, 7);
}

TEST(Cli, AnonTakesBytesOrUnits) {
  WorkerOptions o = parse_ok({"anon", "--size", "1048576"});
  auto* a = std::get_if<AnonOptions>(&o.workload);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->size, 1048576u);
  EXPECT_EQ(a->ramp, 0ms);

  o = parse_ok({"anon", "--size", "64Mi", "--ramp-ms", "2000", "--max-runtime-ms", "5000"});
  a = std::get_if<AnonOptions>(&o.workload);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->size, 64u << 20);
  EXPECT_EQ(a->ramp, 2000ms);
  EXPECT_EQ(o.max_runtime, 5000ms);
}

TEST(Cli, HelpExitsZero) {
  CliExit e = parse_exit({"--help"});
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_NE(e.text.find("flood"), std::string::npos) << e.text;
  e = parse_exit({"flood", "--help"});
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_NE(e.text.find("--kind"), std::string::npos) << e.text;
}

TEST(Cli, UsageErrorsExitTwoWithAMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {},                                                        // no subcommand
      {"bogus"},                                                 // unknown subcommand
      {"flood", "--threads", "1"},                               // no --kind
      {"flood", "--kind", "pipe", "--threads", "1"},             // unknown kind
      {"flood", "--kind", "udp_socket"},                         // no --threads
      {"flood", "--kind", "udp_socket", "--threads", "0"},       // zero threads
      {"flood", "--kind", "udp_socket", "--threads", "-2"},      //
      {"flood", "--kind", "udp_socket", "--threads", "100000"},  // too many
      {"flood", "--kind", "udp_socket", "--threads", "x"},       //
      {"flood", "--kind", "udp_socket", "--threads", "1", "--rate", "-1"},
      {"flood", "--kind", "udp_socket", "--threads", "1", "--rate", "fast"},
      {"flood", "--kind", "dentry", "--threads", "1"},                     // dentry needs --dir
      {"flood", "--kind", "udp_socket", "--threads", "1", "--size", "1"},  // anon's option
      {"flood", "--kind", "udp_socket", "--threads", "1", "--max-runtime-ms", "-5"},
      {"flood", "--kind", "udp_socket", "--threads", "1", "--report-fd", "-1"},
      {"anon"},                                      // no --size
      {"anon", "--size", "0"},                       //
      {"anon", "--size", "12Q"},                     // unknown unit
      {"anon", "--size", "-4096"},                   //
      {"anon", "--size", "1Mi", "--ramp-ms", "-1"},  //
      {"anon", "--size", "1Mi", "extra"},            // stray argument
      {"anon", "--size", "1Mi", "flood"},            // two subcommands
  };
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CliExit e = parse_exit(args);
    EXPECT_EQ(e.exit_code, kExitUsage) << joined;
    EXPECT_FALSE(e.text.empty()) << joined;
  }
}

TEST(Cli, DentryWithoutDirSaysSo) {
  CliExit e = parse_exit({"flood", "--kind", "dentry", "--threads", "1"});
  EXPECT_NE(e.text.find("--dir"), std::string::npos) << e.text;
}

}  // namespace
}  // namespace mt::workloads
