// The campaign schema: which keys each map takes, what each value must be, and the entry point
// parse_campaign(). The generic reading (duplicate keys, units, messages) is in yaml_fields.cc;
// the rules that tie several fields together are in rules.cc.
#include "campaign/parse.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include "campaign/diagnostics.h"
#include "campaign/reactions.h"
#include "campaign/variants.h"
#include "campaign/rules.h"
#include "campaign/schema.h"
#include "campaign/source.h"
#include "campaign/workload_type.h"
#include "campaign/yaml_fields.h"
#include "common/units.h"
#include "rcu/knobs.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kTopKeys[] = {
    "campaign",   "description", "duration", "sample_interval",   "cgroup", "workloads", "criteria",
    "expect_oom", "psi_trigger", "kernel",   "gp_probe_interval", "ledger", "reactions", "variants",
    "regression", "requires"};
constexpr std::string_view kCgroupKeys[] = {"memory_limit", "memory_high"};
constexpr std::string_view kWorkloadKeys[] = {"name", "type", "start_after"};
constexpr std::string_view kCriteriaKeys[] = {"max_oom_kills",      "max_psi_some_avg10",
                                              "max_psi_full_avg10", "min_headroom",
                                              "min_oom_eta_s",      "max",
                                              "min"};
constexpr std::string_view kPsiTriggerKeys[] = {"enabled", "kind", "stall", "window"};
constexpr std::string_view kLedgerKeys[] = {"enabled", "freed", "walk_interval", "backlog_interval",
                                            "pause_floods"};

constexpr std::array kPsiKinds = {PsiKind::some, PsiKind::full};

// One of an enum's values, spelled as spec.cc's to_string() spells it.
template <class E, std::size_t N>
std::optional<E> read_enum(const Field& f, std::string_view what, const std::array<E, N>& values) {
  std::array<std::string_view, N> names;
  for (std::size_t i = 0; i < N; ++i) names[i] = to_string(values[i]);
  const auto index = read_choice(f, what, names);
  if (!index) return std::nullopt;
  return values[*index];
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

// The keys a workload of `type` takes; those of every type while the type is unknown.
std::vector<std::string_view> workload_keys(const WorkloadType* type) {
  std::vector<std::string_view> keys(std::begin(kWorkloadKeys), std::end(kWorkloadKeys));
  for (const WorkloadType* t : workload_types())
    if (type == nullptr || type == t) keys.insert(keys.end(), t->keys.begin(), t->keys.end());
  return keys;
}

// "'ramp' is only for anon workloads", "'size' is only for anon or page_cache workloads" for a
// key of another type.
MapFields::Explain misplaced_workload_key() {
  return [](std::string_view key) -> std::optional<std::string> {
    std::vector<std::string_view> types;
    for (const WorkloadType* t : workload_types())
      if (std::find(t->keys.begin(), t->keys.end(), key) != t->keys.end()) types.push_back(t->name);
    if (types.empty()) return std::nullopt;
    return fmt::format("'{}' is only for {} workloads", key, fmt::join(types, " or "));
  };
}

void read_workload(const MapFields& m, const ParseOptions& options, WorkloadSpec& w) {
  const WorkloadType* type = nullptr;
  if (auto f = m.required("type")) {
    std::vector<std::string_view> names;
    for (const WorkloadType* t : workload_types()) names.push_back(t->name);
    if (auto index = read_choice(*f, "workload type", names)) type = workload_types()[*index];
  }
  m.reject_unknown(workload_keys(type), misplaced_workload_key());

  if (auto f = m.required("name")) assign(w.name, read_name(*f));
  if (auto f = m.optional("start_after")) assign(w.start_after, read_duration(*f));
  if (type != nullptr) {
    type->read(m, Need::required, options, w);
    return;
  }
  // While the type is unknown, the keys of every type are read (their values checked) into a
  // throwaway spec.
  for (const WorkloadType* t : workload_types()) {
    WorkloadSpec scratch;
    t->read(m, Need::optional, options, scratch);
  }
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

  UniqueNames names("workload");
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

    names.check(w.name, m, cx);
    workloads.push_back(std::move(w));
  }
}

// `criteria.max`/`criteria.min`: a map of figure name to limit. Whether this host measures the
// figure is compile()'s question; here only the spelling.
void read_bounds(const Field& f, ReadContext& cx, std::vector<MetricBound>& bounds) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    f.error(fmt::format("expected a map of figure names to limits (e.g. rcu.gp_latency_us: "
                        "50000), got {}",
                        describe(node)));
    return;
  }
  const MapFields m(node, f.path(), cx);
  for (const auto& it : node) {
    const std::string name = it.first.IsScalar() ? it.first.Scalar() : "";
    auto value = m.optional(name);
    if (!value) continue;  // not a plain key, or given twice: MapFields said so
    if (!is_metric_name(name)) {
      value->error(fmt::format("'{}' is not a figure name (lower case letters, digits, '_', "
                               "words joined by '.')",
                               name));
      continue;
    }
    if (auto limit = read_limit(*value)) bounds.push_back({name, *limit});
  }
}

