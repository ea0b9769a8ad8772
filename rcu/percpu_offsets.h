// Offsets of per-CPU variables, from the kernel BTF's ".data..percpu" DATASEC. A per-CPU
// variable's address on CPU n is its offset plus that CPU's per-CPU base; with no data symbols
// in kallsyms this is how the ledger places runqueues, rcu_data and krc. Read at run time,
// never hard-coded: every build of the kernel moves them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

struct btf;  // libbpf

namespace mt::rcu {

struct PercpuOffsets {
  std::uint64_t runqueues = 0;
  std::uint64_t rcu_data = 0;
  std::optional<std::uint64_t> krc;  // CONFIG_KVFREE_RCU_BATCHED
};

// The offsets of `names` found in the DATASEC of `btf` (those absent are left out). Error
// when the BTF has no .data..percpu DATASEC.
Result<std::map<std::string, std::uint64_t>> percpu_var_offsets(
    const struct btf* btf, const std::vector<std::string>& names);

// From a parsed BTF: runqueues and rcu_data are required, krc optional.
Result<PercpuOffsets> percpu_offsets(const struct btf* btf);

// The same from a BTF file (/sys/kernel/btf/vmlinux).
Result<PercpuOffsets> read_percpu_offsets(const std::filesystem::path& btf_file);

}  // namespace mt::rcu
