#include "rcu/probe.h"

#include <fmt/format.h>

#include "common/fs.h"

namespace mt::rcu {

Result<std::chrono::nanoseconds> time_rcu_barrier(const std::filesystem::path& sys) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = fs::write_file(sys / "module/rcutree/parameters/do_rcu_barrier", "1"); !st)
    return st.error();
  return std::chrono::steady_clock::now() - t0;
}

std::string grace_period_knobs(const std::filesystem::path& sys) {
  auto read = [&](const char* rel) { return fs::read_line(sys / rel).value_or("?"); };
  return fmt::format("rcu_expedited={} rcu_normal={}", read("kernel/rcu_expedited"),
                     read("kernel/rcu_normal"));
}

ProbeResult probe(const ProbeRequest& request, const ProbeEnv& env) {
  ProbeResult r;
  r.knobs = grace_period_knobs(env.sys);
  if (request.grace_periods > 0 && !membarrier_waits_for_gp(env.cpus)) {
    r.gp_error = "one CPU online: membarrier does not wait for a grace period";
  } else {
    for (int i = 0; i < request.grace_periods; ++i) {
      auto t = env.measure_gp();
      if (!t) {
        r.gp_error = t.error().message;
        break;
      }
      const double us = std::chrono::duration<double, std::micro>(*t).count();
      r.gp_us.push_back(us);
      r.gp.add(us);
    }
  }
  if (request.barrier) {
    if (auto t = env.barrier(env.sys))
      r.barrier_us = std::chrono::duration<double, std::micro>(*t).count();
    else
      r.barrier_error = t.error().message;
  }
  return r;
}

}  // namespace mt::rcu
