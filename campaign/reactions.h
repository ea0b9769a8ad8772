// `reactions:` in a campaign file: reading (every mistake at file:line:col), the rules that tie a
// reaction to the rest of the campaign, and writing it back (to_yaml()).
//
//   reactions:
//     - name: drain
//       when: {any: ["rcu.pending_bytes > 8Mi", psi_trigger]}   # or one condition
//       for: 300ms                     # how long `when` must hold (default 0: the first sample)
//       clear: {when: "rcu.pending_bytes < 2Mi", for: 1s}      # default: `when` no longer holds
//       actions:                       # in order
//         - log: "draining"
//         - expedite: 2s               # or `expedite` / `expedite: until_clear`
//         - gp_kick
//         - barrier
//         - throttle: {workloads: [flood], rate: 1000}         # or pause: true; until clear
//         - reclaim: 64Mi              # cgroup v2 memory.reclaim
//       cooldown: 2s                   # after a firing, before the next (default 0)
//       max_firings: 10
//
// A condition is "<figure> <op> <value>" (op: > >= < <=; value a number or a size), the word
// psi_trigger, or {any: [...]} / {all: [...]}.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "campaign/spec.h"
#include "campaign/yaml_fields.h"
#include "common/result.h"

namespace mt::campaign {

void read_reactions(const Field& f, ReadContext& cx, std::vector<ReactionSpec>& reactions);
// Once the whole file is read: throttle names flood workloads of this campaign, cooldowns and
// timed expedites are at least a sample interval.
// `prefix`: where the reactions stand ("" for the campaign's, "variants[1]." for a variant's).
void check_reaction_rules(const CampaignSpec& spec, const ReadContext& cx,
                          const std::string& prefix = "");
void emit_reactions(YAML::Emitter& out, const std::vector<ReactionSpec>& reactions);
// The list alone, as the value of a key the caller wrote (a variant's reactions).
void emit_reaction_list(YAML::Emitter& out, const std::vector<ReactionSpec>& reactions);

// One condition written as text ("rcu.pending_bytes > 8Mi", "psi_trigger").
Result<Condition> parse_condition_text(std::string_view text);

}  // namespace mt::campaign
