#include "campaign/reactions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "campaign/oom_level.h"
#include "campaign/parse.h"
#include "campaign/schema.h"
#include "common/units.h"

namespace mt::campaign {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kReactionKeys[] = {"name",    "when",     "for",        "clear",
                                              "actions", "cooldown", "max_firings"};
constexpr std::string_view kClearKeys[] = {"when", "for"};
constexpr std::string_view kThrottleKeys[] = {"workloads", "rate", "pause"};
constexpr std::array kActionKinds = {ReactionAction::Kind::log,      ReactionAction::Kind::expedite,
                                     ReactionAction::Kind::gp_kick,  ReactionAction::Kind::barrier,
                                     ReactionAction::Kind::throttle, ReactionAction::Kind::reclaim};
constexpr std::string_view kConditionHelp =
    "a condition is \"<figure> <op> <value>\" (op: >, >=, <, <=), psi_trigger, or a map "
    "{any: [...]} or {all: [...]}";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A threshold's value: a number ("0.9", "10") or a size ("8Mi").
Result<double> parse_value(std::string_view text) {
  const std::string t(text);
  if (!t.empty() && t.find_first_not_of("0123456789.eE+-") == std::string::npos) {
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end == t.c_str() + t.size() && std::isfinite(v)) return v;
  }
  if (auto bytes = parse_size(text)) return static_cast<double>(*bytes);
  return make_error(fmt::format("'{}' is neither a number nor a size (e.g. 8Mi)", text));
}

std::optional<Condition> read_condition(const Field& f, ReadContext& cx, int depth) {
  const YAML::Node& node = f.node();
  if (node.IsScalar()) {
    auto c = parse_condition_text(node.Scalar());
    if (!c) {
      f.error(c.error().message);
      return std::nullopt;
    }
    c->pos = f.pos();
    return std::move(*c);
  }
  if (!node.IsMap() || node.size() != 1) {
    f.error(fmt::format("{}; got {}", kConditionHelp, describe(node)));
    return std::nullopt;
  }
  const MapFields m(node, f.path(), cx);
  constexpr std::string_view kCombinators[] = {"any", "all"};
  m.reject_unknown(kCombinators);
  const bool any = m.optional("any").has_value();
  auto list = any ? m.optional("any") : m.optional("all");
  if (!list) return std::nullopt;
  if (depth >= kMaxConditionDepth) {
    list->error(fmt::format("conditions nest at most {} deep", kMaxConditionDepth));
    return std::nullopt;
  }
  if (!list->node().IsSequence() || list->node().size() == 0) {
    list->error(fmt::format("expected a list of conditions, got {}", describe(list->node())));
    return std::nullopt;
  }
  Condition c;
  c.kind = any ? Condition::Kind::any : Condition::Kind::all;
  c.pos = f.pos();
  bool ok = true;
  std::size_t i = 0;
  for (const YAML::Node& item : list->node()) {
    const Field child(fmt::format("{}[{}]", list->path(), i++), item, position_of(item.Mark()),
                      cx.diagnostics);
    auto sub = read_condition(child, cx, depth + 1);
    if (sub) c.children.push_back(std::move(*sub));
    ok = ok && sub.has_value();
  }
  if (!ok) return std::nullopt;
  return c;
}

