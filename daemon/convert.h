// Domain <-> protobuf, in one place. Only the gRPC edge includes this.
#pragma once

#include "campaign/parse.h"
#include "daemon/model.h"
#include "daemon/oom_proximity.h"
#include "memtorture/v1/memtorture.pb.h"

namespace mt::rcu {
struct ProbeResult;
}

namespace mt::daemon {

namespace pb = ::memtorture::v1;

void to_pb(const rcu::ProbeResult& in, pb::ProbeRcuResponse* out);
// SystemInfo's ledger fields: available when nothing stands in its way (an empty reason).
void set_ledger_availability(const std::string& unavailable_reason,
                             const std::string& unsized_reason, pb::SystemInfo* out);

pb::CampaignState to_pb(State s);
void to_pb(const Sample& in, pb::Sample* out);
void to_pb(const WorkloadStatus& in, pb::WorkloadStatus* out);
void to_pb(const campaign::Diagnostic& in, pb::ConfigError* out);
void to_pb(const CriterionResult& in, pb::CriterionResult* out);
void to_pb(const CampaignView& in, pb::Campaign* out);
void to_pb(const Event& in, pb::CampaignEvent* out);
void to_pb(const OomProximityView& in, const std::string& of, pb::OomProximity* out);

}  // namespace mt::daemon
