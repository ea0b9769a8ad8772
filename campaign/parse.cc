// The campaign schema: which keys each map takes, what each value must be, and the entry point
// parse_campaign(). The generic reading (duplicate keys, units, messages) is in yaml_fields.cc;
// the rules that tie several fields together are in rules.cc.
#include "campaign/parse.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <vector>

#include "campaign/diagnostics.h"
#include "campaign/rules.h"
#include "campaign/source.h"
#include "campaign/yaml_fields.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kTopKeys[] = {"campaign", "description", "duration", "sample_interval",
                                         "cgroup",   "workloads",   "criteria", "expect_oom",
                                         "psi_trigger"};
constexpr std::string_view kCgroupKeys[] = {"memory_limit", "memory_high"};
constexpr std::string_view kWorkloadKeys[] = {"name", "type", "start_after"};
constexpr std::string_view kFloodKeys[] = {"kind", "threads", "rate"};
constexpr std::string_view kAnonKeys[] = {"size", "ramp"};
constexpr std::string_view kCriteriaKeys[] = {"max_oom_kills", "max_psi_some_avg10",
                                              "max_psi_full_avg10", "min_headroom"};
constexpr std::string_view kPsiTriggerKeys[] = {"enabled", "kind", "stall", "window"};

constexpr std::array kWorkloadTypes = {WorkloadType::flood, WorkloadType::anon};
constexpr std::array kFloodKinds = {FloodKind::udp_socket, FloodKind::dentry};
constexpr std::array kPsiKinds = {PsiKind::some, PsiKind::full};

// Whether a key must be there. Type-specific keys are optional while the type is unknown: their
// values are still checked, but a missing one is not reported on top of the unknown type.
enum class Need { required, optional };

template <class T>
void assign(T& target, const std::optional<T>& value) {
  if (value) target = *value;
}

// One of an enum's values, spelled as spec.cc's to_string() spells it.
template <class E, std::size_t N>
std::optional<E> read_enum(const Field& f, std::string_view what, const std::array<E, N>& values) {
  std::array<std::string_view, N> names;
  for (std::size_t i = 0; i < N; ++i) names[i] = to_string(values[i]);
  const auto index = read_choice(f, what, names);
  if (!index) return std::nullopt;
  return values[*index];
}

// A size that must also fit in the machine's memory, when that is known.
std::optional<std::uint64_t> read_memory_size(const Field& f, const ParseOptions& options) {
  const auto size = read_size(f);
  if (!size || options.physical_memory_bytes == 0) return size;
  if (!f.check(*size <= options.physical_memory_bytes,
               fmt::format("must not exceed the physical memory ({})",
                           size_to_string(options.physical_memory_bytes))))
    return std::nullopt;
  return size;
}

std::optional<Field> get(const MapFields& m, std::string_view key, Need need) {
  return need == Need::required ? m.required(key) : m.optional(key);
}

// The map under `key`. Nothing when it is absent, not a map (reported), or optional and left
// empty ("criteria:" with nothing under it means no criteria).
std::optional<MapFields> read_map(const MapFields& parent, std::string_view key, Need need,
                                  std::span<const std::string_view> keys, ReadContext& cx) {
  auto f = get(parent, key, need);
  if (!f || (need == Need::optional && f->node().IsNull())) return std::nullopt;
  if (!f->node().IsMap()) {
    f->error(fmt::format("expected a map (keys: {}), got {}", join_words(keys, ", "),
                         describe(f->node())));
    return std::nullopt;
  }
  return MapFields(f->node(), f->path(), cx);
}

// --- sections ---------------------------------------------------------------------------------

void read_cgroup(const MapFields& m, const ParseOptions& options, CgroupSpec& cgroup) {
  m.reject_unknown(kCgroupKeys);
  if (auto f = m.required("memory_limit")) {
    const auto limit = read_memory_size(*f, options);
    if (limit && f->check(*limit >= kMinMemoryLimit,
                          fmt::format("must be at least {}", size_to_string(kMinMemoryLimit))))
      cgroup.memory_limit = *limit;
  }
  if (auto f = m.optional("memory_high")) cgroup.memory_high = read_size(*f);
}

