// memtortured --metrics-listen HOST:PORT: /metrics in the Prometheus text format, served by
// prometheus-cpp's Exposer (Debian's prometheus-cpp-dev). What it shows is generated from the
// figures' declarations (MetricDef: the core figures and every part's), named and scaled by
// Prometheus conventions: memtorture_campaign_<figure> with the unit as suffix (_bytes,
// _seconds from us and s, _ratio from %, _per_second from /s), workload figures as one family
// with a `workload` label. Like the gRPC edge, the HTTP threads never touch the engine: a scrape
// posts to the io thread and waits for its snapshot.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/model.h"

namespace prometheus {
class Exposer;
struct MetricFamily;
}  // namespace prometheus

namespace mt::daemon {

class Engine;

// A figure's name in Prometheus: "rcu.gp_latency_us" (us) -> memtorture_campaign_rcu_gp_latency_seconds
// times 1e-6; "workload.flood.ops_per_s" -> memtorture_campaign_workload_ops_per_second with
// workload="flood".
struct PrometheusName {
  std::string name;
  double scale = 1;
  std::optional<std::string> workload;  // the label, for workload.<name>.<figure>
};
PrometheusName prometheus_name(const MetricDef& def);

// What one scrape shows, read on the io thread.
struct ExportSnapshot {
  std::string version;
  double uptime_s = 0;
  std::map<std::string, int> campaigns_by_state;  // every campaign the daemon knows
  std::optional<CampaignView> running;            // the campaign running now, if any
};
ExportSnapshot export_snapshot(const Engine& engine, std::string version, double uptime_s);

// The families of a snapshot; every family is a gauge with a HELP line.
std::vector<prometheus::MetricFamily> metric_families(const ExportSnapshot& s);
// The same in the text format (what /metrics serves).
std::string exposition_text(const ExportSnapshot& s);

// The HTTP server. Scrapes are answered from the io thread within `scrape_wait`, else with the
// daemon's own figures only.
class PrometheusEdge {
 public:
  static Result<std::unique_ptr<PrometheusEdge>> start(const std::string& address,
                                                       boost::asio::io_context& io,
                                                       const Engine& engine, std::string version);
  ~PrometheusEdge();
  PrometheusEdge(const PrometheusEdge&) = delete;
  PrometheusEdge& operator=(const PrometheusEdge&) = delete;
  // The port actually bound (the address may ask for port 0).
  int port() const;

 private:
  class Collector;
  PrometheusEdge() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<Collector> collector_;
};

}  // namespace mt::daemon
