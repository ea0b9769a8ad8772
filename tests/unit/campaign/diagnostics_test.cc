#include "campaign/diagnostics.h"

#include <gtest/gtest.h>

namespace mt::campaign {
namespace {

TEST(DiagnosticSink, SortsByPositionKeepingReportOrderForTies) {
  DiagnosticSink sink("f.yaml");
  sink.error({9, 1}, "b", "third");
  sink.error({2, 5}, "", "first");
  sink.error({9, 1}, "a", "fourth");
  sink.error({2, 7}, "c", "second");
  std::vector<std::string> lines;
  for (const Diagnostic& d : sink.sorted()) lines.push_back(d.str());
  EXPECT_EQ(lines, (std::vector<std::string>{"f.yaml:2:5: first", "f.yaml:2:7: c: second",
                                             "f.yaml:9:1: b: third", "f.yaml:9:1: a: fourth"}));
}

TEST(DiagnosticSink, AFailedKeyTaintsEverythingUnderIt) {
  DiagnosticSink sink("f.yaml");
  EXPECT_TRUE(sink.empty());
  sink.error({1, 1}, "cgroup", "expected a map");
  sink.error({5, 1}, "workloads[1]", "expected a map");
  EXPECT_FALSE(sink.empty());
  EXPECT_TRUE(sink.failed("cgroup"));
  EXPECT_TRUE(sink.failed("cgroup.memory_limit"));
  EXPECT_TRUE(sink.failed("workloads[1].ramp"));
  EXPECT_FALSE(sink.failed("workloads[0].ramp"));
  EXPECT_FALSE(sink.failed("workloads"));
  EXPECT_FALSE(sink.failed("cgroups"));
  EXPECT_FALSE(sink.failed("duration"));
}

}  // namespace
}  // namespace mt::campaign