void read_rate(const Field& f, std::optional<std::uint64_t>& rate) {
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

void read_flood(const MapFields& m, Need kind_need, FloodSpec& flood) {
  if (auto f = get(m, "kind", kind_need))
    assign(flood.kind, read_enum(*f, "flood kind", kFloodKinds));
  if (auto f = m.optional("threads"))
    if (auto n = read_integer(*f, 1, kMaxThreads)) flood.threads = static_cast<int>(*n);
  if (auto f = m.optional("rate")) read_rate(*f, flood.rate);
}

void read_anon(const MapFields& m, Need size_need, const ParseOptions& options, AnonSpec& anon) {
  if (auto f = get(m, "size", size_need)) {
    const auto size = read_memory_size(*f, options);
    if (size && f->check(*size > 0, "must be greater than 0")) anon.size = *size;
  }
  if (auto f = m.optional("ramp")) assign(anon.ramp, read_duration(*f));
}

// The keys a workload of `type` takes; all of them while the type is unknown.
std::vector<std::string_view> workload_keys(std::optional<WorkloadType> type) {
  std::vector<std::string_view> keys(std::begin(kWorkloadKeys), std::end(kWorkloadKeys));
  if (type != WorkloadType::anon)
    keys.insert(keys.end(), std::begin(kFloodKeys), std::end(kFloodKeys));
  if (type != WorkloadType::flood)
    keys.insert(keys.end(), std::begin(kAnonKeys), std::end(kAnonKeys));
  return keys;
}

// "'size' is only for anon workloads" for a key of the other type.
MapFields::Explain misplaced_workload_key() {
  return [](std::string_view key) -> std::optional<std::string> {
    const auto in = [key](std::span<const std::string_view> keys) {
      return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    if (in(kFloodKeys)) return fmt::format("'{}' is only for flood workloads", key);
    if (in(kAnonKeys)) return fmt::format("'{}' is only for anon workloads", key);
    return std::nullopt;
  };
}

void read_workload(const MapFields& m, const ParseOptions& options, WorkloadSpec& w) {
  std::optional<WorkloadType> type;
  if (auto f = m.required("type")) type = read_enum(*f, "workload type", kWorkloadTypes);
  assign(w.type, type);
  m.reject_unknown(workload_keys(type), misplaced_workload_key());

  if (auto f = m.required("name")) assign(w.name, read_name(*f));
  if (auto f = m.optional("start_after")) assign(w.start_after, read_duration(*f));
  // While the type is unknown, the keys of both types are read.
  const Need need = type ? Need::required : Need::optional;
  if (type != WorkloadType::anon) read_flood(m, need, w.flood);
  if (type != WorkloadType::flood) read_anon(m, need, options, w.anon);
}

void read_workloads(const Field& list, const ParseOptions& options, ReadContext& cx,
                    std::vector<WorkloadSpec>& workloads) {
  const YAML::Node& node = list.node();
  if (!node.IsSequence()) {
    list.error(fmt::format("expected a list of workloads, got {}", describe(node)));
    return;
  }
  if (node.size() == 0) {
    list.error("must list at least one workload");
    return;
  }
  if (node.size() > static_cast<std::size_t>(kMaxWorkloads)) {
    // Not read any further: a list this long is a mistake, and reading it costs.
    list.error(fmt::format("must list at most {} workloads, got {}", kMaxWorkloads, node.size()));
    return;
  }

  std::map<std::string, int, std::less<>> first_line_of_name;
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string path = fmt::format("{}[{}]", list.path(), index++);
    WorkloadSpec w;
    w.pos = position_of(item.Mark());
    if (!item.IsMap()) {
      cx.diagnostics.error(
          w.pos, path,
          fmt::format("expected a map with a name and a type, got {}", describe(item)));
      continue;
    }
    const MapFields m(item, path, cx);
    read_workload(m, options, w);

    if (!w.name.empty()) {
      const std::string name_path = m.path_of("name");
      const SourcePos name_pos = cx.value_pos.at(name_path);
      const auto [it, inserted] = first_line_of_name.emplace(w.name, name_pos.line);
      if (!inserted)
        cx.diagnostics.error(name_pos, name_path,
                             fmt::format("duplicate workload name '{}' (first used at line {})",
                                         w.name, it->second));
    }
    workloads.push_back(std::move(w));
  }
}

void read_criteria(const MapFields& m, Criteria& c) {
  m.reject_unknown(kCriteriaKeys);
  if (auto f = m.optional("max_oom_kills"))
    if (auto n = read_integer(*f, 0, std::numeric_limits<std::int64_t>::max()))
      c.max_oom_kills = static_cast<std::uint64_t>(*n);
  if (auto f = m.optional("max_psi_some_avg10")) c.max_psi_some_avg10 = read_number(*f, 0, 100);
  if (auto f = m.optional("max_psi_full_avg10")) c.max_psi_full_avg10 = read_number(*f, 0, 100);
  if (auto f = m.optional("min_headroom")) c.min_headroom = read_size(*f);
}

void read_psi_trigger(const MapFields& m, PsiTriggerSpec& t) {
  m.reject_unknown(kPsiTriggerKeys);
  if (auto f = m.optional("enabled")) assign(t.enabled, read_bool(*f));
  if (auto f = m.optional("kind")) assign(t.kind, read_enum(*f, "PSI kind", kPsiKinds));
  if (auto f = m.optional("stall")) {
    const auto stall = read_duration(*f);
    if (stall && f->check(*stall > 0ms, "must be greater than 0")) t.stall = *stall;
  }
  if (auto f = m.optional("window")) {
    const auto window = read_duration(*f);
    if (window &&
        f->check(*window >= kMinPsiWindow && *window <= kMaxPsiWindow,
                 fmt::format("must be between {} and {}", duration_to_string(kMinPsiWindow),
                             duration_to_string(kMaxPsiWindow))))
      t.window = *window;
  }
}

void read_campaign(const MapFields& m, const ParseOptions& options, ReadContext& cx,
                   CampaignSpec& spec) {
  m.reject_unknown(kTopKeys);
  if (auto f = m.required("campaign")) assign(spec.name, read_name(*f));
  if (auto f = m.optional("description")) assign(spec.description, read_text(*f));
  if (auto f = m.required("duration")) {
    const auto d = read_duration(*f);
    if (d && f->check(*d > 0ms, "must be greater than 0") &&
        f->check(*d <= kMaxDuration,
                 fmt::format("must be at most {}", duration_to_string(kMaxDuration))))
      spec.duration = *d;
  }
  if (auto f = m.optional("sample_interval")) {
    const auto d = read_duration(*f);
    if (d &&
        f->check(*d >= kMinSampleInterval && *d <= kMaxSampleInterval,
                 fmt::format("must be between {} and {}", duration_to_string(kMinSampleInterval),
                             duration_to_string(kMaxSampleInterval))))
      spec.sample_interval = *d;
  }
  if (auto cgroup = read_map(m, "cgroup", Need::required, kCgroupKeys, cx))
    read_cgroup(*cgroup, options, spec.cgroup);
  if (auto f = m.required("workloads")) read_workloads(*f, options, cx, spec.workloads);
  if (auto criteria = read_map(m, "criteria", Need::optional, kCriteriaKeys, cx))
    read_criteria(*criteria, spec.criteria);
  if (auto f = m.optional("expect_oom")) assign(spec.expect_oom, read_bool(*f));
  if (auto trigger = read_map(m, "psi_trigger", Need::optional, kPsiTriggerKeys, cx))
    read_psi_trigger(*trigger, spec.psi_trigger);
}

// Loads the one YAML document of the file; nothing when there is none or it does not parse.
std::optional<YAML::Node> load_document(std::string_view text, DiagnosticSink& diagnostics) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    diagnostics.error(position_of(e.mark), "", "YAML nested too deeply");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; a syntax error without one is put at the start of the file.
    SourcePos pos = position_of(e.mark);
    if (pos.line == 0) pos = {1, 1};
    diagnostics.error(pos, "", fmt::format("YAML syntax error: {}", e.msg));
    return std::nullopt;
  }
  std::erase_if(documents, [](const YAML::Node& d) { return d.IsNull(); });
  if (documents.empty()) {
    diagnostics.error({1, 1}, "", "the campaign file is empty");
    return std::nullopt;
  }
  for (std::size_t i = 1; i < documents.size(); ++i)
    diagnostics.error(position_of(documents[i].Mark()), "",
                      "a campaign file holds one YAML document; this is another one");
  return documents.front();
}

