#include "campaign/variants.h"

#include <fmt/format.h>

#include <algorithm>

#include "campaign/parse.h"
#include "campaign/reactions.h"
#include "campaign/schema.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

constexpr std::string_view kVariantKeys[] = {"name",      "repeat",    "expect",      "reactions",
                                             "kernel",    "workloads", "memory_limit"};
constexpr std::string_view kFloodKeys[] = {"threads", "rate"};

void read_floods(const Field& f, ReadContext& cx, std::vector<VariantSpec::Flood>& floods) {
  if (!f.node().IsMap()) {
    f.error(fmt::format("expected a map of flood workload names to overrides (threads, rate), "
                        "got {}",
                        describe(f.node())));
    return;
  }
  const MapFields m(f.node(), f.path(), cx);
  for (const auto& it : f.node()) {
    const std::string name = it.first.IsScalar() ? it.first.Scalar() : "";
    auto g = m.optional(name);
    if (!g) continue;
    VariantSpec::Flood flood;
    flood.workload = name;
    flood.pos = cx.value_pos.count(m.path_of(name)) ? cx.value_pos.at(m.path_of(name)) : g->pos();
    if (!g->node().IsMap()) {
      g->error(fmt::format("expected a map (keys: threads, rate), got {}", describe(g->node())));
      continue;
    }
    const MapFields o(g->node(), g->path(), cx);
    o.reject_unknown(kFloodKeys);
    if (auto t = o.optional("threads"))
      if (auto n = read_integer(*t, 1, kMaxThreads)) flood.threads = static_cast<int>(*n);
    if (auto r = o.optional("rate")) {
      // 0 is no rate a flood takes: still 0 after the read means the value was refused.
      std::optional<std::uint64_t> rate = 0;
      read_flood_rate(*r, rate);
      if (rate != std::optional<std::uint64_t>(0)) flood.rate = rate;
    }
    floods.push_back(std::move(flood));
  }
}

void read_variant(const MapFields& m, ReadContext& cx, VariantSpec& v) {
  m.reject_unknown(kVariantKeys);
  if (auto f = m.required("name")) assign(v.name, read_name(*f));
  if (auto f = m.optional("repeat"))
    if (auto n = read_integer(*f, 1, kMaxRepeat)) v.repeat = static_cast<std::uint32_t>(*n);
  if (auto f = m.optional("expect")) {
    constexpr std::string_view kExpect[] = {"pass", "fail"};
    if (auto i = read_choice(*f, "expected outcome", kExpect)) v.expect_fail = *i == 1;
  }
  if (auto f = m.optional("reactions")) {
    std::vector<ReactionSpec> reactions;
    if (!(f->node().IsScalar() && f->node().Scalar() == "off")) read_reactions(*f, cx, reactions);
    v.reactions = std::move(reactions);
  }
  if (auto f = m.optional("kernel")) read_kernel(*f, cx, v.kernel);
  if (auto f = m.optional("workloads")) read_floods(*f, cx, v.floods);
  if (auto f = m.optional("memory_limit")) {
    const auto limit = read_size(*f);
    if (limit && f->check(*limit >= kMinMemoryLimit,
                          fmt::format("must be at least {}", size_to_string(kMinMemoryLimit))))
      v.memory_limit = *limit;
  }
}

}  // namespace

void read_variants(const Field& f, ReadContext& cx, std::vector<VariantSpec>& variants) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    f.error(fmt::format("expected a list of variants, got {}", describe(node)));
    return;
  }
  if (node.size() < 2) {
    f.error(fmt::format("lists {} variant: at least two are needed (one to compare with)",
                        node.size()));
    return;
  }
  if (node.size() > static_cast<std::size_t>(kMaxVariants)) {
    f.error(fmt::format("at most {} variants, got {}", kMaxVariants, node.size()));
    return;
  }
  UniqueNames names("variant");
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string path = fmt::format("{}[{}]", f.path(), index++);
    VariantSpec v;
    v.pos = position_of(item.Mark());
    if (!item.IsMap()) {
      cx.diagnostics.error(v.pos, path,
                           fmt::format("expected a map (keys: {}), got {}",
                                       join_words(kVariantKeys, ", "), describe(item)));
      continue;
    }
    const MapFields m(item, path, cx);
    read_variant(m, cx, v);
    names.check(v.name, m, cx);
    variants.push_back(std::move(v));
  }
}