std::optional<ReactionAction> read_throttle(const Field& f, ReadContext& cx, ReactionAction a) {
  if (!f.node().IsMap()) {
    f.error(fmt::format("expected a map (keys: {}), got {}", join_words(kThrottleKeys, ", "),
                        describe(f.node())));
    return std::nullopt;
  }
  const MapFields m(f.node(), f.path(), cx);
  m.reject_unknown(kThrottleKeys);
  bool ok = true;
  if (auto w = m.required("workloads")) {
    if (!w->node().IsSequence() || w->node().size() == 0) {
      w->error(fmt::format("expected a list of flood workload names, got {}", describe(w->node())));
      ok = false;
    } else {
      std::size_t i = 0;
      for (const YAML::Node& item : w->node()) {
        const Field name(fmt::format("{}[{}]", w->path(), i++), item, position_of(item.Mark()),
                         cx.diagnostics);
        if (auto n = read_name(name)) a.workloads.push_back(*n);
        else ok = false;
      }
    }
  } else {
    ok = false;
  }
  auto rate = m.optional("rate");
  auto pause = m.optional("pause");
  if (rate && pause) {
    pause->error("give either 'rate' (ops/s per thread) or 'pause: true', not both");
    return std::nullopt;
  }
  if (rate) {
    auto r = read_integer(*rate, 1, static_cast<std::int64_t>(kMaxRate));
    if (!r) return std::nullopt;
    a.rate = static_cast<std::uint64_t>(*r);
  } else if (pause) {
    auto p = read_bool(*pause);
    if (!p) return std::nullopt;
    if (!*p) {
      pause->error("'pause: false' throttles nothing: give 'rate' instead");
      return std::nullopt;
    }
  } else {
    f.error("needs 'rate' (ops/s per thread) or 'pause: true'");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return a;
}

// An action: its name alone ("barrier"), or a map of its name to its argument.
std::optional<ReactionAction> read_action(const Field& f, ReadContext& cx) {
  const YAML::Node& node = f.node();
  std::array<std::string_view, kActionKinds.size()> names;
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = to_string(kActionKinds[i]);
  ReactionAction a;
  a.pos = f.pos();
  std::optional<Field> arg;
  if (node.IsScalar()) {
    auto index = read_choice(f, "reaction action", names);
    if (!index) return std::nullopt;
    a.kind = kActionKinds[*index];
  } else if (node.IsMap() && node.size() == 1) {
    const MapFields m(node, f.path(), cx);
    m.reject_unknown(names);
    for (std::size_t i = 0; i < names.size(); ++i)
      if (auto g = m.optional(names[i])) {
        a.kind = kActionKinds[i];
        arg = std::move(g);
      }
    if (!arg) return std::nullopt;
  } else {
    f.error(fmt::format("expected an action ({}) or a map of one action to its argument, got {}",
                        join_words(names, ", "), describe(node)));
    return std::nullopt;
  }
  const bool has_arg = arg && !arg->node().IsNull();
  using Kind = ReactionAction::Kind;
  switch (a.kind) {
    case Kind::log:
      if (has_arg) {
        auto text = read_text(*arg);
        if (!text) return std::nullopt;
        a.message = *text;
      }
      return a;
    case Kind::gp_kick:
    case Kind::barrier:
      if (has_arg) {
        arg->error(fmt::format("{} takes no argument", to_string(a.kind)));
        return std::nullopt;
      }
      return a;
    case Kind::expedite:
      if (has_arg && !(arg->node().IsScalar() && arg->node().Scalar() == "until_clear")) {
        auto d = read_duration(*arg);
        if (!d || !arg->check(*d > 0ms, "must be a duration greater than 0 or until_clear"))
          return std::nullopt;
        a.hold = *d;
      }
      return a;
    case Kind::throttle:
      if (!has_arg) {
        f.error("throttle needs {workloads: [...], rate: N} or {workloads: [...], pause: true}");
        return std::nullopt;
      }
      return read_throttle(*arg, cx, std::move(a));
    case Kind::reclaim: {
      if (!has_arg) {
        f.error("reclaim needs an amount (e.g. reclaim: 64Mi)");
        return std::nullopt;
      }
      auto size = read_size(*arg);
      if (!size || !arg->check(*size >= 4096, "must be at least 4Ki")) return std::nullopt;
      a.amount = *size;
      return a;
    }
  }
  return std::nullopt;
}

void read_reaction(const MapFields& m, ReadContext& cx, ReactionSpec& r) {
  m.reject_unknown(kReactionKeys);
  if (auto f = m.required("name")) assign(r.name, read_name(*f));
  if (auto f = m.required("when")) {
    if (auto c = read_condition(*f, cx, 0)) r.when = std::move(*c);
  }
  if (auto f = m.optional("for")) assign(r.hold, read_duration(*f));
  if (auto f = m.optional("clear")) {
    if (!f->node().IsMap()) {
      f->error(fmt::format("expected a map (keys: {}), got {}", join_words(kClearKeys, ", "),
                           describe(f->node())));
    } else {
      const MapFields c(f->node(), f->path(), cx);
      c.reject_unknown(kClearKeys);
      if (auto w = c.optional("when"))
        if (auto cond = read_condition(*w, cx, 0)) r.clear = std::move(*cond);
      if (auto g = c.optional("for")) assign(r.clear_hold, read_duration(*g));
    }
  }
  if (auto f = m.required("actions")) {
    const YAML::Node& list = f->node();
    if (!list.IsSequence() || list.size() == 0) {
      f->error(fmt::format("expected a list of actions, got {}", describe(list)));
    } else if (list.size() > static_cast<std::size_t>(kMaxReactionActions)) {
      f->error(fmt::format("at most {} actions, got {}", kMaxReactionActions, list.size()));
    } else {
      std::size_t i = 0;
      for (const YAML::Node& item : list) {
        const Field a(fmt::format("{}[{}]", f->path(), i++), item, position_of(item.Mark()),
                      cx.diagnostics);
        if (auto action = read_action(a, cx)) r.actions.push_back(std::move(*action));
      }
    }
  }
  if (auto f = m.optional("cooldown")) assign(r.cooldown, read_duration(*f));
  if (auto f = m.optional("max_firings"))
    if (auto n = read_integer(*f, 1, kMaxFirings)) r.max_firings = static_cast<std::uint32_t>(*n);
}

void emit_condition(YAML::Emitter& out, const Condition& c) {
  if (c.kind != Condition::Kind::any && c.kind != Condition::Kind::all) {
    out << describe(c);
    return;
  }
  out << YAML::BeginMap << YAML::Key << (c.kind == Condition::Kind::any ? "any" : "all")
      << YAML::Value << YAML::BeginSeq;
  for (const Condition& child : c.children) emit_condition(out, child);
  out << YAML::EndSeq << YAML::EndMap;
}

void emit_action(YAML::Emitter& out, const ReactionAction& a) {
  const std::string name(to_string(a.kind));
  using Kind = ReactionAction::Kind;
  switch (a.kind) {
    case Kind::gp_kick:
    case Kind::barrier:
      out << name;
      return;
    case Kind::log:
      out << YAML::BeginMap << YAML::Key << name << YAML::Value << a.message << YAML::EndMap;
      return;
    case Kind::expedite:
      out << YAML::BeginMap << YAML::Key << name << YAML::Value
          << (a.hold.count() == 0 ? std::string("until_clear") : duration_to_string(a.hold))
          << YAML::EndMap;
      return;
    case Kind::reclaim:
      out << YAML::BeginMap << YAML::Key << name << YAML::Value << size_to_string(a.amount)
          << YAML::EndMap;
      return;
    case Kind::throttle:
      out << YAML::BeginMap << YAML::Key << name << YAML::Value << YAML::BeginMap;
      out << YAML::Key << "workloads" << YAML::Value << YAML::Flow << a.workloads;
      if (a.rate)
        out << YAML::Key << "rate" << YAML::Value << *a.rate;
      else
        out << YAML::Key << "pause" << YAML::Value << true;
      out << YAML::EndMap << YAML::EndMap;
      return;
  }
}

}  // namespace

