// Parsing and formatting of the units used in campaign files and reports.
//   sizes:     "256Mi", "1Gi", "64Ki" (powers of 1024), "64K", "1M", "2G" (powers of 1000),
//              or a plain number of bytes.
//   durations: "100ms", "20s", "2m", "1h".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt {

Result<std::uint64_t> parse_size(std::string_view text);
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// Shortest exact spelling in the campaign format: 268435456 -> "256Mi", 1500 -> "1500".
std::string size_to_string(std::uint64_t bytes);
// Shortest exact spelling: 20000ms -> "20s", 1500ms -> "1500ms", 120000ms -> "2m".
std::string duration_to_string(std::chrono::milliseconds d);
// For humans (not exact): 268435456 -> "256.0Mi", 1536 -> "1.5Ki", 12 -> "12B".
std::string human_bytes(double bytes);
// For humans: 1234.5 -> "1.2k", 2500000 -> "2.5M".
std::string human_count(double n);

}  // namespace mt
