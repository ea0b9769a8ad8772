// Reading a report's JSON (report.json, the crash journal) the way its loaders must: whatever
// the JSON, a value or a fallback, never an exception or undefined behaviour. nlohmann's value()
// throws when the field has another type, and get<T>() of a number T cannot hold (1e300 as an
// integer, -1 as an unsigned) is a cast with undefined behaviour.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mt::daemon {

// The field `key` of the object `j`; nullptr when `j` is no object or has no such field.
inline const nlohmann::ordered_json* json_member(const nlohmann::ordered_json& j,
                                                 std::string_view key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// `v` as a T (bool, a number type, std::string); nothing when it is of another type or a number
// out of T's range. A number written as a double (12.0, 1e6) reads as an integer, truncated.
template <class T>
std::optional<T> json_as(const nlohmann::ordered_json& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (v.is_string()) return v.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (v.is_boolean()) return v.get<bool>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (v.is_number()) return v.get<T>();
  } else {
    static_assert(std::is_integral_v<T>);
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (std::in_range<T>(u)) return static_cast<T>(u);
    } else if (v.is_number_integer()) {
      const auto i = v.get<std::int64_t>();
      if (std::in_range<T>(i)) return static_cast<T>(i);
    } else if (v.is_number_float()) {
      // Both bounds are 0 or powers of two, exact as doubles.
      const double d = v.get<double>();
      const double lo = static_cast<double>(std::numeric_limits<T>::min());
      const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits);
      if (std::isfinite(d) && d >= lo && d < hi) return static_cast<T>(d);
    }
  }
  return std::nullopt;
}

// The field `key` of `j` as a T, or `fallback` (missing, another type, out of range).
template <class T>
T json_field(const nlohmann::ordered_json& j, std::string_view key, T fallback) {
  if (const auto* v = json_member(j, key))
    if (auto t = json_as<T>(*v)) return std::move(*t);
  return fallback;
}

}  // namespace mt::daemon
