// What this host offers memtorture: kernel release, PSI, capabilities, RCU knobs, stress-ng.
// Roots are injected so the pure parts run on fixture trees.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mt::kernel {

struct SystemProbe {
  std::string kernel_release;
  unsigned cpus = 0;
  std::uint64_t memory_total_bytes = 0;
  bool psi_available = false;     // /proc/pressure/memory readable
  bool cap_sys_resource = false;  // PSI trigger windows below 2 s allowed
  // The RCU knobs are rcu/knobs.h's (describe_knobs), read when asked.
  std::string stress_ng_path;  // empty when not installed
  std::string stress_ng_version;
  std::vector<std::string> stress_ng_stressors;  // `stress-ng --stressors`
};

struct ProbeOptions {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::string path_env;       // $PATH to search for stress-ng; empty = getenv("PATH")
  bool run_stress_ng = true;  // run `stress-ng --version` and `--stressors`
};

// CapEff from /proc/<pid>/status text; true when capability `cap` is in it.
bool status_has_capability(std::string_view status_text, int cap);

// The first executable `name` in the directories of `path_env` (a $PATH value), or empty.
std::string find_in_path(const std::string& name, const std::string& path_env);

SystemProbe probe_system(const ProbeOptions& options = {});

}  // namespace mt::kernel
