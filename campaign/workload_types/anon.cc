// type: anon — anonymous memory mapped and every page touched, grown linearly, then held.
//   size: a size > 0       (required; at most the machine's memory)
//   ramp: a duration       (reach `size` over this long; default 0: at once)
//   churn_every: a duration >= 100ms, churn_free: 0.05..0.9  (both or neither; need a ramp):
//                          a sawtooth: every churn_every, churn_free of what the ramp added
//                          since the last give-back is given back (the newest pages), and
//                          growth goes on at the ramp's rate: a trend of rate x (1 - churn_free)
//   madvise: none | cold | pageout  (default none), madvise_fraction: 0.05..1 (default 0.5):
//                          once held, every pass advises the first madvise_fraction of the pages
//                          (MADV_COLD or MADV_PAGEOUT) instead of rewriting them
#include <fmt/format.h>

#include "campaign/rules.h"
#include "campaign/workload_type.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kKeys[] = {"size",    "ramp",    "churn_every",
                                      "churn_free", "madvise", "madvise_fraction"};
constexpr std::string_view kMadviseModes[] = {"none", "cold", "pageout"};
constexpr milliseconds kMinChurnEvery{100};
constexpr double kMinChurnFree = 0.05, kMaxChurnFree = 0.9;

void read(const MapFields& m, Need need, const ParseOptions& options, WorkloadSpec& w) {
  AnonSpec anon;
  if (auto f = get(m, "size", need)) {
    const auto size = read_memory_size(*f, options);
    if (size && f->check(*size > 0, "must be greater than 0")) anon.size = *size;
  }
  if (auto f = m.optional("ramp")) assign(anon.ramp, read_duration(*f));
  if (auto f = m.optional("churn_every")) {
    const auto every = read_duration(*f);
    if (every && f->check(*every >= kMinChurnEvery, "must be at least 100ms")) anon.churn_every = *every;
  }
  if (auto f = m.optional("churn_free")) assign(anon.churn_free, read_number(*f, kMinChurnFree, kMaxChurnFree));
  if (auto f = m.optional("madvise"))
    if (auto i = read_choice(*f, "madvise mode", kMadviseModes))
      anon.madvise = static_cast<AnonSpec::Madvise>(*i);
  if (auto f = m.optional("madvise_fraction")) assign(anon.madvise_fraction, read_number(*f, 0.05, 1.0));
  w.params = anon;
}

void emit(YAML::Emitter& out, const WorkloadSpec& w) {
  const AnonSpec& a = *w.anon();
  out << YAML::Key << "size" << YAML::Value << size_to_string(a.size);
  out << YAML::Key << "ramp" << YAML::Value << duration_to_string(a.ramp);
  if (a.churn_every.count() > 0) {
    out << YAML::Key << "churn_every" << YAML::Value << duration_to_string(a.churn_every);
    out << YAML::Key << "churn_free" << YAML::Value << a.churn_free;
  }
  if (a.madvise != AnonSpec::Madvise::none) {
    out << YAML::Key << "madvise" << YAML::Value
        << std::string(kMadviseModes[static_cast<std::size_t>(a.madvise)]);
    out << YAML::Key << "madvise_fraction" << YAML::Value << a.madvise_fraction;
  }
}

void check_churn(const WorkloadSpec& w, const std::string& path, const RuleReader& rules) {
  const RuleValue every = rules.value(path + ".churn_every");
  const RuleValue free = rules.value(path + ".churn_free");
  if (every.given != free.given) {
    const RuleValue& given = every.given ? every : free;
    rules.error(given.pos, path + (every.given ? ".churn_every" : ".churn_free"),
                "churn_every and churn_free go together (how often, and what fraction to give back)");
    return;
  }
  if (!every.given || !every.usable) return;
  if (w.anon()->ramp.count() == 0)
    rules.error(every.pos, path + ".churn_every",
                "a churn needs a ramp (it gives back part of what the ramp grew)");
}

void check(const WorkloadSpec& w, const std::string& path, const RuleReader& rules) {
  check_churn(w, path, rules);
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
