// Builders for the protobuf messages the client renders.
#pragma once

#include <cstdint>
#include <string>

#include "client/render.h"

namespace mt::client::testing {

inline constexpr std::uint64_t Mi = 1ULL << 20;

inline pb::WorkloadStatus workload(const std::string& name, const std::string& type,
                                   const std::string& state, double ops_per_s) {
  pb::WorkloadStatus w;
  w.set_name(name);
  w.set_type(type);
  if (type == "flood") w.set_kind("udp_socket");
  w.set_state(state);
  w.set_ops_per_s(ops_per_s);
  return w;
}

inline pb::CriterionResult criterion(const std::string& name, bool pass,
                                     const std::string& detail) {
  pb::CriterionResult c;
  c.set_name(name);
  c.set_pass(pass);
  c.set_detail(detail);
  return c;
}

inline pb::Sample sample(std::uint64_t usage, std::uint64_t limit, std::uint64_t oom_kills = 0) {
  pb::Sample s;
  s.set_usage_bytes(usage);
  s.set_limit_bytes(limit);
  s.set_headroom_bytes(static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(usage));
  s.set_oom_kills(oom_kills);
  return s;
}

inline pb::CampaignEvent at(double t_s) {
  pb::CampaignEvent ev;
  ev.set_t_s(t_s);
  return ev;
}

// How often `needle` stands in `haystack` (not overlapping).
inline int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

}  // namespace mt::client::testing
