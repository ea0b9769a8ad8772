// Pressure stall information: /proc/pressure/<resource> and <cgroup>/memory.pressure.
//   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::kernel {

struct PsiLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;
  std::uint64_t total_us = 0;  // cumulative stall time in microseconds
};

struct Psi {
  PsiLine some;
  std::optional<PsiLine> full;  // absent for cpu on older kernels
};

// Pure parser; the error says which line/field is malformed.
Result<Psi> parse_psi(std::string_view text);
Result<Psi> read_psi(const std::filesystem::path& file);

// Arms a PSI trigger: opens `file` O_RDWR|O_NONBLOCK and writes `trigger` ("some 100000 2000000")
// with its terminating NUL (/proc/pressure/* overwrite the last byte written with one). The fd
// (the trigger lives as long as it is open), or the kernel's refusal with a hint for EINVAL.
Result<int> open_psi_trigger(const std::filesystem::path& file, const std::string& trigger);

}  // namespace mt::kernel