// Legal but probably not meant.
std::vector<Diagnostic> warnings_for(const CampaignSpec& spec, const ParseOptions& options,
                                     const ReadContext& cx) {
  std::vector<Diagnostic> out;
  for (std::size_t i = 0; i < spec.workloads.size(); ++i) {
    const auto& w = spec.workloads[i];
    if (w.type != WorkloadType::flood || options.cpus == 0 ||
        w.flood.threads <= static_cast<int>(options.cpus))
      continue;
    const std::string path = fmt::format("workloads[{}].threads", i);
    const auto it = cx.value_pos.find(path);
    const SourcePos pos = it != cx.value_pos.end() ? it->second : w.pos;
    out.push_back({options.file_name, pos.line, pos.column,
                   fmt::format("{}: {} threads on a host with {} CPUs: they share the CPUs, so "
                               "the flood will not run faster than with {}",
                               path, w.flood.threads, options.cpus, options.cpus)});
  }
  return out;
}

}  // namespace

ParseResult parse_campaign(std::string_view yaml_text, const ParseOptions& options) {
  if (auto bad = check_text(yaml_text, options.file_name)) {
    ParseResult refused;
    refused.errors.push_back(std::move(*bad));
    return refused;
  }
  DiagnosticSink diagnostics(options.file_name);
  ReadContext cx{diagnostics, {}};
  CampaignSpec spec;

  if (auto root = load_document(yaml_text, diagnostics)) {
    if (!root->IsMap()) {
      diagnostics.error(position_of(root->Mark()), "",
                        fmt::format("expected a map of campaign keys ({}), got {}",
                                    join_words(kTopKeys, ", "), describe(*root)));
    } else {
      read_campaign(MapFields(*root, "", cx), options, cx, spec);
      check_rules(spec, cx);
    }
  }

  ParseResult result;
  result.errors = diagnostics.sorted();
  if (result.errors.empty()) {
    result.warnings = warnings_for(spec, options, cx);
    result.spec = std::move(spec);
    result.positions = std::move(cx.value_pos);
  }
  return result;
}

}  // namespace mt::campaign
