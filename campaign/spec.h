// The plain campaign structs. A front end (the YAML parser in parse.h) produces them; the daemon
// compiles them into a running campaign. Nothing here knows about YAML, gRPC or the kernel.
// Every struct compares with ==, field by field, positions included (a test that means "same
// campaign, wherever it was written" clears the positions first).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt::campaign {

using std::chrono::milliseconds;

// Where a value stood in the campaign file (1-based; 0 when unknown).
struct SourcePos {
  int line = 0;
  int column = 0;

  bool operator==(const SourcePos&) const = default;
};

enum class WorkloadType { flood, anon };
enum class FloodKind { udp_socket, dentry };

struct FloodSpec {
  FloodKind kind = FloodKind::udp_socket;
  int threads = 1;
  std::optional<std::uint64_t> rate;  // ops per second per thread; nullopt = unlimited

  bool operator==(const FloodSpec&) const = default;
};

struct AnonSpec {
  std::uint64_t size = 0;  // bytes to allocate and touch
  milliseconds ramp{0};    // reach `size` linearly over this long, then hold

  bool operator==(const AnonSpec&) const = default;
};

struct WorkloadSpec {
  std::string name;
  WorkloadType type = WorkloadType::flood;
  milliseconds start_after{0};  // delay from the campaign start
  FloodSpec flood;              // when type == flood
  AnonSpec anon;                // when type == anon
  SourcePos pos;                // of the list item, for messages

  bool operator==(const WorkloadSpec&) const = default;
};

struct CgroupSpec {
  std::uint64_t memory_limit = 0;            // bytes; required
  std::optional<std::uint64_t> memory_high;  // bytes; cgroup v2 only

  bool operator==(const CgroupSpec&) const = default;
};

// Pass/fail lines. Each is optional; an absent one is not evaluated.
struct Criteria {
  std::optional<std::uint64_t> max_oom_kills;
  std::optional<double> max_psi_some_avg10;   // percent, 0..100
  std::optional<double> max_psi_full_avg10;   // percent, 0..100
  std::optional<std::uint64_t> min_headroom;  // bytes (limit - usage), lowest sample

  bool operator==(const Criteria&) const = default;
};

enum class PsiKind { some, full };

// A kernel PSI trigger armed on the campaign cgroup's memory.pressure where the kernel allows it.
struct PsiTriggerSpec {
  bool enabled = true;
  PsiKind kind = PsiKind::some;
  milliseconds stall{100};
  milliseconds window{2000};

  bool operator==(const PsiTriggerSpec&) const = default;
};

struct CampaignSpec {
  std::string name;
  std::string description;
  milliseconds duration{0};
  milliseconds sample_interval{100};
  CgroupSpec cgroup;
  std::vector<WorkloadSpec> workloads;
  Criteria criteria;
  // An OOM kill in the campaign cgroup is what the campaign is for: one must happen, and a
  // workload it kills does not fail the campaign (see configs/README.md, "The verdict").
  bool expect_oom = false;
  PsiTriggerSpec psi_trigger;

  bool operator==(const CampaignSpec&) const = default;
};

std::string_view to_string(WorkloadType t);
std::string_view to_string(FloodKind k);
std::string_view to_string(PsiKind k);

}  // namespace mt::campaign
