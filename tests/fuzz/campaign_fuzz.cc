// libFuzzer target: the campaign parser (campaign/parse.h), which the daemon runs as root on the
// text a client sends. Any bytes must give a spec or diagnostics, never a crash. What it accepts
// must survive normalization: to_yaml() parses again into an equal spec, and each workload's
// workload_to_yaml() (what the daemon hands a worker) into an equal workload, positions aside.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "campaign/parse.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/spec_positions.h"

namespace {

using namespace mt::campaign;

// As the daemon parses: sizes checked against a machine like the target one.
const ParseOptions kOptions{
    .file_name = "fuzz.yaml", .physical_memory_bytes = 24ULL << 30, .cpus = 4};

std::string diagnostics(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const Diagnostic& d : errors) out += d.str() + "\n";
  return out;
}

void check_normalized(const CampaignSpec& spec) {
  const std::string normalized = to_yaml(spec);
  const ParseResult again = parse_campaign(normalized, kOptions);
  if (!again.ok())
    mt::fuzz::fail("to_yaml() of an accepted campaign does not parse",
                   normalized + "---\n" + diagnostics(again.errors));
  if (without_positions(*again.spec) != without_positions(spec))
    mt::fuzz::fail("to_yaml() of an accepted campaign parses into another spec",
                   normalized + "---\n" + to_yaml(*again.spec));

  for (const WorkloadSpec& w : spec.workloads) {
    const std::string line = workload_to_yaml(w);
    const WorkloadParseResult read = parse_workload(line, kOptions);
    if (!read.spec)
      mt::fuzz::fail("workload_to_yaml() of an accepted workload does not parse",
                     line + "\n---\n" + diagnostics(read.errors));
    if (without_positions(*read.spec) != without_positions(w))
      mt::fuzz::fail("workload_to_yaml() of an accepted workload parses into another one",
                     line + "\n---\n" + workload_to_yaml(*read.spec));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult result = parse_campaign(text, kOptions);
  if (result.ok() != result.errors.empty())
    mt::fuzz::fail("a spec together with errors, or neither", diagnostics(result.errors));
  if (result.ok()) check_normalized(*result.spec);
  return 0;
}
