// libFuzzer target: the parsers of what the daemon and the worker read from the kernel (and from
// the programs a worker runs), each pure and fed the bytes after the first; the first byte picks
// the parser:
//   p  PSI file (kernel/psi.h)                    f  memory.stat, memory.events (flat keyed)
//   l  memory.max, limit_in_bytes                 m  /proc/meminfo
//   M  mountinfo (cgroup/layout.h)                k  a /dev/kmsg record, the OOM killer's line
//   s  /proc/<pid>/task/<tid>/stat                c  /proc/<pid>/status (CapEff)
//   K  /proc/kallsyms (rcu/kernel_symbols.h)      C  a sysfs CPU list (rcu/ledger_probe.h)
//   r  rcutorture's log lines (workloads/rcutorture_log.h), one record per line
//   S  stress-ng's YAML metrics (workloads/stress_ng/metrics.h)
// Other first bytes do nothing. Beyond not crashing, each parser must keep what its header
// promises (figures finite and not negative, mount points absolute, ...).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/layout.h"
#include "kernel/kmsg.h"
#include "kernel/memory_files.h"
#include "kernel/process_state.h"
#include "kernel/psi.h"
#include "kernel/system_probe.h"
#include "rcu/kernel_symbols.h"
#include "rcu/ledger_probe.h"
#include "tests/fuzz/fuzz_check.h"
#include "workloads/rcutorture_log.h"
#include "workloads/stress_ng/metrics.h"

namespace {

using mt::fuzz::fail;

bool non_negative(double v) {
  return std::isfinite(v) && v >= 0;
}

void psi(std::string_view text) {
  auto p = mt::kernel::parse_psi(text);
  if (!p) return;
  for (const mt::kernel::PsiLine* line : {&p->some, p->full ? &*p->full : nullptr}) {
    if (line == nullptr) continue;
    if (!non_negative(line->avg10) || !non_negative(line->avg60) || !non_negative(line->avg300))
      fail("parse_psi() accepted an average that is not a non-negative number");
  }
}

void flat_keyed(std::string_view text) {
  auto stat = mt::kernel::parse_flat_keyed(text);
  if (!stat) return;
  (void)mt::kernel::reclaimable_bytes(*stat, false);
  (void)mt::kernel::reclaimable_bytes(*stat, true);
  (void)mt::kernel::reclaim_counters_v2(*stat);
  (void)mt::kernel::reclaim_counters_vmstat(*stat);
}

void mountinfo(std::string_view text) {
  auto mounts = mt::cgroup::parse_mountinfo(text);
  if (!mounts) return;
  for (const auto& m : *mounts)
    if (!m.mount_point.is_absolute())
      fail("parse_mountinfo() accepted a mount point that is not absolute", m.mount_point.string());
}

void kmsg(std::string_view record) {
  if (auto r = mt::kernel::parse_kmsg_record(record)) {
    if (r->text.find('\n') != std::string_view::npos)
      fail("parse_kmsg_record() left a continuation line in the text");
    if (r->text.data() < record.data() ||
        r->text.data() + r->text.size() > record.data() + record.size())
      fail("parse_kmsg_record()'s text is not within the record");
  }
  (void)mt::kernel::parse_oom_kill_record(record);
  (void)mt::workloads::kernel_log_message(record);
}

void kallsyms(std::string_view text) {
  std::vector<std::uint64_t> addrs;
  for (std::size_t i = 0; i < text.size() && addrs.size() < 64;) {
    const auto nl = text.find('\n', i);
    const std::string_view line = text.substr(i, nl == std::string_view::npos ? nl : nl - i);
    if (auto l = mt::rcu::parse_kallsyms_line(line)) {
      if (l->name.empty()) fail("parse_kallsyms_line() gave a symbol without a name");
      addrs.push_back(l->addr);
      addrs.push_back(l->addr + 0x10);
    }
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  auto layout = mt::rcu::parse_text_layout(text, {"rcu_free_sheaf", "kfree_rcu_work"});
  if (layout && layout->etext <= layout->stext)
    fail("parse_text_layout() accepted a kernel text that ends before it starts");
  (void)mt::rcu::resolve_symbols(text, addrs);
}

void cpu_list(std::string_view text) {
  auto cpus = mt::rcu::parse_cpu_list(text);
  if (!cpus) return;
  for (int c : *cpus)
    if (c < 0) fail("parse_cpu_list() gave a negative CPU");
}

void rcutorture_log(std::string_view text) {
  mt::workloads::RcutortureLogParser parser;
  for (std::size_t i = 0; i < text.size();) {
    const auto nl = text.find('\n', i);
    parser.feed(text.substr(i, nl == std::string_view::npos ? nl : nl - i));
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  (void)parser.result();
}

void stress_ng_metrics(std::string_view text) {
  auto metrics = mt::workloads::stress_ng::parse_metrics(text);
  if (!metrics) return;
  std::vector<std::string> requested = {"vm", "dentry"};
  for (const auto& m : *metrics) requested.push_back(m.stressor);
  (void)mt::workloads::stress_ng::missing_stressors(requested, *metrics);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'p':
      psi(text);
      break;
    case 'f':
      flat_keyed(text);
      break;
    case 'l':
      (void)mt::kernel::parse_limit(text);
      break;
    case 'm':
      (void)mt::kernel::parse_meminfo(text);
      break;
    case 'M':
      mountinfo(text);
      break;
    case 'k':
      kmsg(text);
      break;
    case 's':
      (void)mt::kernel::stat_state(text);
      break;
    case 'c':
      for (int cap : {0, 24, 63, 64}) (void)mt::kernel::status_has_capability(text, cap);
      break;
    case 'K':
      kallsyms(text);
      break;
    case 'C':
      cpu_list(text);
      break;
    case 'r':
      rcutorture_log(text);
      break;
    case 'S':
      stress_ng_metrics(text);
      break;
    default:
      break;
  }
  return 0;
}
