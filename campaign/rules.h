// The rules that tie several fields of a campaign together (sample_interval <= duration,
// start_after + ramp <= duration, memory_high <= memory_limit, ...). They run once every field
// has been read, and only on values read without a problem, so one mistake is reported once.
#pragma once

#include "campaign/spec.h"
#include "campaign/yaml_fields.h"

namespace mt::campaign {

// Reports every broken rule to cx.diagnostics, at the value that breaks it.
void check_rules(const CampaignSpec& spec, const ReadContext& cx);

}  // namespace mt::campaign
