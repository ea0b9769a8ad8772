// type: flood — threads looping over one flood kind's operation (workloads/floods/).
//   kind: udp_socket | dentry | ...   (required; the list is workloads/floods/kinds.cc)
//   threads: 1..kMaxThreads           (default 1)
//   rate: N | unlimited               (operations per second per thread; default unlimited)
#include <fmt/format.h>

#include <string>

#include "campaign/workload_type.h"
#include "workloads/floods/kinds.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"kind", "threads", "rate"};

void read(const MapFields& m, Need need, const ParseOptions&, WorkloadSpec& w) {
  FloodSpec flood;
  if (auto f = get(m, "kind", need)) {
    const std::vector<std::string_view> names = workloads::flood_kind_names();
    if (auto index = read_choice(*f, "flood kind", names))
      flood.kind = workloads::flood_kinds()[*index];
  }
  if (auto f = m.optional("threads"))
    if (auto n = read_integer(*f, 1, kMaxThreads)) flood.threads = static_cast<int>(*n);
  if (auto f = m.optional("rate")) read_flood_rate(*f, flood.rate);
  w.params = flood;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const FloodSpec& f = *w.flood();
  out << YAML::Key << "kind" << YAML::Value << std::string(f.kind != nullptr ? f.kind->name : "");
  out << YAML::Key << "threads" << YAML::Value << f.threads;
  out << YAML::Key << "rate" << YAML::Value
      << (f.rate ? std::to_string(*f.rate) : std::string("unlimited"));
}

void warn(const WorkloadSpec& w, const std::string& path, const ParseOptions& options,
          const ReadContext& cx, std::vector<Diagnostic>& out) {
  const FloodSpec& f = *w.flood();
  if (options.cpus == 0 || f.threads <= static_cast<int>(options.cpus)) return;
  const std::string threads_path = path + ".threads";
  const SourcePos pos = position_or(cx, threads_path, w.pos);
  out.push_back({options.file_name, pos.line, pos.column,
                 fmt::format("{}: {} threads on a host with {} CPUs: they share the CPUs, so the "
                             "flood will not run faster than with {}",
                             threads_path, f.threads, options.cpus, options.cpus)});
}

}  // namespace

void read_flood_rate(const Field& f, std::optional<std::uint64_t>& rate) {
  const YAML::Node& node = f.node();
  if (node.IsScalar() && node.Scalar() == "unlimited") {
    rate.reset();
    return;
  }
  if (!node.IsScalar() || !is_whole_number(node.Scalar())) {
    f.error(fmt::format("expected 'unlimited' or a whole number of operations per second, got {}",
                        describe(node)));
    return;
  }
  if (auto n = read_integer(f, 1, static_cast<std::int64_t>(kMaxRate))) rate = *n;
}


extern constinit const WorkloadType kFloodType{
    .name = FloodSpec::kTypeName,
    .keys = kKeys,
    .read = read,
    .emit = emit,
    .check = nullptr,
    .warn = warn,
};

}  // namespace mt::campaign
