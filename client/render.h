// What memtorturectl prints: the live progress line, the end-of-run summary, JUnit XML.
// Pure functions over protobuf messages, unit-tested without a daemon.
#pragma once

#include <string>

#include "memtorture/v1/memtorture.pb.h"

namespace mt::client {

namespace pb = ::memtorture::v1;

// Exit codes of memtorturectl (README.md, "Exit codes").
enum ExitCode : int {
  kPassed = 0,
  kFailed = 1,       // criteria failed
  kInvalid = 2,      // invalid campaign or usage
  kUnreachable = 3,  // daemon unreachable, campaign error or aborted
};
int exit_code_for(pb::CampaignState state);
std::string state_name(pb::CampaignState state);  // "passed", "running", ...

// Folds the event stream into what the progress line shows.
class Progress {
 public:
  void apply(const pb::CampaignEvent& ev);
  // "[  5.2s/10.0s] running  mem 123.4Mi/256.0Mi  psi some 1.20 full 0.00  flood 210.3k ops/s"
  std::string line() const;
  // A line worth printing on its own (OOM kill, PSI trigger, failed criterion, log); empty if none.
  static std::string notable(const pb::CampaignEvent& ev);
  pb::CampaignState state() const { return state_; }

 private:
  // Sum of the running floods' recent ops/s.
  static double flood_rate(const google::protobuf::RepeatedPtrField<pb::WorkloadStatus>& workloads);
  double t_s_ = 0, duration_s_ = 0;
  pb::CampaignState state_ = pb::PENDING;
  pb::Sample sample_;
  bool have_sample_ = false;
  double flood_ops_per_s_ = 0;
  std::uint64_t oom_kills_ = 0;
};

std::string summary(const pb::Campaign& c);
std::string junit_xml(const pb::Campaign& c);
std::string xml_escape(std::string_view s);

}  // namespace mt::client