Result<Condition> parse_condition_text(std::string_view text) {
  const std::string_view t = trim(text);
  Condition c;
  if (t == "psi_trigger") {
    c.kind = Condition::Kind::psi_trigger;
    return c;
  }
  const std::size_t op_at = t.find_first_of("<>");
  if (op_at == std::string_view::npos)
    return make_error(fmt::format("'{}' is not a condition: {}", text, kConditionHelp));
  const bool or_equal = op_at + 1 < t.size() && t[op_at + 1] == '=';
  c.op = t[op_at] == '>' ? (or_equal ? Condition::Op::ge : Condition::Op::gt)
                         : (or_equal ? Condition::Op::le : Condition::Op::lt);
  c.figure = std::string(trim(t.substr(0, op_at)));
  const std::string_view value = trim(t.substr(op_at + (or_equal ? 2 : 1)));
  if (!is_metric_name(c.figure))
    return make_error(fmt::format("'{}' is not a figure name (lower case letters, digits, '_', "
                                  "words joined by '.'): {}",
                                  c.figure, kConditionHelp));
  if (value.empty()) return make_error(fmt::format("'{}' has no value after '{}'", text, to_string(c.op)));
  if (const auto level = oom_level_from_word(value)) {
    if (!is_proximity_figure(c.figure))
      return make_error(fmt::format("'{}': a level word ({}) compares only with oom.proximity or "
                                    "oom.system.proximity, not {}",
                                    text, value, c.figure));
    c.value = static_cast<double>(*level);
    return c;
  }
  auto v = parse_value(value);
  if (!v) return v.error();
  c.value = *v;
  return c;
}

