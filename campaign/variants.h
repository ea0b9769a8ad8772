// `variants:` in a campaign file: the same campaign run several ways in one go (A/B), each way
// `repeat` times, so that "which reaction helps" comes out as a table (daemon/variants_runner.h).
//
//   variants:
//     - name: none
//       reactions: off                          # or a list that replaces the campaign's
//       repeat: 3
//     - name: expedited
//       kernel: {rcu_expedited: 1}              # over the campaign's kernel:, knob by knob
//     - name: slow-flood
//       workloads: {flood: {rate: 1000, threads: 2}}   # floods only
//       memory_limit: 128Mi
//       expect: fail                            # its verdict does not decide the campaign's
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "campaign/spec.h"
#include "campaign/yaml_fields.h"

namespace mt::campaign {

inline constexpr int kMaxVariants = 8;
inline constexpr int kMaxRepeat = 20;

void read_variants(const Field& f, ReadContext& cx, std::vector<VariantSpec>& variants);
// Once the whole file is read: each variant names floods of the campaign, its reactions keep
// the reaction rules, and all the runs together fit in kMaxDuration.
void check_variant_rules(const CampaignSpec& spec, const ReadContext& cx);
void emit_variants(YAML::Emitter& out, const std::vector<VariantSpec>& variants);

// The campaign as variant `v` runs it: the overrides applied, no variants of its own.
CampaignSpec apply_variant(const CampaignSpec& base, const VariantSpec& v);
// Runs in all: the sum of the variants' repeats (1 without variants).
int planned_runs(const CampaignSpec& spec);

}  // namespace mt::campaign
