// A run's headline figures, read from its report.json: what the variants table compares across
// repeats and `memtorturectl compare` across nights. Pure, in mt_report so that CI-side tools
// read reports without the engine.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/model.h"

namespace mt::daemon {

struct RunFigures {
  State verdict = State::error;
  std::string reason;
  double oom_kills = 0;
  std::optional<double> min_headroom_bytes;
  std::optional<double> psi_some_max, psi_full_max;
  std::optional<double> freed_p50, freed_max;      // rcu.freed_bytes_per_s
  std::optional<double> waiting_p50, waiting_max;  // rcu.pending_bytes
  std::optional<double> gp_p50, gp_p99;            // rcu.gp_latency_us
  double reactions_fired = 0;
  std::optional<double> flood_ops_per_s;    // summed over the flood workloads (run average)
  std::optional<double> backlog_p50_bytes;  // the ledger's barrier backlogs
  std::optional<double> lowest_oom_eta_s;   // OOM proximity's lowest time-to-OOM estimate
};

RunFigures run_figures(const nlohmann::ordered_json& report);

// How a figure reads in a text table: "3", "64.0Mi", "12.0Mi/s", "2.5%", "1.2ms", "4.0s", "1.2k/s".
enum class FigureUnit { count, bytes, bytes_per_s, percent, us, seconds, ops_per_s };
std::string figure_text(double v, FigureUnit unit);

// The p-quantile (0..1, nearest rank) of `v`; nullopt when empty.
std::optional<double> percentile(std::vector<double> v, double p);

}  // namespace mt::daemon
