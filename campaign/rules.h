// The rules that tie several fields of a campaign together (sample_interval <= duration,
// start_after + ramp <= duration, memory_high <= memory_limit, ...). They run once every field
// has been read, and only on values read without a problem, so one mistake is reported once.
#pragma once

#include <string>
#include <string_view>

#include "campaign/spec.h"
#include "campaign/yaml_fields.h"

namespace mt::campaign {

// A value as far as the rules are concerned.
struct RuleValue {
  bool usable = false;  // read without a problem, or left out so its default stands
  bool given = false;   // written in the file (at `pos`)
  SourcePos pos;
};

// What a rule reads: the spec, whether each value can be relied on, and where to report.
class RuleReader {
 public:
  RuleReader(const CampaignSpec& spec, const ReadContext& cx) : spec_(spec), cx_(cx) {}
  const CampaignSpec& spec() const { return spec_; }
  RuleValue value(const std::string& path) const;
  void error(SourcePos pos, std::string_view path, std::string_view message) const;

 private:
  const CampaignSpec& spec_;
  const ReadContext& cx_;
};

// Reports every broken rule to cx.diagnostics, at the value that breaks it.
void check_rules(const CampaignSpec& spec, const ReadContext& cx);

}  // namespace mt::campaign
