// type: rcutorture — the kernel's rcutorture module, loaded with its callback-flood forward-
// progress test on and unloaded when the campaign stops (workloads/rcutorture.h).
//   torture_type:         rcu | srcu | srcud | tasks | tasks-rude | tasks-tracing (default rcu)
//   fwd_progress:         forward-progress kthreads, 1..8 (default 1)
//   fwd_progress_div:     its cond_resched() test lasts stall timeout / this .. the stall
//                         timeout (a callback flood: 8 s at most), 1..64 (default 4)
//   fwd_progress_holdoff: rest between floods, whole seconds, 1s..10m (default 5s)
// Refused at validation where the module cannot be loaded (no module support, no modprobe, no
// rcutorture module for the running kernel), with the reason the daemon found at start-up.
#include <fmt/format.h>

#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kKeys[] = {"torture_type", "fwd_progress", "fwd_progress_div",
                                      "fwd_progress_holdoff"};
constexpr std::string_view kTortureTypes[] = {"rcu",   "srcu",       "srcud",
                                              "tasks", "tasks-rude", "tasks-tracing"};

void read(const MapFields& m, Need, const ParseOptions&, WorkloadSpec& w) {
  RcutortureSpec r;
  if (auto f = m.optional("torture_type"))
    if (auto i = read_choice(*f, "torture type", kTortureTypes))
      r.torture_type = std::string(kTortureTypes[*i]);
  if (auto f = m.optional("fwd_progress"))
    if (auto n = read_integer(*f, 1, 8)) r.fwd_progress = static_cast<int>(*n);
  if (auto f = m.optional("fwd_progress_div"))
    if (auto n = read_integer(*f, 1, 64)) r.fwd_progress_div = static_cast<int>(*n);
  if (auto f = m.optional("fwd_progress_holdoff"))
    if (auto d = read_duration(*f);
        d && f->check(*d >= 1s && *d <= 10min && *d % 1s == 0ms,
                      "must be whole seconds from 1s to 10m (the module takes seconds)"))
      r.fwd_progress_holdoff = *d;
  w.params = r;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const RcutortureSpec& r = *w.rcutorture();
  out << YAML::Key << "torture_type" << YAML::Value << r.torture_type;
  out << YAML::Key << "fwd_progress" << YAML::Value << r.fwd_progress;
  out << YAML::Key << "fwd_progress_div" << YAML::Value << r.fwd_progress_div;
  out << YAML::Key << "fwd_progress_holdoff" << YAML::Value
      << duration_to_string(r.fwd_progress_holdoff);
}

}  // namespace

extern constinit const WorkloadType kRcutortureType{
    .name = RcutortureSpec::kTypeName,
    .keys = kKeys,
    .read = read,
    .emit = emit,
    .check = nullptr,
    .warn = nullptr,
};

}  // namespace mt::campaign
