// type: flood — threads looping over one flood kind's operation (workloads/floods/).
//   kind: udp_socket | dentry | ...   (required; the list is workloads/floods/kinds.cc)
//   threads: 1..kMaxThreads           (default 1)
//   rate: N | unlimited               (operations per second per thread; default unlimited)
//   bursts:                           (optional: rcutorture's forward-progress discipline)
//     flood: duration                 (required, 100ms..10m: a burst's longest flood time)
//     rest: duration                  (default 1s, up to 10m: paused after the barrier)
//     count: 1..10000                 (default: bursts until the campaign ends)
//     barrier: true|false             (default true: an rcu_barrier() after each burst)
//     stop_below_headroom: size       (optional: a burst ends early below this headroom)
#include <fmt/format.h>

#include <string>

#include "campaign/workload_type.h"
#include "common/units.h"
#include "workloads/floods/kinds.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"kind", "threads", "rate", "bursts"};
constexpr std::string_view kBurstKeys[] = {"flood", "rest", "count", "barrier",
                                           "stop_below_headroom"};

using namespace std::chrono_literals;

void read_bursts(const Field& f, const MapFields& parent, std::optional<BurstSpec>& out) {
  if (!f.node().IsMap()) {
    f.error(fmt::format("expected a map (keys: {}), got {}", join_words(kBurstKeys, ", "),
                        describe(f.node())));
    return;
  }
  const MapFields m(f.node(), f.path(), parent.context());
  m.reject_unknown(kBurstKeys);
  BurstSpec b;
  b.pos = f.pos();
  bool ok = true;
  if (auto g = m.required("flood")) {
    auto d = read_duration(*g);
    ok = d && g->check(*d >= 100ms && *d <= 10min, "must be from 100ms to 10m");
    if (ok) b.flood = *d;
  } else {
    ok = false;
  }
  if (auto g = m.optional("rest"))
    if (auto d = read_duration(*g); d && g->check(*d <= 10min, "must be at most 10m")) b.rest = *d;
  if (auto g = m.optional("count"))
    if (auto n = read_integer(*g, 1, 10000)) b.count = static_cast<int>(*n);
  if (auto g = m.optional("barrier"))
    if (auto v = read_bool(*g)) b.barrier = *v;
  if (auto g = m.optional("stop_below_headroom"))
    if (auto v = read_size(*g); v && g->check(*v > 0, "must be greater than 0"))
      b.stop_below_headroom = *v;
  if (ok) out = b;
}

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
  if (auto f = m.optional("bursts")) read_bursts(*f, m, flood.bursts);
  w.params = flood;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const FloodSpec& f = *w.flood();
  out << YAML::Key << "kind" << YAML::Value << std::string(f.kind != nullptr ? f.kind->name : "");
  out << YAML::Key << "threads" << YAML::Value << f.threads;
  out << YAML::Key << "rate" << YAML::Value
      << (f.rate ? std::to_string(*f.rate) : std::string("unlimited"));
  if (!f.bursts) return;
  const BurstSpec& b = *f.bursts;
  out << YAML::Key << "bursts" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "flood" << YAML::Value << duration_to_string(b.flood);
  out << YAML::Key << "rest" << YAML::Value << duration_to_string(b.rest);
  if (b.count) out << YAML::Key << "count" << YAML::Value << *b.count;
  out << YAML::Key << "barrier" << YAML::Value << b.barrier;
  if (b.stop_below_headroom)
    out << YAML::Key << "stop_below_headroom" << YAML::Value << size_to_string(*b.stop_below_headroom);
  out << YAML::EndMap;
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