void read_reactions(const Field& f, ReadContext& cx, std::vector<ReactionSpec>& reactions) {
  const YAML::Node& node = f.node();
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    f.error(fmt::format("expected a list of reactions, got {}", describe(node)));
    return;
  }
  if (node.size() > static_cast<std::size_t>(kMaxReactions)) {
    f.error(fmt::format("at most {} reactions, got {}", kMaxReactions, node.size()));
    return;
  }
  UniqueNames names("reaction");
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string path = fmt::format("{}[{}]", f.path(), index++);
    ReactionSpec r;
    r.pos = position_of(item.Mark());
    if (!item.IsMap()) {
      cx.diagnostics.error(r.pos, path,
                           fmt::format("expected a map (keys: {}), got {}",
                                       join_words(kReactionKeys, ", "), describe(item)));
      continue;
    }
    const MapFields m(item, path, cx);
    read_reaction(m, cx, r);
    names.check(r.name, m, cx);
    reactions.push_back(std::move(r));
  }
}

void check_reaction_rules(const CampaignSpec& spec, const ReadContext& cx,
                          const std::string& prefix) {
  auto error = [&](SourcePos pos, const std::string& path, const std::string& message) {
    cx.diagnostics.error(pos, path, message);
  };
  for (std::size_t i = 0; i < spec.reactions.size(); ++i) {
    const ReactionSpec& r = spec.reactions[i];
    const std::string path = fmt::format("{}reactions[{}]", prefix, i);
    if (r.cooldown.count() > 0 && r.cooldown < spec.sample_interval)
      error(position_or(cx, path + ".cooldown", r.pos), path + ".cooldown",
            fmt::format("{} is shorter than the sample interval ({}): reactions are looked at "
                        "once a sample",
                        duration_to_string(r.cooldown), duration_to_string(spec.sample_interval)));
    for (std::size_t j = 0; j < r.actions.size(); ++j) {
      const ReactionAction& a = r.actions[j];
      const std::string at = fmt::format("{}.actions[{}]", path, j);
      if (a.kind == ReactionAction::Kind::expedite && a.hold.count() > 0 &&
          a.hold < spec.sample_interval)
        error(a.pos, at,
              fmt::format("expedite for {} is shorter than the sample interval ({})",
                          duration_to_string(a.hold), duration_to_string(spec.sample_interval)));
      for (const std::string& name : a.workloads) {
        const auto w = std::find_if(spec.workloads.begin(), spec.workloads.end(),
                                    [&](const WorkloadSpec& x) { return x.name == name; });
        if (w == spec.workloads.end())
          error(a.pos, at, fmt::format("throttle names '{}', which is not a workload of this "
                                       "campaign",
                                       name));
        else if (!w->flood())
          error(a.pos, at,
                fmt::format("throttle names '{}', a workload of type {}: only floods can be "
                            "throttled",
                            name, w->type_name()));
      }
    }
  }
}

void emit_reactions(YAML::Emitter& out, const std::vector<ReactionSpec>& reactions) {
  if (reactions.empty()) return;
  out << YAML::Key << "reactions" << YAML::Value;
  emit_reaction_list(out, reactions);
}

void emit_reaction_list(YAML::Emitter& out, const std::vector<ReactionSpec>& reactions) {
  out << YAML::BeginSeq;
  for (const ReactionSpec& r : reactions) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << r.name;
    out << YAML::Key << "when" << YAML::Value;
    emit_condition(out, r.when);
    out << YAML::Key << "for" << YAML::Value << duration_to_string(r.hold);
    if (r.clear || r.clear_hold.count() > 0) {
      out << YAML::Key << "clear" << YAML::Value << YAML::BeginMap;
      if (r.clear) {
        out << YAML::Key << "when" << YAML::Value;
        emit_condition(out, *r.clear);
      }
      out << YAML::Key << "for" << YAML::Value << duration_to_string(r.clear_hold);
      out << YAML::EndMap;
    }
    out << YAML::Key << "actions" << YAML::Value << YAML::BeginSeq;
    for (const ReactionAction& a : r.actions) emit_action(out, a);
    out << YAML::EndSeq;
    out << YAML::Key << "cooldown" << YAML::Value << duration_to_string(r.cooldown);
    if (r.max_firings) out << YAML::Key << "max_firings" << YAML::Value << *r.max_firings;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace mt::campaign