CampaignSpec apply_variant(const CampaignSpec& base, const VariantSpec& v) {
  CampaignSpec s = base;
  s.variants.clear();
  if (v.reactions) s.reactions = *v.reactions;
  for (const KnobSetting& k : v.kernel) {
    auto it = std::find_if(s.kernel.begin(), s.kernel.end(),
                           [&](const KnobSetting& x) { return x.name == k.name; });
    if (it != s.kernel.end())
      it->value = k.value;
    else
      s.kernel.push_back(k);
  }
  for (const VariantSpec::Flood& o : v.floods)
    for (WorkloadSpec& w : s.workloads)
      if (FloodSpec* f = w.flood(); f != nullptr && w.name == o.workload) {
        if (o.threads) f->threads = *o.threads;
        if (o.rate) f->rate = *o.rate;
      }
  if (v.memory_limit) s.cgroup.memory_limit = *v.memory_limit;
  return s;
}

int planned_runs(const CampaignSpec& spec) {
  if (spec.variants.empty()) return 1;
  int runs = 0;
  for (const VariantSpec& v : spec.variants) runs += static_cast<int>(v.repeat);
  return runs;
}

void check_variant_rules(const CampaignSpec& spec, const ReadContext& cx) {
  if (spec.variants.empty()) return;
  for (std::size_t i = 0; i < spec.variants.size(); ++i) {
    const VariantSpec& v = spec.variants[i];
    const std::string path = fmt::format("variants[{}]", i);
    for (const VariantSpec::Flood& o : v.floods) {
      const auto w = std::find_if(spec.workloads.begin(), spec.workloads.end(),
                                  [&](const WorkloadSpec& x) { return x.name == o.workload; });
      if (w == spec.workloads.end())
        cx.diagnostics.error(o.pos, path + ".workloads." + o.workload,
                             fmt::format("'{}' is not a workload of this campaign", o.workload));
      else if (!w->flood())
        cx.diagnostics.error(o.pos, path + ".workloads." + o.workload,
                             fmt::format("'{}' is a workload of type {}: a variant overrides "
                                         "floods only (threads, rate)",
                                         o.workload, w->type_name()));
    }
    if (v.reactions) {
      // The reaction rules on the campaign as this variant runs it (throttle names, cooldowns).
      check_reaction_rules(apply_variant(spec, v), cx, path + ".");
    }
  }
  const auto total = spec.duration * planned_runs(spec);
  if (total > kMaxDuration)
    cx.diagnostics.error(position_or(cx, "variants", {1, 1}), "variants",
                         fmt::format("{} runs of {} take {}, more than {}", planned_runs(spec),
                                     duration_to_string(spec.duration),
                                     duration_to_string(std::chrono::duration_cast<milliseconds>(total)),
                                     duration_to_string(kMaxDuration)));
}

void emit_variants(YAML::Emitter& out, const std::vector<VariantSpec>& variants) {
  if (variants.empty()) return;
  out << YAML::Key << "variants" << YAML::Value << YAML::BeginSeq;
  for (const VariantSpec& v : variants) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << v.name;
    out << YAML::Key << "repeat" << YAML::Value << v.repeat;
    out << YAML::Key << "expect" << YAML::Value << (v.expect_fail ? "fail" : "pass");
    if (v.reactions) {
      if (v.reactions->empty()) {
        out << YAML::Key << "reactions" << YAML::Value << "off";
      } else {
        out << YAML::Key << "reactions" << YAML::Value;
        emit_reaction_list(out, *v.reactions);
      }
    }
    if (!v.kernel.empty()) {
      out << YAML::Key << "kernel" << YAML::Value << YAML::BeginMap;
      for (const KnobSetting& k : v.kernel) out << YAML::Key << k.name << YAML::Value << k.value;
      out << YAML::EndMap;
    }
    if (!v.floods.empty()) {
      out << YAML::Key << "workloads" << YAML::Value << YAML::BeginMap;
      for (const VariantSpec::Flood& o : v.floods) {
        out << YAML::Key << o.workload << YAML::Value << YAML::BeginMap;
        if (o.threads) out << YAML::Key << "threads" << YAML::Value << *o.threads;
        if (o.rate)
          out << YAML::Key << "rate" << YAML::Value
              << (*o.rate ? std::to_string(**o.rate) : std::string("unlimited"));
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    if (v.memory_limit)
      out << YAML::Key << "memory_limit" << YAML::Value << size_to_string(*v.memory_limit);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace mt::campaign
