#include "rcu/percpu_offsets.h"

#include <bpf/btf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/fs.h"

namespace mt::rcu {

Result<std::map<std::string, std::uint64_t>> percpu_var_offsets(
    const struct btf* btf, const std::vector<std::string>& names) {
  const int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
  if (id < 0)
    return make_error(
        "kernel BTF has no .data..percpu DATASEC (pahole too old to emit it, or "
        "a kernel without per-CPU variables in BTF)");
  const struct btf_type* sec = btf__type_by_id(btf, id);
  const struct btf_var_secinfo* v = btf_var_secinfos(sec);
  std::map<std::string, std::uint64_t> out;
  for (unsigned i = 0; i < btf_vlen(sec); ++i, ++v) {
    const struct btf_type* var = btf__type_by_id(btf, v->type);
    if (!var) continue;
    const char* name = btf__name_by_offset(btf, var->name_off);
    if (!name) continue;
    if (std::find(names.begin(), names.end(), name) != names.end()) out[name] = v->offset;
  }
  return out;
}

Result<PercpuOffsets> percpu_offsets(const struct btf* btf) {
  auto found = percpu_var_offsets(btf, {"runqueues", "rcu_data", "krc"});
  if (!found) return found.error();
  PercpuOffsets o;
  for (const char* required : {"runqueues", "rcu_data"})
    if (!found->count(required))
      return make_error(
          fmt::format("kernel BTF .data..percpu has no `{}` (not a TREE_RCU "
                      "SMP kernel?)",
                      required));
  o.runqueues = found->at("runqueues");
  o.rcu_data = found->at("rcu_data");
  if (found->count("krc")) o.krc = found->at("krc");
  return o;
}

Result<PercpuOffsets> read_percpu_offsets(const std::filesystem::path& btf_file) {
  std::unique_ptr<struct btf, void (*)(struct btf*)> btf(btf__parse(btf_file.c_str(), nullptr),
                                                         btf__free);
  if (!btf) {
    const int err = errno;
    return make_error(
        fmt::format("cannot parse kernel BTF {}: {}", btf_file.string(), fs::errno_text(err)));
  }
  return percpu_offsets(btf.get());
}

}  // namespace mt::rcu
