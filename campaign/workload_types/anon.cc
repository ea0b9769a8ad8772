// type: anon — anonymous memory mapped and every page touched, grown linearly, then held.
//   size: a size > 0       (required; at most the machine's memory)
//   ramp: a duration       (reach `size` over this long; default 0: at once)
#include <fmt/format.h>

#include "campaign/rules.h"
#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"size", "ramp"};

void read(const MapFields& m, Need need, const ParseOptions& options, WorkloadSpec& w) {
  AnonSpec anon;
  if (auto f = get(m, "size", need)) {
    const auto size = read_memory_size(*f, options);
    if (size && f->check(*size > 0, "must be greater than 0")) anon.size = *size;
  }
  if (auto f = m.optional("ramp")) assign(anon.ramp, read_duration(*f));
  w.params = anon;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const AnonSpec& a = *w.anon();
  out << YAML::Key << "size" << YAML::Value << size_to_string(a.size);
  out << YAML::Key << "ramp" << YAML::Value << duration_to_string(a.ramp);
}

void check(const WorkloadSpec& w, const std::string& path, const RuleReader& rules) {
  const RuleValue ramp = rules.value(path + ".ramp");
  if (!ramp.given || !ramp.usable) return;
  const auto duration = rules.spec().duration;
  const AnonSpec& a = *w.anon();
  if (w.start_after + a.ramp > duration)
    rules.error(ramp.pos, path + ".ramp",
                fmt::format("start_after + ramp must not exceed duration ({}), got {} + {}",
                            duration_to_string(duration), duration_to_string(w.start_after),
                            duration_to_string(a.ramp)));
}

}  // namespace

extern constinit const WorkloadType kAnonType{
    .name = AnonSpec::kTypeName,
    .keys = kKeys,
    .read = read,
    .emit = emit,
    .check = check,
    .warn = nullptr,
};

}  // namespace mt::campaign
