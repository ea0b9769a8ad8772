// A campaign or workload spec with every SourcePos cleared: the same campaign, wherever in a file
// it was written, compares == (campaign/spec.h compares positions too). Header-only and free of
// gtest, for the campaign tests and the campaign fuzz target alike.
#pragma once

#include <variant>
#include <vector>

#include "campaign/spec.h"

namespace mt::campaign {

inline void clear_positions(Condition& c) {
  c.pos = {};
  for (Condition& child : c.children) clear_positions(child);
}

inline void clear_positions(std::vector<ReactionSpec>& reactions) {
  for (ReactionSpec& r : reactions) {
    r.pos = {};
    clear_positions(r.when);
    if (r.clear) clear_positions(*r.clear);
    for (ReactionAction& a : r.actions) a.pos = {};
  }
}

inline WorkloadSpec without_positions(WorkloadSpec w) {
  w.pos = {};
  if (auto* sn = std::get_if<StressNgSpec>(&w.params))
    for (StressNgOption& o : sn->options) o.pos = {};
  if (auto* f = std::get_if<FloodSpec>(&w.params); f && f->bursts) f->bursts->pos = {};
  return w;
}

inline CampaignSpec without_positions(CampaignSpec spec) {
  for (WorkloadSpec& w : spec.workloads) w = without_positions(std::move(w));
  for (HostNeed& n : spec.needs) n.pos = {};
  clear_positions(spec.reactions);
  for (VariantSpec& v : spec.variants) {
    v.pos = {};
    if (v.reactions) clear_positions(*v.reactions);
    for (VariantSpec::Flood& f : v.floods) f.pos = {};
  }
  return spec;
}

}  // namespace mt::campaign
