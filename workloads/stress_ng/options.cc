#include "workloads/stress_ng/options.h"

#include <algorithm>
#include <array>

namespace mt::workloads::stress_ng {
namespace {

using enum ValueType;

constexpr std::string_view kDentryOrders[] = {"forward", "reverse", "stride", "random"};
constexpr std::string_view kSockDomains[] = {"ipv4", "ipv6", "unix"};
constexpr std::string_view kInetDomains[] = {"ipv4", "ipv6"};
constexpr std::string_view kSockTypes[] = {"stream", "seqpacket"};
constexpr std::string_view kMadvise[] = {"dontneed", "hugepage", "mergeable", "nohugepage",
                                         "normal",   "random",   "sequential", "willneed"};

// Stressors whose kernel paths free through RCU or make reclaim work (file systems, sockets,
// processes, System V IPC, memory), each with its `<name>-ops` bound, then their own options.
constexpr OptionDef kOptions[] = {
    {"dentry", instances, "dentry"},
    {"fork", instances, "fork"},
    {"vfork", instances, "vfork"},
    {"clone", instances, "clone"},
    {"sock", instances, "sock"},
    {"sockfd", instances, "sockfd"},
    {"udp", instances, "udp"},
    {"epoll", instances, "epoll"},
    {"pipe", instances, "pipe"},
    {"close", instances, "close"},
    {"open", instances, "open"},
    {"rename", instances, "rename"},
    {"link", instances, "link"},
    {"sem-sysv", instances, "sem-sysv"},
    {"msg", instances, "msg"},
    {"shm-sysv", instances, "shm-sysv"},
    {"vm", instances, "vm"},
    {"bigheap", instances, "bigheap"},
    {"brk", instances, "brk"},
    {"mmap", instances, "mmap"},
    {"malloc", instances, "malloc"},
    {"memfd", instances, "memfd"},

    {"dentry-ops", count, "dentry"},
    {"dentries", count, "dentry"},
    {"dentry-order", choice, "dentry", kDentryOrders},
    {"fork-ops", count, "fork"},
    {"fork-max", count, "fork"},
    {"vfork-ops", count, "vfork"},
    {"vfork-max", count, "vfork"},
    {"clone-ops", count, "clone"},
    {"clone-max", count, "clone"},
    {"sock-ops", count, "sock"},
    {"sock-domain", choice, "sock", kSockDomains},
    {"sock-type", choice, "sock", kSockTypes},
    {"sockfd-ops", count, "sockfd"},
    {"udp-ops", count, "udp"},
    {"udp-domain", choice, "udp", kInetDomains},
    {"udp-lite", flag, "udp"},
    {"epoll-ops", count, "epoll"},
    {"epoll-domain", choice, "epoll", kSockDomains},
    {"pipe-ops", count, "pipe"},
    {"pipe-data-size", size, "pipe"},
    {"pipe-size", size, "pipe"},
    {"close-ops", count, "close"},
    {"open-ops", count, "open"},
    {"rename-ops", count, "rename"},
    {"link-ops", count, "link"},
    {"sem-sysv-ops", count, "sem-sysv"},
    {"sem-sysv-procs", count, "sem-sysv"},
    {"msg-ops", count, "msg"},
    {"shm-sysv-ops", count, "shm-sysv"},
    {"shm-sysv-bytes", size, "shm-sysv"},
    {"shm-sysv-segs", count, "shm-sysv"},
    {"vm-ops", count, "vm"},
    {"vm-bytes", size, "vm"},
    {"vm-keep", flag, "vm"},
    {"vm-populate", flag, "vm"},
    {"vm-hang", count, "vm"},
    {"vm-madvise", choice, "vm", kMadvise},
    {"bigheap-ops", count, "bigheap"},
    {"bigheap-growth", size, "bigheap"},
    {"brk-ops", count, "brk"},
    {"brk-notouch", flag, "brk"},
    {"mmap-ops", count, "mmap"},
    {"mmap-bytes", size, "mmap"},
    {"mmap-file", flag, "mmap"},
    {"mmap-async", flag, "mmap"},
    {"malloc-ops", count, "malloc"},
    {"malloc-bytes", size, "malloc"},
    {"malloc-max", count, "malloc"},
    {"memfd-ops", count, "memfd"},
    {"memfd-bytes", size, "memfd"},
    {"memfd-fds", count, "memfd"},

    {"aggressive", flag, ""},
    {"page-in", flag, ""},
};

struct Reserved {
  std::string_view name;
  std::string_view why;
};
constexpr Reserved kReserved[] = {
    {"timeout", "the campaign's duration ends the run (memtorture stops stress-ng with SIGTERM)"},
    {"t", "the campaign's duration ends the run (memtorture stops stress-ng with SIGTERM)"},
    {"job", "memtorture writes the job file itself"},
    {"yaml", "memtorture writes the YAML metrics where it reads them"},
    {"Y", "memtorture writes the YAML metrics where it reads them"},
    {"log-file", "memtorture keeps stress-ng's log beside the worker's"},
    {"temp-path", "stress-ng works in the workload's own directory"},
    {"metrics", "memtorture always asks for metrics"},
    {"oomable", "memtorture always runs stress-ng --oomable, so OOM-killed stressors stay dead"},
    {"oom-avoid", "it reads system-wide free memory, not the cgroup's limit"},
    {"all", "it starts every stressor, most of them outside what memtorture measures"},
    {"sequential", "it starts every stressor, most of them outside what memtorture measures"},
    {"class", "it starts whole classes of stressors; name them one by one"},
    {"exec", "it runs other programs"},
    {"taskset", "CPU placement is the campaign's, not the workload's"},
    {"sched", "scheduling policy is the campaign's, not the workload's"},
};

}  // namespace

std::span<const OptionDef> option_defs() {
  return kOptions;
}

const OptionDef* find_option(std::string_view name) {
  const auto it = std::find_if(std::begin(kOptions), std::end(kOptions),
                               [name](const OptionDef& d) { return d.name == name; });
  return it == std::end(kOptions) ? nullptr : &*it;
}

std::vector<std::string_view> stressor_names() {
  std::vector<std::string_view> names;
  for (const OptionDef& d : kOptions)
    if (d.type == instances) names.push_back(d.name);
  return names;
}

std::optional<std::string> reserved_reason(std::string_view name) {
  for (const Reserved& r : kReserved)
    if (r.name == name) return std::string(r.why);
  return std::nullopt;
}

std::string job_file_text(std::span<const Option> options) {
  std::string text = "# written by memtorture from the campaign's stressors:\n";
  for (const Option& o : options) {
    text += o.name;
    if (!o.value.empty()) text += " " + o.value;
    text += "\n";
  }
  return text;
}

std::vector<std::string> requested_stressors(std::span<const Option> options) {
  std::vector<std::string> out;
  for (const Option& o : options)
    if (const OptionDef* d = find_option(o.name); d != nullptr && d->type == instances)
      out.push_back(o.name);
  return out;
}

}  // namespace mt::workloads::stress_ng
