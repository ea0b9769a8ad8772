// YAML front end: campaign text -> CampaignSpec, or every problem found, each with file:line:col.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaign/spec.h"

namespace mt::campaign {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;
  // "file:line:col: message"
  std::string str() const;
};

struct ParseOptions {
  std::string file_name = "<campaign>";     // used in every Diagnostic
  std::uint64_t physical_memory_bytes = 0;  // sizes above this are refused; 0 = no check
  unsigned cpus = 0;                        // more flood threads than this is warned; 0 = no check
};

struct ParseResult {
  std::optional<CampaignSpec> spec;  // set only when `errors` is empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;  // legal but probably not meant (more threads than CPUs)
  // Where each key's value stood ("cgroup.memory_high" -> 5:16), for checks made later that
  // still point into the file (compile() against the host).
  std::map<std::string, SourcePos, std::less<>> positions;
  bool ok() const { return spec.has_value(); }
};

// Text that fails campaign::check_text (source.h) gives that one error and is not parsed.
ParseResult parse_campaign(std::string_view yaml_text, const ParseOptions& options);

// One workload map on its own (what the daemon hands a worker: workload_to_yaml()'s text): read
// with the same schema as in a campaign file. Its errors name the file `options.file_name`.
struct WorkloadParseResult {
  std::optional<WorkloadSpec> spec;  // set only when `errors` is empty
  std::vector<Diagnostic> errors;
};
WorkloadParseResult parse_workload(std::string_view yaml_text, const ParseOptions& options);

// The normalized campaign: every default filled in, units in their shortest exact spelling.
// parse_campaign(to_yaml(spec)) gives back an equal spec.
std::string to_yaml(const CampaignSpec& spec);
// One workload, normalized, as a one-line YAML flow map; parse_workload() gives it back equal
// (but for `pos`).
std::string workload_to_yaml(const WorkloadSpec& w);

// Limits the parser enforces (also shown in configs/README.md).
inline constexpr int kMaxThreads = 64;
inline constexpr int kMaxWorkloads = 16;
inline constexpr std::chrono::milliseconds kMaxDuration{std::chrono::hours(1)};
inline constexpr std::chrono::milliseconds kMinSampleInterval{10};
inline constexpr std::chrono::milliseconds kMaxSampleInterval{10000};
inline constexpr std::uint64_t kMinMemoryLimit = 4ULL << 20;  // 4Mi
inline constexpr std::size_t kMaxNameLength = 64;             // campaign and workload names
inline constexpr std::uint64_t kMaxRate = 10'000'000;         // flood ops per second per thread
inline constexpr std::chrono::milliseconds kMinPsiWindow{500};
// The window a campaign that sets none gets where the daemon has CAP_SYS_RESOURCE.
inline constexpr std::chrono::milliseconds kSubSecondPsiWindow{500};
inline constexpr std::chrono::milliseconds kMaxPsiWindow{10000};
inline constexpr std::chrono::milliseconds kMinGpProbeInterval{100};
inline constexpr std::chrono::milliseconds kMaxGpProbeInterval{60000};
inline constexpr std::chrono::milliseconds kMinLedgerWalkInterval{100};
inline constexpr std::chrono::milliseconds kMaxLedgerWalkInterval{10000};
inline constexpr std::chrono::milliseconds kMinLedgerBacklogInterval{1000};
inline constexpr std::chrono::milliseconds kMaxLedgerBacklogInterval{600000};
inline constexpr int kMaxReactions = 16;
inline constexpr int kMaxReactionActions = 8;
inline constexpr int kMaxConditionDepth = 4;      // any/all nested this deep at most
inline constexpr std::uint32_t kMaxFirings = 100000;

}  // namespace mt::campaign
