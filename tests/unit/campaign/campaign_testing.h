// Helpers shared by the campaign tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "campaign/parse.h"
#include "campaign/spec.h"
#include "tests/support/spec_positions.h"  // without_positions
#include "workloads/floods/kinds.h"

namespace mt::campaign {

// gtest prints a spec that differs as its YAML form rather than as bytes.
inline void PrintTo(const CampaignSpec& spec, std::ostream* os) {
  *os << "\n" << to_yaml(spec);
}

// The flood kind of that name; fails the test when there is none.
inline const workloads::FloodKind* flood_kind(std::string_view name) {
  const workloads::FloodKind* kind = workloads::find_flood_kind(name);
  EXPECT_NE(kind, nullptr) << "no flood kind " << name;
  return kind;
}

inline constexpr std::uint64_t kTestPhysicalMemory = 24ULL << 30;  // like the target machine

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Each diagnostic as "file:line:col: message".
inline std::vector<std::string> diagnostic_lines(const ParseResult& result) {
  std::vector<std::string> lines;
  for (const Diagnostic& d : result.errors) lines.push_back(d.str());
  return lines;
}

// --- small inline campaigns ---------------------------------------------------------------------

inline constexpr std::uint64_t Ki = 1ULL << 10;
inline constexpr std::uint64_t Mi = 1ULL << 20;
inline constexpr std::uint64_t Gi = 1ULL << 30;

// A small valid campaign file with pieces to replace; str() is the text. Line numbers in the
// tests count from it: "campaign" is line 1, "duration" line 2, then `top`, then "cgroup".
struct Campaign {
  std::string duration = "10s";
  std::string top;  // more top-level lines
  std::string cgroup = "  memory_limit: 64Mi\n";
  std::string workloads = "  - name: w\n    type: flood\n    kind: dentry\n";
  std::string tail;  // lines after workloads (criteria, expect_oom, psi_trigger)

  std::string str() const {
    return "campaign: c\nduration: " + duration + "\n" + top + "cgroup:\n" + cgroup +
           "workloads:\n" + workloads + tail;
  }
};

// Parses `text` as the file "t.yaml".
inline ParseResult parse(const std::string& text, std::uint64_t physical_memory = 0) {
  return parse_campaign(text, {.file_name = "t.yaml", .physical_memory_bytes = physical_memory});
}

inline std::vector<std::string> errors_of(const std::string& text,
                                          std::uint64_t physical_memory = 0) {
  return diagnostic_lines(parse(text, physical_memory));
}

// An anon workload of `size` that ramps over `ramp`.
inline std::string anon(const std::string& size, const std::string& ramp = "0s") {
  return "  - name: hog\n    type: anon\n    size: " + size + "\n    ramp: " + ramp + "\n";
}

}  // namespace mt::campaign
