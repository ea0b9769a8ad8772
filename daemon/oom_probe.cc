#include "daemon/oom_probe.h"

#include <fmt/format.h>

#include <algorithm>

#include "cgroup/cgroup.h"
#include "common/fs.h"
#include "kernel/memory_files.h"
#include "kernel/psi.h"

namespace mt::daemon {
namespace stdfs = std::filesystem;

Result<std::filesystem::path> oom_cgroup_relative_path(const cgroup::Layout& layout,
                                                       const std::string& prefix,
                                                       std::string_view cgroup) {
  stdfs::path p(cgroup);
  if (p.is_absolute()) {
    auto below = [](const stdfs::path& path, const stdfs::path& base) {
      stdfs::path rel = path.lexically_normal().lexically_relative(base.lexically_normal());
      return (rel.empty() || *rel.begin() == "..") ? stdfs::path{} : rel;
    };
    // A full path under the campaign root, or a path from the hierarchy's root as
    // /proc/<pid>/cgroup gives it ("/memtorture/x", "/system.slice/s.service/memtorture/x").
    stdfs::path rel = below(p, layout.campaign_root());
    if (rel.empty()) {
      const stdfs::path from_root = stdfs::path("/") / p.relative_path();
      const stdfs::path parent =
          stdfs::path("/") / layout.campaign_root().lexically_relative(layout.memory_root);
      rel = below(from_root, parent.lexically_normal());
      if (rel.empty()) rel = p.relative_path();
    }
    p = rel;
  }
  p = p.lexically_normal();
  if (p.has_parent_path() && p.filename().empty()) p = p.parent_path();  // "a/b/" is "a/b"
  if (p.empty() || p == ".")
    return make_error(fmt::format("'{}' names no cgroup; give one under '{}'", cgroup, prefix));
  for (const auto& part : p)
    if (part == "..")
      return make_error(fmt::format("'{}' leaves the '{}' prefix ('..')", cgroup, prefix));
  if (*p.begin() != prefix)
    return make_error(
        fmt::format("'{}' is not under the daemon's cgroup prefix '{}'", cgroup, prefix));
  return p;
}

Result<OomProbeTarget> resolve_oom_cgroup(const cgroup::Layout& layout, const std::string& prefix,
                                          std::string_view cgroup) {
  auto rel = oom_cgroup_relative_path(layout, prefix, cgroup);
  if (!rel) return rel.error();
  const stdfs::path& p = *rel;
  OomProbeTarget t;
  t.memory_dir = layout.campaign_root() / p;
  t.memory_v2 = layout.memory_v2;
  std::error_code ec;
  if (!stdfs::is_directory(*t.memory_dir, ec))
    return make_error(fmt::format("'{}': no such memory cgroup ({})", cgroup,
                                  t.memory_dir->string()));
  t.label = "cgroup " + t.memory_dir->string();
  const stdfs::path psi_root = layout.memory_v2 ? layout.campaign_root() : layout.unified_root;
  if (!psi_root.empty())
    if (stdfs::path f = psi_root / p / "memory.pressure"; stdfs::exists(f, ec)) t.pressure_file = f;
  return t;
}

namespace {

struct ProbeState {
  OomProximityRule rule;
  ReclaimRates rates;
};

void add_psi(const std::filesystem::path& file, OomSignals& s) {
  if (auto psi = kernel::read_psi(file)) {
    s.psi_some_avg10 = psi->some.avg10;
    if (psi->full) s.psi_full_avg10 = psi->full->avg10;
  }
}

std::optional<kernel::ReclaimCounters> vmstat_counters(const stdfs::path& proc) {
  if (auto text = fs::read_file(proc / "vmstat"))
    if (auto vm = kernel::parse_flat_keyed(*text)) return kernel::reclaim_counters_vmstat(*vm);
  return std::nullopt;
}

Status look_at_system(const OomProbeEnv& env, double t_s, ProbeState& st,
                      std::optional<OomProximityView>& out, std::optional<double>& mem_total) {
  auto text = fs::read_file(env.proc / "meminfo");
  if (!text) return text.error();
  auto mi = kernel::parse_meminfo(*text);
  if (!mi) return mi.error();
  std::optional<OomSignals> s = system_signals(*mi, t_s);
  if (!s) return make_error((env.proc / "meminfo").string() + ": no MemTotal/MemFree/MemAvailable");
  mem_total = s->limit_bytes;
  add_psi(env.proc / "pressure/memory", *s);
  const OomProximity p = st.rule.look(*s);
  OomProximityView v = make_view(*s, p);
  if (auto c = vmstat_counters(env.proc)) st.rates.update(*c, t_s, v);
  out = std::move(v);
  return {};
}

Status look_at_cgroup(const OomProbeTarget& target, const OomProbeEnv& env, double t_s,
                      std::optional<double> mem_total, ProbeState& st,
                      std::optional<OomProximityView>& out) {
  auto mem = cgroup::read_memory_stats(*target.memory_dir, target.memory_v2);
  if (!mem) return mem.error();
  auto stat = cgroup::read_memory_stat(*target.memory_dir);
  if (!stat) return stat.error();
  OomSignals s;
  s.t_s = t_s;
  s.usage_bytes = static_cast<double>(mem->usage);
  // An unlimited cgroup (or one limited above the machine) meets the system's end first.
  s.limit_bytes = static_cast<double>(mem->limit);
  if (mem_total && (mem->limit == kernel::kUnlimited || s.limit_bytes > *mem_total))
    s.limit_bytes = *mem_total;
  s.reclaimable_bytes = static_cast<double>(kernel::reclaimable_bytes(*stat, target.memory_v2));
  s.oom_kills = mem->oom_kills;
  if (target.pressure_file) add_psi(*target.pressure_file, s);
  const OomProximity p = st.rule.look(s);
  OomProximityView v = make_view(s, p);
  v.failcnt = mem->failcnt;
  const auto counters = target.memory_v2 ? std::optional(kernel::reclaim_counters_v2(*stat))
                                         : vmstat_counters(env.proc);
  if (counters) st.rates.update(*counters, t_s, v);
  out = std::move(v);
  return {};
}

}  // namespace

OomProbeResult probe_oom(const OomProbeTarget& target, std::chrono::milliseconds window,
                         const OomProbeEnv& env) {
  OomProbeResult r;
  ProbeState sys{OomProximityRule(env.rule), {}}, cg{OomProximityRule(env.rule), {}};
  const auto interval = std::max(env.interval, std::chrono::milliseconds(1));
  const auto looks = std::max<std::int64_t>(1, window / interval);
  for (std::int64_t i = 0; i <= looks; ++i) {
    // Times are the schedule's, not the clock's: a late read shifts by a few ms at most, and the
    // estimate's slopes are over seconds.
    const double t_s = std::chrono::duration<double>(interval * i).count();
    std::optional<double> mem_total;
    if (Status s = look_at_system(env, t_s, sys, r.system, mem_total); !s) {
      r.error = "system: " + s.error().message;
      return r;
    }
    if (target.memory_dir)
      if (Status s = look_at_cgroup(target, env, t_s, mem_total, cg, r.cgroup); !s) {
        r.error = target.label + ": " + s.error().message;
        std::error_code ec;
        r.cgroup_gone = !stdfs::is_directory(*target.memory_dir, ec);
        return r;
      }
    if (i < looks && env.wait && !env.wait(interval)) break;
  }
  return r;
}

}  // namespace mt::daemon
