#include "daemon/verdict.h"

#include <fmt/format.h>

namespace mt::daemon {

Verdict decide(const VerdictInput& in) {
  std::vector<std::string> failures, notes;

  std::size_t passed = 0;
  for (const auto& c : in.criteria) {
    if (c.pass)
      ++passed;
    else
      failures.push_back(fmt::format("{}: {}", c.name, c.detail));
  }

  // A workload runs until the campaign stops it. One that ended before then did not do what the
  // campaign asked of it: the campaign fails, unless it was an OOM kill the campaign allows. So
  // does one that lost a process of its own to an OOM kill.
  const bool oom_allowed = in.expect_oom || in.oom_criterion;
  for (const auto& w : in.workloads) {
    // One that had to be SIGKILLed as the campaign stopped lost what it had not reported yet
    // and its own clean-up (rcutorture: its results, and the module's unload).
    if (w.sigkilled && !w.oom_killed)
      failures.push_back(fmt::format("workload {} did not stop: {}", w.name, w.exit_status));
    if (!w.ended_early && !w.oom_killed) continue;
    if (w.oom_killed) {
      // A worker that lived on lost a process of its own (one of stress-ng's stressors).
      const auto what =
          w.ended_early        ? fmt::format("workload {} was OOM-killed at {:.1f} s", w.name, w.ended_s)
          : w.state == "killed" ? fmt::format("workload {} was OOM-killed as the campaign stopped", w.name)
                                : fmt::format("a process of workload {} was OOM-killed", w.name);
      if (in.expect_oom)
        notes.push_back(what + " (expected)");
      else if (in.oom_criterion)
        notes.push_back(what + " (left to max_oom_kills)");
      else
        failures.push_back(what + " (set expect_oom: true or criteria.max_oom_kills if that is "
                                  "expected)");
      continue;
    }
    failures.push_back(fmt::format("workload {} {} before the end, at {:.1f} s: {}", w.name,
                                   w.state == "exited" ? "exited" : "ended", w.ended_s,
                                   w.exit_status));
  }
  if (!oom_allowed && in.oom_kills > 0) {
    bool attributed = false;
    for (const auto& w : in.workloads) attributed = attributed || w.oom_killed;
    if (!attributed)
      failures.push_back(fmt::format("{} OOM kill(s) in the campaign cgroup", in.oom_kills));
  }
  if (in.expect_oom && in.oom_kills == 0)
    failures.push_back("expect_oom is set but no OOM kill happened");

  std::string criteria_text;
  if (in.criteria.empty())
    criteria_text = "no criteria set";
  else if (passed == in.criteria.size())
    criteria_text = in.criteria.size() == 1
                        ? "the criterion passed"
                        : fmt::format("all {} criteria passed", in.criteria.size());
  else
    criteria_text = fmt::format("{} of {} criteria passed", passed, in.criteria.size());

  Verdict v;
  v.state = failures.empty() ? State::passed : State::failed;
  v.reason = fmt::format("{}; {}", in.why_stopped, criteria_text);
  if (!failures.empty()) v.reason += "; failed: " + fmt::format("{}", fmt::join(failures, "; "));
  if (!notes.empty()) v.reason += "; " + fmt::format("{}", fmt::join(notes, "; "));
  return v;
}

}  // namespace mt::daemon
