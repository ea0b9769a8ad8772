// memtorturectl's one JSON shape for machine output (--json), derived from the protobuf
// messages by reflection, so a field added to the proto shows up without code here:
//   - field names as in the proto (snake_case); every field is printed, defaults too;
//   - 32- and 64-bit integers and doubles are JSON numbers (not strings), bools are bools;
//   - enums are lower-case value names without the enum's prefix (CampaignState PASSED ->
//     "passed", CAMPAIGN_STATE_UNSPECIFIED -> "unspecified"); a number the proto does not name
//     stays a number;
//   - an unset message field is null; of a oneof only the member that is set is printed;
//   - repeated fields are arrays, maps objects, bytes base64.
// The same conventions as report.json (numbers, lower case, null where unavailable).
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

namespace mt::client {

// Objects keep their keys in the order written (the proto's field order), not sorted.
using Json = nlohmann::ordered_json;

Json to_json(const google::protobuf::Message& message);

// "passed" for CampaignState PASSED, "unspecified" for CAMPAIGN_STATE_UNSPECIFIED.
std::string enum_json_name(const google::protobuf::EnumValueDescriptor& value);

// Indented by 2, one trailing newline; invalid UTF-8 is replaced, never thrown on.
std::string dump_json(const Json& j);

}  // namespace mt::client
