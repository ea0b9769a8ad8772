// Following a campaign to its end (run, watch) and what the command then reports: the summary
// or report, the JUnit file, the exit code. The JUnit file is written on every path, also when
// there is no campaign to report (file invalid, start refused, daemon unreachable, stream
// lost, interrupted): then with one failing test case that says why.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "client/daemon_client.h"
#include "client/render.h"

namespace mt::client {

// How a command that follows a campaign ended: a campaign to report, or why there is none.
struct Outcome {
  std::optional<pb::Campaign> campaign;
  std::optional<Failure> failure;  // set when campaign is not
  std::string note;                // printed before the summary (where it came from)
  std::string report_json;         // for --json: the finished campaign's report.json

  static Outcome of(pb::Campaign c, std::string note = {}) {
    Outcome o;
    o.campaign = std::move(c);
    o.note = std::move(note);
    return o;
  }
  static Outcome failed(Failure f) {
    Outcome o;
    o.failure = std::move(f);
    return o;
  }
};

// From the watch stream's status, its final snapshot (null if it sent none) and a GetCampaign
// (`get`, called only when a result can still come): the campaign from GetCampaign (its newest
// state); else the final snapshot, with a note why; else the failure. A stream that ended
// with an error after the final snapshot (CANCELLED when the daemon shuts down) still gives
// the campaign's verdict.
Outcome settle(const std::string& id, const grpc::Status& watch, const pb::Campaign* final_snapshot,
               const std::function<grpc::Status(pb::Campaign*)>& get);

// Watches campaign `id` to the end of its stream, live on stderr, then settle()s.
Outcome follow(DaemonClient& d, const GlobalOptions& g, const std::string& id,
               Interrupt& interrupt);

// Prints the outcome (summary, or --json the report; or the failure on stderr), writes the
// JUnit file when `junit` is set (its suite named `suite` when there is no campaign), and gives
// the exit code.
int conclude(const GlobalOptions& g, const Outcome& outcome, const std::string& junit,
             const std::string& suite, const std::string& id);

// The message for a command interrupted by a second Ctrl-C.
Failure interrupted(const std::string& what);

}  // namespace mt::client
