// What memtorturectl prints: the live progress line, the end-of-run summary, JUnit XML.
// Pure functions over protobuf messages, unit-tested without a daemon.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>
#include <string_view>

#include "memtorture/v1/memtorture.pb.h"

namespace mt::client {

namespace pb = ::memtorture::v1;

// Exit codes of memtorturectl (README.md, "Exit codes").
enum ExitCode : int {
  kPassed = 0,
  kFailed = 1,       // criteria failed
  kInvalid = 2,      // invalid campaign or usage
  kUnreachable = 3,  // daemon unreachable, campaign error or aborted
  kNotRun = 4,       // the campaign requires what the daemon's host lacks (`requires:`)
};
int exit_code_for(pb::CampaignState state);
std::string state_name(pb::CampaignState state);  // "passed", "running", ...
bool is_final(pb::CampaignState state);           // passed, failed, aborted, error


// "1 workload", "2 workloads"; "1 criterion", "3 criteria" (plural given for irregular nouns).
// A named metric's value in its unit: bytes as 12.5Mi, % with two decimals, counts as 1.2k.
std::string metric_text(double value, const std::string& unit);
std::string counted(std::size_t n, std::string_view singular, std::string_view plural = {});

// Folds the event stream into what the progress line shows.
class Progress {
 public:
  // Folds one event in. Returns a line worth printing on its own (notable() of the event), or
  // empty; a failed criterion is returned only the first time it is seen (the daemon sends it
  // when it first fails and again with the final results).
  std::string apply(const pb::CampaignEvent& ev);
  // "[  5.2s/10.0s] running  mem 123.4Mi/256.0Mi (48%)  kernel 20.1Mi  headroom 132.6Mi
  //  psi some 1.20 full 0.00  flood 210.3k ops/s  oom elevated in ~7.0s" (one line). "failcnt
  // N" and "OOM kills N" only when not 0; the flood part only when the campaign has a flood
  // workload; the oom part from the current sample (oom_text).
  std::string line() const;
  // A line worth printing on its own (OOM kill, PSI trigger, failed criterion, log); empty if none.
  static std::string notable(const pb::CampaignEvent& ev);
  pb::CampaignState state() const { return state_; }
  // The stream's last snapshot if its state is final (the daemon's last event), else null.
  const pb::Campaign* final_snapshot() const {
    return final_snapshot_ ? &*final_snapshot_ : nullptr;
  }

 private:
  // Sum of the running floods' recent ops/s.
  static double flood_rate(const google::protobuf::RepeatedPtrField<pb::WorkloadStatus>& workloads);
  static bool has_flood(const google::protobuf::RepeatedPtrField<pb::WorkloadStatus>& workloads);
  double t_s_ = 0, duration_s_ = 0;
  pb::CampaignState state_ = pb::PENDING;
  pb::Sample sample_;
  bool have_sample_ = false;
  bool has_flood_ = false;
  double flood_ops_per_s_ = 0;
  std::uint64_t oom_kills_ = 0;
  std::set<std::string> failed_criteria_shown_;
  std::optional<pb::Campaign> final_snapshot_;
  std::vector<pb::MetricDef> metrics_;  // the parts' named figures, from the snapshot
  std::map<std::string, double> latest_metrics_;  // each figure's latest value, by name
};

// The live line's OOM part from a sample's oom.* figures: "  oom critical in ~3.2s", "  oom in
// ~12s" (ok, but growing), "  oom elevated" (no ETA), "  oom reached" (a kill in the last
// seconds); empty when ok and not growing.
std::string oom_text(const pb::Sample& s);
std::string eta_text(double seconds);       // "3.2s", "12s"
std::string oom_level_name(double level);   // oom.proximity's number as its word
// One GetOomProximity look as memtorturectl oom prints it (a few lines).
std::string oom_look_text(const pb::OomProximity& look);

std::string summary(const pb::Campaign& c);
std::string junit_xml(const pb::Campaign& c);
// A campaign that never gave a result (file invalid, start refused, daemon unreachable, stream
// lost, interrupted): one failing "campaign" test case that says why, so CI sees a failure
// rather than a missing file. `id` is left out when empty.
std::string junit_error_xml(const std::string& suite, const std::string& id,
                            const std::string& message);
std::string xml_escape(std::string_view s);

// `probe --ledger`: what the RCU ledger read (freed per cache per second, pending callbacks and
// bytes by function and by cache, kfree_rcu() batches, the barrier's backlog, what it does not
// cover), one section per step that worked; lines labelled like the rest of the probe's.
std::string ledger_text(const pb::LedgerReading& l);

}  // namespace mt::client