void read_criteria(const MapFields& m, ReadContext& cx, Criteria& c) {
  m.reject_unknown(kCriteriaKeys);
  if (auto f = m.optional("max_oom_kills"))
    if (auto n = read_integer(*f, 0, std::numeric_limits<std::int64_t>::max()))
      c.max_oom_kills = static_cast<std::uint64_t>(*n);
  if (auto f = m.optional("max_psi_some_avg10")) c.max_psi_some_avg10 = read_number(*f, 0, 100);
  if (auto f = m.optional("max_psi_full_avg10")) c.max_psi_full_avg10 = read_number(*f, 0, 100);
  if (auto f = m.optional("min_headroom")) c.min_headroom = read_size(*f);
  if (auto f = m.optional("min_oom_eta_s")) c.min_oom_eta_s = read_number(*f, 0, 3600);
  if (auto f = m.optional("max")) read_bounds(*f, cx, c.max);
  if (auto f = m.optional("min")) read_bounds(*f, cx, c.min);
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
    t.window_default = false;
  }
}

// A duration between `min` and `max`, or `off` (0).
std::optional<milliseconds> read_interval_or_off(const Field& f, milliseconds min,
                                                 milliseconds max) {
  if (f.node().IsScalar() && f.node().Scalar() == "off") return 0ms;
  const auto d = read_duration(f);
  if (!d || !f.check(*d >= min && *d <= max,
                     fmt::format("must be 'off' or between {} and {}", duration_to_string(min),
                                 duration_to_string(max))))
    return std::nullopt;
  return *d;
}

// `ledger:` a map, or `off`.
void read_ledger(const Field& f, ReadContext& cx, LedgerSpec& l) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (node.IsScalar() && node.Scalar() == "off") {
    l.enabled = false;
    return;
  }
  if (!node.IsMap()) {
    f.error(fmt::format("expected 'off' or a map (keys: {}), got {}", join_words(kLedgerKeys, ", "),
                        describe(node)));
    return;
  }
  const MapFields m(node, f.path(), cx);
  m.reject_unknown(kLedgerKeys);
  if (auto g = m.optional("enabled")) assign(l.enabled, read_bool(*g));
  if (auto g = m.optional("freed")) assign(l.freed, read_bool(*g));
  if (auto g = m.optional("walk_interval"))
    assign(l.walk_interval,
           read_interval_or_off(*g, kMinLedgerWalkInterval, kMaxLedgerWalkInterval));
  if (auto g = m.optional("backlog_interval"))
    assign(l.backlog_interval,
           read_interval_or_off(*g, kMinLedgerBacklogInterval, kMaxLedgerBacklogInterval));
  if (auto g = m.optional("pause_floods")) assign(l.pause_floods, read_bool(*g));
}

// `regression:` figure -> threshold ("-20%", "+0"), for memtorturectl compare.
void read_regression(const Field& f, ReadContext& cx, RegressionThresholds& out) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    f.error(fmt::format("expected a map of figures to thresholds, e.g. {{gp_p99_us: +50%}} "
                        "(figures: {}), got {}",
                        regression_figure_keys(), describe(node)));
    return;
  }
  std::vector<std::string_view> keys;
  for (const auto& fig : regression_figures()) keys.push_back(fig.key);
  const MapFields m(node, f.path(), cx);
  m.reject_unknown(keys);
  for (const auto& fig : regression_figures()) {
    auto value = m.optional(fig.key);
    if (!value) continue;
    std::string why;
    if (!value->node().IsScalar()) {
      value->error(fmt::format("expected a threshold such as -20% or +0, got {}",
                               describe(value->node())));
      continue;
    }
    if (auto t = parse_threshold_value(value->node().Scalar(), &why))
      out[std::string(fig.key)] = *t;
    else
      value->error(why);
  }
}

void read_requires(const Field& f, ReadContext& cx, std::vector<HostNeed>& needs) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    f.error(fmt::format("expected a list of host features ({}), got {}",
                        join_words(kHostNeeds, " or "), describe(node)));
    return;
  }
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string path = fmt::format("{}[{}]", f.path(), index++);
    const SourcePos pos = position_of(item.Mark());
    const std::string name = item.IsScalar() ? item.Scalar() : std::string();
    if (std::find(std::begin(kHostNeeds), std::end(kHostNeeds), name) == std::end(kHostNeeds)) {
      cx.diagnostics.error(pos, path,
                           fmt::format("unknown host feature {}: expected {}",
                                       item.IsScalar() ? "'" + name + "'" : describe(item),
                                       join_words(kHostNeeds, " or ")));
      continue;
    }
    if (std::any_of(needs.begin(), needs.end(),
                    [&](const HostNeed& n) { return n.name == name; })) {
      cx.diagnostics.error(pos, path, fmt::format("'{}' is listed twice", name));
      continue;
    }
    needs.push_back({name, pos});
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
    read_criteria(*criteria, cx, spec.criteria);
  if (auto f = m.optional("expect_oom")) assign(spec.expect_oom, read_bool(*f));
  if (auto trigger = read_map(m, "psi_trigger", Need::optional, kPsiTriggerKeys, cx))
    read_psi_trigger(*trigger, spec.psi_trigger);
  if (auto f = m.optional("kernel")) read_kernel(*f, cx, spec.kernel);
  if (auto f = m.optional("gp_probe_interval"))
    assign(spec.gp_probe_interval,
           read_interval_or_off(*f, kMinGpProbeInterval, kMaxGpProbeInterval));
  if (auto f = m.optional("ledger")) read_ledger(*f, cx, spec.ledger);
  if (auto f = m.optional("reactions")) read_reactions(*f, cx, spec.reactions);
  if (auto f = m.optional("variants")) read_variants(*f, cx, spec.variants);
  if (auto f = m.optional("regression")) read_regression(*f, cx, spec.regression);
  if (auto f = m.optional("requires")) read_requires(*f, cx, spec.needs);
}

