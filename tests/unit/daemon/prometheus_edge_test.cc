// The Prometheus edge: names and units by Prometheus conventions, generated from the figures'
// declarations; what a scrape shows with and without a running campaign.
#include "daemon/prometheus_edge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <regex>
#include <set>

#include "common/host_port.h"
#include "daemon/metric_catalog.h"
#include "tests/unit/daemon/daemon_testing.h"

namespace mt::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PrometheusName name_of(const std::string& name, const std::string& unit) {
  return prometheus_name({name, unit, "help"});
}

TEST(PrometheusEdge, NamesFollowPrometheusUnitsAndScale) {
  auto p = name_of("rcu.gp_latency_us", "us");
  EXPECT_EQ(p.name, "memtorture_campaign_rcu_gp_latency_seconds");
  EXPECT_DOUBLE_EQ(p.scale, 1e-6);
  p = name_of("psi.some_avg10", "%");
  EXPECT_EQ(p.name, "memtorture_campaign_psi_some_avg10_ratio");
  EXPECT_DOUBLE_EQ(p.scale, 0.01);
  EXPECT_EQ(name_of("usage_bytes", "bytes").name, "memtorture_campaign_usage_bytes");
  EXPECT_EQ(name_of("rcu.freed_bytes_per_s", "bytes/s").name,
            "memtorture_campaign_rcu_freed_bytes_per_second");
  EXPECT_EQ(name_of("oom.scan_pages_per_s", "1/s").name,
            "memtorture_campaign_oom_scan_pages_per_second");
  p = name_of("oom.eta_s", "s");
  EXPECT_EQ(p.name, "memtorture_campaign_oom_eta_seconds");
  EXPECT_DOUBLE_EQ(p.scale, 1);
  EXPECT_EQ(name_of("oom_kills", "").name, "memtorture_campaign_oom_kills");
  p = name_of("workload.udp_flood.ops_per_s", "1/s");
  EXPECT_EQ(p.name, "memtorture_campaign_workload_ops_per_second");
  EXPECT_EQ(p.workload, "udp_flood");
}

// Every figure the daemon declares has a valid and distinct name: nothing listed by hand.
TEST(PrometheusEdge, EveryDeclaredFigureGetsAValidDistinctName) {
  const std::vector<MetricDef> defs = all_metrics();
  const std::regex valid("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::set<std::string> names;
  for (const MetricDef& d : defs) {
    const auto p = prometheus_name(d);
    EXPECT_TRUE(std::regex_match(p.name, valid)) << d.name << " -> " << p.name;
    EXPECT_TRUE(names.insert(p.name).second) << d.name << " -> " << p.name << " twice";
    // Base units only: no microseconds or percent left in a name.
    EXPECT_FALSE(p.name.ends_with("_us") || p.name.find("_us_") != std::string::npos) << p.name;
    if (d.unit == "%") {
      EXPECT_TRUE(p.name.ends_with("_ratio")) << p.name;
    }
  }
  EXPECT_GT(names.size(), 30u);
}

ExportSnapshot running_snapshot() {
  ExportSnapshot s;
  s.version = "1.2.3";
  s.uptime_s = 42;
  s.campaigns_by_state = {{"passed", 3}, {"running", 1}};
  CampaignView v;
  v.id = "c-1";
  v.name = "c";
  v.state = State::running;
  v.elapsed_s = 2.5;
  Sample sample = testing::sample(2.5, 10 << 20, 64 << 20);
  sample.metrics["rcu.gp_latency_us"] = 1500;
  sample.metrics["workload.flood.ops_per_s"] = 1000;
  sample.metrics["workload.hog.ops_per_s"] = 5;
  v.latest = sample;
  v.metrics = {{"rcu.gp_latency_us", "us", "a grace period"},
               {"rcu.pending_bytes", "bytes", "waiting in RCU"},  // not in this sample
               {"workload.flood.ops_per_s", "1/s", "flood ops"},
               {"workload.hog.ops_per_s", "1/s", "hog ops"}};
  s.running = v;
  return s;
}

TEST(PrometheusEdge, AScrapeShowsTheDaemonTheCampaignsAndTheLatestSample) {
  const std::string text = exposition_text(running_snapshot());
  EXPECT_THAT(text, HasSubstr("memtorture_build_info{version=\"1.2.3\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_uptime_seconds 42\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaigns{state=\"passed\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaigns{state=\"aborted\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_running 1\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_info{id=\"c-1\",campaign=\"c\",state=\"running\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_usage_bytes{id=\"c-1\",campaign=\"c\"} 10485760\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_rcu_gp_latency_seconds{id=\"c-1\",campaign=\"c\"} 0.0015\n"));
  // One family for the workloads, a series each.
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_workload_ops_per_second{id=\"c-1\",campaign=\"c\",workload=\"flood\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_workload_ops_per_second{id=\"c-1\",campaign=\"c\",workload=\"hog\"} 5\n"));
  const std::string type_line = "# TYPE memtorture_campaign_workload_ops_per_second gauge";
  EXPECT_EQ(text.find(type_line), text.rfind(type_line));
  // Declared but not in this sample: no series rather than a made-up 0.
  EXPECT_THAT(text, Not(HasSubstr("rcu_pending_bytes")));
  // Every family has its HELP.
  EXPECT_THAT(text, HasSubstr("# HELP memtorture_campaign_rcu_gp_latency_seconds a grace period (rcu.gp_latency_us)"));
}

TEST(PrometheusEdge, WithNothingRunningOnlyTheDaemonsFigures) {
  ExportSnapshot s = running_snapshot();
  s.running.reset();
  const std::string text = exposition_text(s);
  EXPECT_THAT(text, HasSubstr("memtorture_campaign_running 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("memtorture_campaign_info")));
  EXPECT_THAT(text, Not(HasSubstr("memtorture_campaign_usage_bytes")));
}

TEST(HostPort, ListenAddressesAreChecked) {
  EXPECT_TRUE(check_host_port("127.0.0.1:9464").ok());
  EXPECT_TRUE(check_host_port("[::1]:0").ok());
  EXPECT_THAT(check_host_port("9464").error().message, HasSubstr("is not HOST:PORT"));
  EXPECT_THAT(check_host_port("host:").error().message, HasSubstr("the port must be a number"));
  EXPECT_THAT(check_host_port("host:99999").error().message, HasSubstr("0 to 65535"));
  EXPECT_THAT(check_host_port("host:http").error().message, HasSubstr("must be a number"));
}

}  // namespace
}  // namespace mt::daemon
