#include "daemon/prometheus_edge.h"

#include <fmt/format.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <boost/asio/post.hpp>
#include <future>
#include <set>

#include "common/host_port.h"
#include "daemon/engine.h"
#include "daemon/metric_catalog.h"

namespace mt::daemon {
namespace {

namespace asio = boost::asio;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// How long a scrape waits for the io thread (busy tearing a campaign down, say).
constexpr std::chrono::milliseconds kScrapeWait{2000};

bool strip_suffix(std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  s.resize(s.size() - suffix.size());
  return true;
}

std::string flat(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (c == '.') c = '_';
  return out;
}

ClientMetric gauge(double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

MetricFamily family(std::string name, std::string help, std::vector<ClientMetric> metrics) {
  return {std::move(name), std::move(help), MetricType::Gauge, std::move(metrics)};
}

}  // namespace

PrometheusName prometheus_name(const MetricDef& def) {
  PrometheusName out;
  std::string base(def.name);
  // workload.<name>.<figure>: one family for every workload, the name as a label.
  if (base.rfind("workload.", 0) == 0) {
    const auto dot = base.find('.', 9);
    if (dot != std::string::npos) {
      out.workload = base.substr(9, dot - 9);
      base = "workload." + base.substr(dot + 1);
    }
  }
  base = flat(base);
  const std::string& unit = def.unit;
  if (unit == "bytes") {
    strip_suffix(base, "_bytes");
    base += "_bytes";
  } else if (unit == "bytes/s") {
    strip_suffix(base, "_per_s");
    strip_suffix(base, "_bytes");
    base += "_bytes_per_second";
  } else if (unit == "1/s") {
    strip_suffix(base, "_per_s");
    base += "_per_second";
  } else if (unit == "us") {
    strip_suffix(base, "_us");
    base += "_seconds";
    out.scale = 1e-6;
  } else if (unit == "s") {
    strip_suffix(base, "_s");
    base += "_seconds";
  } else if (unit == "%") {
    base += "_ratio";
    out.scale = 0.01;
  }
  out.name = "memtorture_campaign_" + base;
  return out;
}

ExportSnapshot export_snapshot(const Engine& engine, std::string version, double uptime_s) {
  ExportSnapshot s;
  s.version = std::move(version);
  s.uptime_s = uptime_s;
  for (const CampaignView& v : engine.list()) {
    ++s.campaigns_by_state[std::string(to_string(v.state))];
    if (!is_final(v.state) && !s.running) s.running = v;
  }
  return s;
}

std::vector<MetricFamily> metric_families(const ExportSnapshot& s) {
  std::vector<MetricFamily> out;
  out.push_back(family("memtorture_build_info", "memtortured's version (the value is always 1)",
                       {gauge(1, {{"version", s.version}})}));
  out.push_back(family("memtorture_uptime_seconds", "seconds since memtortured started",
                       {gauge(s.uptime_s)}));
  std::vector<ClientMetric> by_state;
  for (const State st : {State::pending, State::running, State::passed,
                         State::failed, State::aborted, State::error}) {
    const auto it = s.campaigns_by_state.find(std::string(to_string(st)));
    by_state.push_back(gauge(it == s.campaigns_by_state.end() ? 0 : it->second,
                             {{"state", std::string(to_string(st))}}));
  }
  out.push_back(family("memtorture_campaigns",
                       "campaigns the daemon knows (its reports and the running one), by state",
                       std::move(by_state)));
  out.push_back(family("memtorture_campaign_running", "1 while a campaign runs, else 0",
                       {gauge(s.running ? 1 : 0)}));
  if (!s.running) return out;
  const CampaignView& c = *s.running;
  const std::vector<ClientMetric::Label> who = {{"id", c.id}, {"campaign", c.name}};
  out.push_back(family("memtorture_campaign_info",
                       "the running campaign: its id, name and state (the value is always 1)",
                       {gauge(1, {{"id", c.id}, {"campaign", c.name},
                                  {"state", std::string(to_string(c.state))}})}));
  out.push_back(family("memtorture_campaign_elapsed_seconds",
                       "seconds since the running campaign started", {gauge(c.elapsed_s, who)}));
  if (!c.latest) return out;
  // Every declared figure of the latest sample: the core ones, then the parts'.
  std::vector<MetricDef> defs = core_metrics();
  defs.insert(defs.end(), c.metrics.begin(), c.metrics.end());
  std::map<std::string, std::size_t> index;  // family name -> position in `out`
  std::set<std::string> seen;
  for (const MetricDef& def : defs) {
    if (!seen.insert(def.name).second) continue;
    const auto value = figure_by_name(def.name, *c.latest);
    if (!value) continue;  // not measured in this sample
    const PrometheusName p = prometheus_name(def);
    auto labels = who;
    if (p.workload) labels.push_back({"workload", *p.workload});
    auto [it, fresh] = index.try_emplace(p.name, out.size());
    if (fresh)
      out.push_back(family(p.name,
                           p.workload ? "per workload: " + def.help
                                      : fmt::format("{} ({})", def.help, def.name),
                           {}));
    out[it->second].metric.push_back(gauge(*value * p.scale, std::move(labels)));
  }
  return out;
}

std::string exposition_text(const ExportSnapshot& s) {
  return prometheus::TextSerializer().Serialize(metric_families(s));
}

// Scrapes come on the Exposer's threads: each posts to the io thread and waits for the snapshot.
class PrometheusEdge::Collector final : public prometheus::Collectable {
 public:
  Collector(asio::io_context& io, const Engine& engine, std::string version)
      : io_(io), engine_(engine), version_(std::move(version)),
        started_(std::chrono::steady_clock::now()) {}

  std::vector<MetricFamily> Collect() const override {
    const double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    auto promise = std::make_shared<std::promise<ExportSnapshot>>();
    auto future = promise->get_future();
    asio::post(io_, [promise, this, uptime] {
      promise->set_value(export_snapshot(engine_, version_, uptime));
    });
    if (future.wait_for(kScrapeWait) != std::future_status::ready) {
      ExportSnapshot own;  // the daemon's own figures only: the engine was busy
      own.version = version_;
      own.uptime_s = uptime;
      return metric_families(own);
    }
    return metric_families(future.get());
  }

 private:
  asio::io_context& io_;
  const Engine& engine_;
  const std::string version_;
  const std::chrono::steady_clock::time_point started_;
};

Result<std::unique_ptr<PrometheusEdge>> PrometheusEdge::start(const std::string& address,
                                                              asio::io_context& io,
                                                              const Engine& engine,
                                                              std::string version) {
  if (auto st = check_host_port(address); !st) return st.error();
  std::unique_ptr<PrometheusEdge> edge(new PrometheusEdge());
  try {
    edge->exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return make_error(fmt::format("cannot listen on {}: {}", address, e.what()));
  }
  edge->collector_ = std::make_shared<Collector>(io, engine, std::move(version));
  edge->exposer_->RegisterCollectable(edge->collector_);
  return edge;
}

PrometheusEdge::~PrometheusEdge() = default;

int PrometheusEdge::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace mt::daemon
