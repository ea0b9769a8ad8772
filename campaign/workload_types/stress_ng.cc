// type: stress_ng — stress-ng run inside the cgroup from a job file memtorture writes.
//   stressors:  a map of stress-ng options (required), checked against the allow-list of
//               workloads/stress_ng/options.h: each key an option name, each value of the
//               option's type:
//                 a stressor (vm, dentry, udp, ...): its instances, 0..1024 (0: one per CPU)
//                 <stressor>-ops, counts:            a whole number >= 0
//                 sizes (vm-bytes, ...):             a size ("64Mi")
//                 flags (vm-keep, aggressive, ...):  true or false (false: left out)
//                 choices (dentry-order, ...):       one of the option's words
//               An option of a stressor needs that stressor in the same map, and at least one
//               stressor must be there. Options memtorture sets itself (timeout, yaml, temp-path,
//               ...) are refused with the reason.
#include <fmt/format.h>

#include "campaign/rules.h"
#include "campaign/workload_type.h"
#include "common/units.h"
#include "workloads/stress_ng/options.h"

namespace mt::campaign {
namespace {

namespace sng = workloads::stress_ng;

constexpr std::string_view kKeys[] = {"stressors"};
constexpr std::int64_t kMaxInstances = 1024;

std::vector<std::string_view> allowed_names() {
  std::vector<std::string_view> names;
  for (const sng::OptionDef& d : sng::option_defs()) names.push_back(d.name);
  return names;
}

// The job file's value of `f` for option `d`, or nullopt after reporting what is wrong.
std::optional<std::string> read_value(const Field& f, const sng::OptionDef& d) {
  using enum sng::ValueType;
  switch (d.type) {
    case instances:
      if (auto n = read_integer(f, 0, kMaxInstances)) return std::to_string(*n);
      return std::nullopt;
    case count:
      if (auto n = read_integer(f, 0, std::int64_t{1} << 53)) return std::to_string(*n);
      return std::nullopt;
    case size:
      if (auto n = read_size(f)) return std::to_string(*n);
      return std::nullopt;
    case flag:
      if (auto b = read_bool(f)) return *b ? std::string() : std::string("false");
      return std::nullopt;
    case choice:
      if (auto i = read_choice(f, fmt::format("{} value", d.name), d.choices))
        return std::string(d.choices[*i]);
      return std::nullopt;
  }
  return std::nullopt;
}

void read_stressors(const Field& f, const MapFields& parent, StressNgSpec& out) {
  if (!f.node().IsMap()) {
    f.error(fmt::format("expected a map of stress-ng options (vm: 1, vm-bytes: 64Mi), got {}",
                        describe(f.node())));
    return;
  }
  const MapFields m(f.node(), f.path(), parent.context());
  const std::vector<std::string_view> allowed = allowed_names();
  m.reject_unknown(allowed, [](std::string_view key) -> std::optional<std::string> {
    if (auto why = sng::reserved_reason(key))
      return fmt::format("stress-ng option '{}' is not allowed here: {}", key, *why);
    return std::nullopt;
  });
  bool reported = false;
  for (const std::string& name : m.names()) {
    const sng::OptionDef* d = sng::find_option(name);
    auto field = m.optional(name);
    auto value = d != nullptr ? read_value(*field, *d) : std::nullopt;
    if (!value) {  // reported
      reported = true;
      continue;
    }
    if (*value == "false") continue;  // a flag left out
    out.options.push_back({name, *value, field->pos()});
  }
  // An option of a stressor that is not asked for would be silently ignored by stress-ng.
  const std::vector<std::string> stressors = out.stressors();
  for (const StressNgOption& o : out.options) {
    const sng::OptionDef* d = sng::find_option(o.name);
    if (d->stressor.empty() || d->type == sng::ValueType::instances) continue;
    if (std::find(stressors.begin(), stressors.end(), d->stressor) == stressors.end())
      m.optional(o.name)->error(fmt::format(
          "{} is an option of the {} stressor, which this map does not start (add {}: 1)",
          o.name, d->stressor, d->stressor));
  }
  if (stressors.empty() && !reported)
    f.error("names no stressor: add one, e.g. vm: 1 (stressors: " +
            join_words(sng::stressor_names(), ", ") + ")");
}

void read(const MapFields& m, Need need, const ParseOptions&, WorkloadSpec& w) {
  StressNgSpec sn;
  if (auto f = get(m, "stressors", need)) read_stressors(*f, m, sn);
  w.params = sn;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  out << YAML::Key << "stressors" << YAML::Value << YAML::BeginMap;
  for (const StressNgOption& o : w.stress_ng()->options) {
    out << YAML::Key << o.name << YAML::Value;
    const sng::OptionDef* d = sng::find_option(o.name);
    if (o.value.empty())
      out << true;
    else if (d != nullptr && d->type == sng::ValueType::size)
      out << size_to_string(std::stoull(o.value));
    else
      out << o.value;
  }
  out << YAML::EndMap;
}

}  // namespace

extern constinit const WorkloadType kStressNgType{
    .name = StressNgSpec::kTypeName,
    .keys = kKeys,
    .read = read,
    .emit = emit,
    .check = nullptr,
    .warn = nullptr,
};

}  // namespace mt::campaign
