// The stress_ng workload without root or stress-ng: the option allow-list and the job file, the
// YAML metrics as stress-ng 0.15.06 writes them, and the workload driving a stand-in executable
// (a shell script that writes a YAML on SIGTERM, as stress-ng does) through its whole life.
#include "workloads/stress_ng.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "workloads/stress_ng/metrics.h"
#include "workloads/stress_ng/options.h"

namespace mt::workloads {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace sng = stress_ng;

// Cut from a real `stress-ng --job ... --metrics --yaml` of 0.15.06 on the build machine.
constexpr std::string_view kYaml = R"(---
system-info:
      stress-ng-version: 0.15.06
      run-by: root
      date-yyyy-mm-dd: 2026:12:06
      epoch-secs: 1796520690
metrics:
    - stressor: dentry
      bogo-ops: 28443
      bogo-ops-per-second-usr-sys-time: 21692.574509
      bogo-ops-per-second-real-time: 9401.340954
      wall-clock-time: 3.025419
      max-rss: 2676

    - stressor: vm
      bogo-ops: 27380
      bogo-ops-per-second-real-time: 9122.124059
      max-rss: 34836
...
)";

TEST(StressNgOptions, StressorsAndTheirOptionsAreOnTheListWithTypes) {
  ASSERT_NE(sng::find_option("vm"), nullptr);
  EXPECT_EQ(sng::find_option("vm")->type, sng::ValueType::instances);
  EXPECT_EQ(sng::find_option("vm-bytes")->type, sng::ValueType::size);
  EXPECT_EQ(sng::find_option("vm-bytes")->stressor, "vm");
  EXPECT_EQ(sng::find_option("aggressive")->stressor, "");
  EXPECT_EQ(sng::find_option("timeout"), nullptr);
  EXPECT_THAT(*sng::reserved_reason("timeout"), HasSubstr("duration"));
  EXPECT_FALSE(sng::reserved_reason("vm"));
  for (const auto& d : sng::option_defs())  // every option but a global one names a listed stressor
    if (!d.stressor.empty()) EXPECT_EQ(sng::find_option(d.stressor)->type, sng::ValueType::instances) << d.name;
}

TEST(StressNgOptions, TheJobFileHasOneOptionPerLineInOrder) {
  const std::vector<sng::Option> options = {{"vm", "1"}, {"vm-bytes", "67108864"}, {"vm-keep", ""},
                                           {"dentry", "2"}};
  EXPECT_EQ(sng::job_file_text(options),
            "# written by memtorture from the campaign's stressors:\n"
            "vm 1\nvm-bytes 67108864\nvm-keep\ndentry 2\n");
  EXPECT_THAT(sng::requested_stressors(options), ElementsAre("vm", "dentry"));
}

TEST(StressNgMetrics, ReadsEveryStressorsNumericFigures) {
  auto m = sng::parse_metrics(kYaml);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].stressor, "dentry");
  EXPECT_EQ((*m)[0].figure("bogo-ops"), 28443);
  EXPECT_DOUBLE_EQ(*(*m)[0].figure("wall-clock-time"), 3.025419);
  EXPECT_EQ((*m)[1].figure("max-rss"), 34836);
  EXPECT_FALSE((*m)[1].figure("wall-clock-time"));
  EXPECT_THAT(sng::missing_stressors({"vm", "udp", "dentry"}, *m), ElementsAre("udp"));
}

TEST(StressNgMetrics, SaysWhatIsWrongWithABadReport) {
  EXPECT_THAT(sng::parse_metrics("a: [").error().message, HasSubstr("does not parse"));
  EXPECT_THAT(sng::parse_metrics("system-info: {}").error().message, HasSubstr("no metrics"));
  EXPECT_THAT(sng::parse_metrics("metrics:\n  - bogo-ops: 1\n").error().message,
              HasSubstr("metrics[0] has no stressor"));
}

// A stand-in for stress-ng: writes its arguments down, then on SIGTERM writes `yaml_body` to the
// --yaml file and exits 0 (or ignores SIGTERM when `yaml_body` is empty).
class FakeStressNg : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mt-stress-ng-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string script(const std::string& yaml_body) {
    const auto path = dir_ / "stress-ng";
    std::ofstream out(path);
    out << "#!/bin/sh\n"
        << "echo \"$@\" > " << (dir_ / "args") << "\n"
        << "while [ $# -gt 0 ]; do [ \"$1\" = --yaml ] && y=$2; shift; done\n";
    if (yaml_body.empty())
      out << "trap '' TERM\n";
    else
      out << "trap 'cat > \"$y\" <<EOT\n" << yaml_body << "\nEOT\nexit 0' TERM\n";
    out << "while :; do sleep 0.05; done\n";
    out.close();
    ::chmod(path.c_str(), 0755);
    return path.string();
  }

  // Runs the workload until it is asked to stop after `ms`.
  Status run_for(StressNgWorkload& w, int ms) {
    if (Status st = w.prepare(); !st) return st;
    StopFlag stop;
    Status result;
    std::thread t([&] { result = w.run(0, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    stop.request_stop();
    t.join();
    return result;
  }

  std::filesystem::path dir_;
};

TEST_F(FakeStressNg, StopsWithSigtermAndReportsTheMetricsAsResults) {
  StressNgWorkload w({.options = {{"vm", "1"}, {"dentry", "1"}}, .dir = dir_,
                      .executable = script(std::string(kYaml))});
  ASSERT_TRUE(run_for(w, 300).ok());
  EXPECT_EQ(w.counters().ops, 28443u + 27380u);
  const auto results = w.results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].section, "stress_ng");
  EXPECT_EQ(results[0].fields[0], (std::pair<std::string, std::string>{"stressor", "dentry"}));
  EXPECT_EQ(results[0].fields[1], (std::pair<std::string, std::string>{"bogo-ops", "28443"}));
  std::ifstream args(dir_ / "args");
  std::string line;
  std::getline(args, line);
  EXPECT_THAT(line, HasSubstr("--job " + (dir_ / "stress-ng.job").string()));
  EXPECT_THAT(line, HasSubstr("--oomable --timeout 0"));
  std::ifstream job(dir_ / "stress-ng.job");
  std::string job_text((std::istreambuf_iterator<char>(job)), {});
  EXPECT_THAT(job_text, HasSubstr("vm 1\ndentry 1\n"));
}

TEST_F(FakeStressNg, ARequestedStressorWithNoMetricsIsAnError) {
  StressNgWorkload w({.options = {{"vm", "1"}, {"udp", "1"}, {"dentry", "1"}}, .dir = dir_,
                      .executable = script(std::string(kYaml))});
  const Status st = run_for(w, 200);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("no metrics for udp"));
  EXPECT_EQ(w.results().size(), 2u) << "what it did measure is still reported";
}

TEST_F(FakeStressNg, OneThatIgnoresSigtermIsKilledAndSaysSo) {
  StressNgWorkload w({.options = {{"vm", "1"}}, .dir = dir_, .executable = script(""),
                      .stop_wait = std::chrono::milliseconds(300)});
  const Status st = run_for(w, 200);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("did not end within 300ms of SIGTERM"));
}

TEST_F(FakeStressNg, AMissingExecutableIsAnError) {
  StressNgWorkload w({.options = {{"vm", "1"}}, .dir = dir_,
                      .executable = (dir_ / "no-such-stress-ng").string()});
  const Status st = run_for(w, 50);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("cannot start"));
}

}  // namespace
}  // namespace mt::workloads
