// What this host offers memtorture: kernel release, PSI, capabilities, RCU knobs, stress-ng.
// Roots are injected so the pure parts run on fixture trees.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mt::kernel {

struct KnobInfo {
  std::string path;
  bool readable = false;
  bool writable = false;
  std::string value;
};

struct SystemProbe {
  std::string kernel_release;
  unsigned cpus = 0;
  std::uint64_t memory_total_bytes = 0;
  bool psi_available = false;     // /proc/pressure/memory readable
  bool cap_sys_resource = false;  // PSI trigger windows below 2 s allowed
  std::vector<KnobInfo> rcu_knobs;
  std::string stress_ng_path;  // empty when not installed
  std::string stress_ng_version;
};

struct ProbeOptions {
  std::filesystem::path proc = "/proc";
  std::filesystem::path sys = "/sys";
  std::string path_env;       // $PATH to search for stress-ng; empty = getenv("PATH")
  bool run_stress_ng = true;  // run `stress-ng --version`
};

// The RCU knobs memtorture knows, relative to /sys.
const std::vector<std::string>& rcu_knob_names();

// CapEff from /proc/<pid>/status text; true when capability `cap` is in it.
bool status_has_capability(std::string_view status_text, int cap);

SystemProbe probe_system(const ProbeOptions& options = {});

}  // namespace mt::kernel
