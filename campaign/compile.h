// The compile step: a parsed campaign checked against what this host offers, once, before
// anything is created. Every host-dependent rule lives here (the parser knows only the file),
// and every message points into the file (file:line:col). The host is a plain struct, probed
// once by the daemon at start-up (daemon.cc) and made up by tests.
#pragma once

#include <cstdint>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include "campaign/parse.h"
#include "campaign/spec.h"

namespace mt::campaign {

// What the daemon's host offers that a campaign may depend on.
struct HostFeatures {
  bool memory_v2 = false;          // the memory controller is cgroup v2 (memory.high, ...)
  std::string memory_root;         // where it is mounted, for messages
  bool per_cgroup_psi = false;     // a cgroup2 hierarchy to read (and arm triggers on)
  bool cap_sys_resource = false;   // PSI trigger windows need not be whole 2 s
  unsigned cpus = 0;
  std::uint64_t memory_total_bytes = 0;
  // The figures a campaign on this host can bound in `criteria.max`/`criteria.min`: the core
  // ones and those of the daemon's campaign parts (daemon/metric_catalog.h).
  std::vector<std::string> metrics;
  // The RCU knobs of rcu/knobs.h this kernel has, and those of them root may write.
  std::vector<std::string> knobs_present;
  std::vector<std::string> knobs_writable;
  // rcutree's do_rcu_barrier is there and writable (the `barrier` reaction).
  bool rcu_barrier = false;
  // Why the RCU ledger (BPF) cannot run here; empty when nothing stands in its way.
  std::string ledger_unavailable;
  // Why the ledger, where it runs, counts callbacks but cannot size them; empty when it can.
  std::string ledger_unsized;
  // Flood kinds this host cannot run, with the reason (workloads/floods/kinds.h).
  std::vector<std::pair<std::string, std::string>> flood_kinds_unavailable;
  // Workload types this host cannot run, with the reason (stress_ng without stress-ng).
  std::vector<std::pair<std::string, std::string>> workload_types_unavailable;
  // The installed stress-ng: its version and its stressors (empty: not asked; nothing refused).
  std::string stress_ng_version;
  std::vector<std::string> stress_ng_stressors;
};

// A campaign ready to run on this host.
struct CampaignPlan {
  CampaignSpec spec;
  std::vector<Diagnostic> warnings;  // the parser's and the host's
};

struct CompileResult {
  std::optional<CampaignPlan> plan;  // set when errors and unmet are empty
  std::vector<Diagnostic> errors;    // what this host cannot run
  // Each `requires:` feature this host lacks, and why: the campaign is not run (not an error
  // in it: it asked for a host that has them).
  std::vector<Diagnostic> unmet;
};

CompileResult compile(const ParseResult& parsed, const HostFeatures& host,
                      const std::string& file_name);

}  // namespace mt::campaign
