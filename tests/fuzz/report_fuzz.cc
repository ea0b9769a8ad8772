// libFuzzer target: reading report.json back (daemon/report.h), as the daemon does for every
// report under its state directory at start-up and for the crash journal's lines, and as
// memtorturectl does for a file it is given (client/report_files.h, daemon/report_figures.h).
// The bytes are parsed with nlohmann (allow_exceptions=false); whatever JSON comes out, the
// loaders must return a value or an error, never throw or crash. A sample or workload read
// back and written again must read back the same.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "client/report_files.h"
#include "daemon/report.h"
#include "daemon/report_figures.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using Json = nlohmann::ordered_json;
using namespace mt::daemon;

void check_sample(const Json& j) {
  const Json once = to_json(sample_from_json(j));
  const Json twice = to_json(sample_from_json(once));
  if (once != twice)
    mt::fuzz::fail("sample_from_json(to_json(s)) is not s", once.dump() + "\n" + twice.dump());
}

void check_workload(const Json& j) {
  const Json once = to_json(workload_from_json(j));
  const Json twice = to_json(workload_from_json(once));
  if (once != twice)
    mt::fuzz::fail("workload_from_json(to_json(w)) is not w", once.dump() + "\n" + twice.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;

  // The daemon at start-up: every report.json it finds.
  (void)view_from_report(j, "fuzz/report.json");
  if (j.is_object() && j.contains("verdict") && j["verdict"].is_string())
    (void)state_from_verdict(j["verdict"].get<std::string>());

  // The journal's lines ({"sample": ...}, {"workloads": [...]}) and the report's own lists: any
  // value, at the top and one level down.
  check_sample(j);
  check_workload(j);
  if (j.is_structured())
    for (const Json& item : j) {
      check_sample(item);
      check_workload(item);
    }

  // memtorturectl on a file: what load_report() lets through (an object with a verdict and a
  // campaign) is read for its runs and its headline figures.
  if (j.is_object() && j.contains("verdict") && j.contains("campaign")) {
    (void)mt::client::run_ids(j);
    (void)run_figures(j);
  }
  return 0;
}
