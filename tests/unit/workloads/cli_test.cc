#include "workloads/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "campaign/parse.h"
#include "workloads/floods/kinds.h"
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

TEST(Cli, AFloodWorkloadWithDefaults) {
  WorkerOptions o = parse_ok({"--workload", "{name: f, type: flood, kind: udp_socket, threads: 4}"});
  const campaign::FloodSpec* f = o.workload.flood();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, find_flood_kind("udp_socket"));
  EXPECT_EQ(f->threads, 4);
  EXPECT_EQ(f->rate, std::nullopt);
  EXPECT_EQ(o.workload.name, "f");
  EXPECT_TRUE(o.dir.empty());
  EXPECT_EQ(o.max_runtime, 0ms);
  EXPECT_EQ(o.report_fd, 3);
}

TEST(Cli, ADentryFloodWithEverything) {
  WorkerOptions o = parse_ok({"--workload",
                              "{name: d, type: flood, kind: dentry, threads: 2, rate: 2500}",
                              "--dir", "/tmp/mt", "--max-runtime-ms", "1500", "--report-fd", "7",
                              "--control-fd", "8"});
  const campaign::FloodSpec* f = o.workload.flood();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, find_flood_kind("dentry"));
  EXPECT_EQ(f->threads, 2);
  EXPECT_EQ(f->rate, 2500u);
  EXPECT_EQ(o.dir, "/tmp/mt");
  EXPECT_EQ(o.max_runtime, 1500ms);
  EXPECT_EQ(o.report_fd, 7);
  EXPECT_EQ(o.control_fd, 8);
}

TEST(Cli, AnAnonWorkloadTakesUnits) {
  WorkerOptions o = parse_ok({"--workload", "{name: a, type: anon, size: 64Mi, ramp: 2s}",
                              "--max-runtime-ms", "5000"});
  const campaign::AnonSpec* a = o.workload.anon();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->size, 64u << 20);
  EXPECT_EQ(a->ramp, 2000ms);
  EXPECT_EQ(o.max_runtime, 5000ms);
}

// What the daemon hands the worker (campaign::workload_to_yaml) is read back as the same workload.
TEST(Cli, TakesTheDaemonsNormalizedWorkload) {
  campaign::WorkloadSpec w;
  w.name = "flood-1";
  w.start_after = 500ms;
  w.params = campaign::FloodSpec{.kind = find_flood_kind("udp_socket"), .threads = 3, .rate = 25000};
  const std::string yaml = campaign::workload_to_yaml(w);
  EXPECT_EQ(yaml.find('\n'), std::string::npos) << yaml;
  WorkerOptions o = parse_ok({"--workload", yaml});
  o.workload.pos = {};  // where it stood in the text; not part of the workload
  EXPECT_EQ(o.workload, w) << yaml;

  campaign::WorkloadSpec hog;
  hog.name = "hog";
  hog.params = campaign::AnonSpec{.size = 96u << 20, .ramp = 3s};
  o = parse_ok({"--workload", campaign::workload_to_yaml(hog)});
  o.workload.pos = {};
  EXPECT_EQ(o.workload, hog);
}

TEST(Cli, HelpExitsZero) {
  CliExit e = parse_exit({"--help"});
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_NE(e.text.find("--workload"), std::string::npos) << e.text;
}

TEST(Cli, UsageErrorsExitTwoWithAMessage) {
  const std::string udp = "{name: f, type: flood, kind: udp_socket}";
  const std::vector<std::vector<std::string>> bad = {
      {},                                                     // no --workload
      {"flood", "--kind", "udp_socket", "--threads", "1"},    // the old command line
      {"--workload", ""},                                     // empty
      {"--workload", "{name: f"},                             // not YAML
      {"--workload", "[1, 2]"},                               // not a map
      {"--workload", "{name: f, type: cpu}"},                 // unknown type
      {"--workload", "{name: f, type: flood, kind: pipe}"},   // unknown kind
      {"--workload", "{name: f, type: flood}"},               // no kind
      {"--workload", "{name: f, type: flood, kind: udp_socket, threads: 0}"},
      {"--workload", "{name: f, type: flood, kind: udp_socket, threads: 100000}"},
      {"--workload", "{name: f, type: flood, kind: udp_socket, rate: fast}"},
      {"--workload", "{name: f, type: flood, kind: udp_socket, size: 1Mi}"},  // anon's key
      {"--workload", "{name: d, type: flood, kind: dentry}"},                 // needs --dir
      {"--workload", "{name: a, type: anon}"},                                // no size
      {"--workload", "{name: a, type: anon, size: 0}"},
      {"--workload", "{name: a, type: anon, size: 12Q}"},
      {"--workload", udp, "--max-runtime-ms", "-5"},
      {"--workload", udp, "--report-fd", "-1"},
      {"--workload", udp, "extra"},  // stray argument
  };
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CliExit e = parse_exit(args);
    EXPECT_EQ(e.exit_code, kExitUsage) << joined;
    EXPECT_FALSE(e.text.empty()) << joined;
  }
}

TEST(Cli, AWorkloadErrorNamesTheKey) {
  CliExit e = parse_exit({"--workload", "{name: f, type: flood, kind: udp_socket, threads: 0}"});
  EXPECT_NE(e.text.find("--workload:1:"), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("threads"), std::string::npos) << e.text;
}

TEST(Cli, DentryWithoutDirSaysSo) {
  CliExit e = parse_exit({"--workload", "{name: d, type: flood, kind: dentry}"});
  EXPECT_NE(e.text.find("--dir"), std::string::npos) << e.text;
}

}  // namespace
}  // namespace mt::workloads
