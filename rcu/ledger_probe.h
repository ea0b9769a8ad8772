// Whether the RCU ledger can run on this host, answered cheaply and without loading any BPF:
// for the daemon's GetSystem, and for tests that must skip with a reason. The facts are read
// once (probe_ledger_host: a few files and one parse of the kernel BTF, ~tens of ms) and
// judged by a pure function, so the judgement is unit-tested on made-up facts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mt::rcu {

struct LedgerHostFacts {
  bool btf = false;                 // the kernel BTF file exists and parses
  std::string btf_error;            // why not
  bool privileged = false;          // CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, in CapEff
  std::string lockdown;             // "none", "integrity", "confidentiality"; empty when unknown
  bool kallsyms_addresses = false;  // /proc/kallsyms shows real addresses
  // In the BTF: each must be there.
  bool tp_rcu_utilization = false;
  bool tp_kmem_cache_free = false;
  bool tp_sched_update_nr_running = false;
  bool kfunc_get_kmem_cache = false;  // bpf_get_kmem_cache (6.13+)
  bool percpu_runqueues = false;      // in .data..percpu
  bool percpu_rcu_data = false;
  // Optional.
  bool percpu_krc = false;
  bool do_rcu_barrier = false;  // /sys/module/rcutree/parameters/do_rcu_barrier writable
};

struct LedgerProbeEnv {
  std::filesystem::path sys = "/sys";
  std::filesystem::path proc = "/proc";
  std::filesystem::path btf;  // empty: <sys>/kernel/btf/vmlinux
};

LedgerHostFacts probe_ledger_host(const LedgerProbeEnv& env = {});

// The first reason the ledger cannot open, or nullopt when nothing stands in its way (it may
// still fail at load: a verifier or an LSM can refuse what no file shows).
std::optional<std::string> unavailable_reason(const LedgerHostFacts& facts);

// Both of the above.
std::optional<std::string> ledger_unavailable_reason(const LedgerProbeEnv& env = {});

// Why a ledger that can run counts callbacks but cannot size them (no walks, no method 1, no
// barrier backlog), or nullopt when it sizes them too.
std::optional<std::string> unsized_reason(const LedgerHostFacts& facts);
std::optional<std::string> ledger_unsized_reason(const LedgerProbeEnv& env = {});

// CPU numbers a CPU list may hold: far above any kernel's NR_CPUS (8192 on x86_64 with MAXSMP),
// low enough that a list cannot ask for gigabytes ("0-2147483647").
inline constexpr int kMaxCpuNumber = 65535;

// "0-3,8,10-11" (a sysfs CPU list) as CPU numbers; error on anything else, on a CPU above
// kMaxCpuNumber, and on parts out of ascending order (the kernel prints them ascending, so a
// list holds each CPU once).
Result<std::vector<int>> parse_cpu_list(std::string_view text);

}  // namespace mt::rcu