// Where yaml-cpp's parser stops making progress in `text`, if it does. yaml-cpp 0.7 (Debian's)
// never ends LoadAll() on a ',' outside a flow collection (",", "a: 1\n---\n,"): its parser
// reports an empty document at that ',' over and over without taking the token, and LoadAll()
// keeps them all until memory runs out (jbeder/yaml-cpp#1040, fixed upstream in 0.8.0). This
// pass reads the events only; a document that starts where the one before started is that loop.
std::optional<YAML::Mark> stuck_at(const std::string& text) {
  struct DocumentStarts : YAML::EventHandler {
    std::optional<YAML::Mark> last;
    bool again = false;
    void OnDocumentStart(const YAML::Mark& mark) override {
      again = last && last->pos == mark.pos;
      last = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } starts;
  std::istringstream in(text);
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(starts))
    if (starts.again) return starts.last;
  return std::nullopt;
}

// Loads the one YAML document of the file; nothing when there is none or it does not parse.
std::optional<YAML::Node> load_document(std::string_view text, DiagnosticSink& diagnostics) {
  std::vector<YAML::Node> documents;
  try {
    const std::string owned(text);
    if (const auto mark = stuck_at(owned)) {
      const auto at = static_cast<std::size_t>(mark->pos);
      diagnostics.error(position_of(*mark), "",
                        at < owned.size()
                            ? fmt::format("YAML syntax error: unexpected '{}'", owned[at])
                            : std::string("YAML syntax error: unexpected end of file"));
      return std::nullopt;
    }
    documents = YAML::LoadAll(owned);
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
    const WorkloadSpec& w = spec.workloads[i];
    const WorkloadType& type = type_of(w);
    if (type.warn != nullptr) type.warn(w, fmt::format("workloads[{}]", i), options, cx, out);
  }
  return out;
}

}  // namespace

// `kernel:`: RCU knobs by name (rcu/knobs.h), each value range-checked. Whether this kernel has
// the knob and lets it be written is compile()'s question.
void read_kernel(const Field& f, ReadContext& cx, std::vector<KnobSetting>& kernel) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  std::vector<std::string_view> names;
  for (const rcu::KnobDef& def : rcu::knob_defs()) names.push_back(def.name);
  if (!node.IsMap()) {
    f.error(fmt::format("expected a map of RCU knobs to values (knobs: {}), got {}",
                        join_words(names, ", "), describe(node)));
    return;
  }
  const MapFields m(node, f.path(), cx);
  m.reject_unknown(names);
  for (const auto& it : node) {
    const rcu::KnobDef* def = it.first.IsScalar() ? rcu::find_knob(it.first.Scalar()) : nullptr;
    if (def == nullptr) continue;  // reported by reject_unknown
    auto value = m.optional(def->name);
    if (!value) continue;
    std::optional<std::int64_t> v;
    // A knob that is a switch (Y/N, or 0..1) also takes true/false.
    const bool is_switch =
        def->type == rcu::KnobType::boolean || (def->min == 0 && def->max == 1);
    if (is_switch && value->node().IsScalar() &&
        (value->node().Scalar() == "true" || value->node().Scalar() == "false"))
      v = value->node().Scalar() == "true" ? 1 : 0;
    else
      v = read_integer(*value, def->min, def->max);
    if (v) kernel.push_back({std::string(def->name), *v});
  }
}

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
      check_reaction_rules(spec, cx);
      check_variant_rules(spec, cx);
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

WorkloadParseResult parse_workload(std::string_view yaml_text, const ParseOptions& options) {
  DiagnosticSink diagnostics(options.file_name);
  ReadContext cx{diagnostics, {}};
  WorkloadSpec w;
  if (auto root = load_document(yaml_text, diagnostics)) {
    if (!root->IsMap()) {
      diagnostics.error(position_of(root->Mark()), "",
                        fmt::format("expected a workload map, got {}", describe(*root)));
    } else {
      w.pos = position_of(root->Mark());
      read_workload(MapFields(*root, "", cx), options, w);
    }
  }
  WorkloadParseResult result;
  result.errors = diagnostics.sorted();
  if (result.errors.empty()) result.spec = std::move(w);
  return result;
}

}  // namespace mt::campaign
