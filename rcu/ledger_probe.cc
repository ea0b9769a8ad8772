#include "rcu/ledger_probe.h"

#include <bpf/btf.h>
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <memory>

#include "common/fs.h"
#include "kernel/system_probe.h"
#include "rcu/kernel_symbols.h"
#include "rcu/percpu_offsets.h"

namespace mt::rcu {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

// "[none] integrity confidentiality" → "none".
std::string selected_lockdown(std::string_view text) {
  const auto open = text.find('[');
  const auto close = text.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return {};
  return std::string(text.substr(open + 1, close - open - 1));
}

}  // namespace

LedgerHostFacts probe_ledger_host(const LedgerProbeEnv& env) {
  LedgerHostFacts f;
  const std::filesystem::path btf_file = env.btf.empty() ? env.sys / "kernel/btf/vmlinux" : env.btf;
  if (auto status = fs::read_file(env.proc / "self/status")) {
    f.privileged = kernel::status_has_capability(*status, kCapSysAdmin) ||
                   (kernel::status_has_capability(*status, kCapBpf) &&
                    kernel::status_has_capability(*status, kCapPerfmon));
  }
  if (auto l = fs::read_line(env.sys / "kernel/security/lockdown"))
    f.lockdown = selected_lockdown(*l);
  if (auto text = fs::read_file(env.proc / "kallsyms"))
    f.kallsyms_addresses = parse_text_layout(*text, {}).ok();
  f.do_rcu_barrier =
      ::access((env.sys / "module/rcutree/parameters/do_rcu_barrier").c_str(), W_OK) == 0;

  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__parse(btf_file.c_str(), nullptr),
                                                         btf__free);
  if (!btf) {
    f.btf_error = fmt::format("no kernel BTF at {} ({}): needs CONFIG_DEBUG_INFO_BTF",
                              btf_file.string(), fs::errno_text(errno));
    return f;
  }
  f.btf = true;
  auto has_typedef = [&](const char* name) {
    return btf__find_by_name_kind(btf.get(), name, BTF_KIND_TYPEDEF) > 0;
  };
  f.tp_rcu_utilization = has_typedef("btf_trace_rcu_utilization");
  f.tp_kmem_cache_free = has_typedef("btf_trace_kmem_cache_free");
  f.tp_sched_update_nr_running = has_typedef("btf_trace_sched_update_nr_running_tp");
  f.kfunc_get_kmem_cache =
      btf__find_by_name_kind(btf.get(), "bpf_get_kmem_cache", BTF_KIND_FUNC) > 0;
  if (auto vars = percpu_var_offsets(btf.get(), {"runqueues", "rcu_data", "krc"})) {
    f.percpu_runqueues = vars->count("runqueues") > 0;
    f.percpu_rcu_data = vars->count("rcu_data") > 0;
    f.percpu_krc = vars->count("krc") > 0;
  }
  return f;
}

std::optional<std::string> unavailable_reason(const LedgerHostFacts& f) {
  if (!f.btf) return f.btf_error.empty() ? "no kernel BTF" : f.btf_error;
  if (!f.privileged)
    return "not privileged: loading tracing BPF needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)";
  if (f.lockdown == "confidentiality")
    return "kernel lockdown is 'confidentiality': BPF may not read kernel memory";
  if (!f.kallsyms_addresses)
    return "/proc/kallsyms hides addresses (kptr_restrict) or has no _stext/_etext";
  if (!f.tp_rcu_utilization)
    return "no rcu:rcu_utilization tracepoint in this kernel's BTF (RCU tracepoints not built)";
  if (!f.tp_kmem_cache_free) return "no kmem:kmem_cache_free tracepoint in this kernel's BTF";
  if (!f.tp_sched_update_nr_running)
    return "no sched_update_nr_running_tp tracepoint: cannot find the per-CPU runqueues";
  if (!f.percpu_runqueues || !f.percpu_rcu_data)
    return "the kernel BTF's .data..percpu has no runqueues/rcu_data (not a TREE_RCU kernel, or "
           "BTF without per-CPU variables)";
  return std::nullopt;
}

std::optional<std::string> ledger_unavailable_reason(const LedgerProbeEnv& env) {
  return unavailable_reason(probe_ledger_host(env));
}

std::optional<std::string> unsized_reason(const LedgerHostFacts& f) {
  if (f.btf && !f.kfunc_get_kmem_cache)
    return "no bpf_get_kmem_cache kfunc (kernels before 6.13): callbacks are counted, not sized";
  return std::nullopt;
}

std::optional<std::string> ledger_unsized_reason(const LedgerProbeEnv& env) {
  return unsized_reason(probe_ledger_host(env));
}

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  auto number = [](std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && out >= 0;
  };
  while (true) {
    const auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    const auto dash = part.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!number(part, lo)) return make_error(fmt::format("bad CPU list '{}'", text));
      hi = lo;
    } else if (!number(part.substr(0, dash), lo) || !number(part.substr(dash + 1), hi) || hi < lo) {
      return make_error(fmt::format("bad CPU range '{}'", part));
    }
    if (hi > kMaxCpuNumber)
      return make_error(fmt::format("CPU list '{}': CPU {} is above {}", text, hi, kMaxCpuNumber));
    if (!cpus.empty() && lo <= cpus.back())
      return make_error(fmt::format("CPU list '{}': '{}' is not above the CPUs before it", text,
                                    part));
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return cpus;
}

}  // namespace mt::rcu
