#include "common/units.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>

namespace mt {
namespace {

struct Suffix {
  std::string_view text;
  std::uint64_t factor;
};

// Splits "256Mi" into the number and the suffix; the number must be a whole decimal.
Result<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view text,
                                                                std::string_view what) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) {
    if (!text.empty() && text[0] == '-')
      return make_error(fmt::format("{} must not be negative: '{}'", what, text));
    return make_error(fmt::format("{} must start with a whole number: '{}'", what, text));
  }
  std::uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc()) return make_error(fmt::format("{} is too large: '{}'", what, text));
  return std::pair{n, text.substr(i)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  static constexpr Suffix kSuffixes[] = {
      {"", 1},
      {"B", 1},
      {"Ki", 1ULL << 10},
      {"Mi", 1ULL << 20},
      {"Gi", 1ULL << 30},
      {"Ti", 1ULL << 40},
      {"K", 1000ULL},
      {"M", 1000ULL * 1000},
      {"G", 1000ULL * 1000 * 1000},
      {"T", 1000ULL * 1000 * 1000 * 1000},
  };
  text = trim(text);
  auto split = split_number(text, "size");
  if (!split) return split.error();
  auto [n, suffix] = *split;
  for (const auto& s : kSuffixes) {
    if (suffix != s.text) continue;
    if (n > std::numeric_limits<std::uint64_t>::max() / s.factor)
      return make_error(fmt::format("size is too large: '{}'", text));
    return n * s.factor;
  }
  return make_error(
      fmt::format("unknown size unit '{}' in '{}' (use Ki, Mi, Gi, Ti, K, M, G, T or plain bytes)",
                  suffix, text));
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static constexpr Suffix kSuffixes[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000}};
  text = trim(text);
  auto split = split_number(text, "duration");
  if (!split) return split.error();
  auto [n, suffix] = *split;
  if (suffix.empty())
    return make_error(fmt::format("duration '{}' needs a unit (ms, s, m or h)", text));
  for (const auto& s : kSuffixes) {
    if (suffix != s.text) continue;
    if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / s.factor)
      return make_error(fmt::format("duration is too large: '{}'", text));
    return std::chrono::milliseconds(static_cast<std::int64_t>(n * s.factor));
  }
  return make_error(
      fmt::format("unknown duration unit '{}' in '{}' (use ms, s, m or h)", suffix, text));
}

std::string size_to_string(std::uint64_t bytes) {
  static constexpr Suffix kSuffixes[] = {
      {"Ti", 1ULL << 40}, {"Gi", 1ULL << 30}, {"Mi", 1ULL << 20}, {"Ki", 1ULL << 10}};
  if (bytes == 0) return "0";
  for (const auto& s : kSuffixes)
    if (bytes % s.factor == 0) return fmt::format("{}{}", bytes / s.factor, s.text);
  return fmt::format("{}", bytes);
}

std::string duration_to_string(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3600000 == 0) return fmt::format("{}h", ms / 3600000);
  if (ms % 60000 == 0) return fmt::format("{}m", ms / 60000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

std::string human_bytes(double bytes) {
  static constexpr std::string_view kUnits[] = {"B", "Ki", "Mi", "Gi", "Ti"};
  const bool negative = bytes < 0;
  double v = std::fabs(bytes);
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  const char* sign = negative ? "-" : "";
  if (u == 0) return fmt::format("{}{:.0f}B", sign, v);
  return fmt::format("{}{:.1f}{}", sign, v, kUnits[u]);
}

std::string human_count(double n) {
  // The unit is chosen after rounding, so a figure near a boundary always reads the same way
  // (999.7 is "1.0k", never "1000"; 999960 is "1.0M", never "1000.0k").
  if (!std::isfinite(n)) return "-";
  const char* sign = n <= -0.5 ? "-" : "";
  const double v = std::fabs(n);
  if (std::round(v) < 1000) return fmt::format("{}{:.0f}", sign, std::round(v));
  static constexpr struct {
    double scale;
    const char* suffix;
  } kUnits[] = {{1e3, "k"}, {1e6, "M"}, {1e9, "G"}};
  for (std::size_t i = 0;; ++i) {
    const double tenths = std::round(v / kUnits[i].scale * 10);
    if (tenths < 10'000 || i + 1 == std::size(kUnits))
      return fmt::format("{}{:.1f}{}", sign, tenths / 10, kUnits[i].suffix);
  }
}

}  // namespace mt
