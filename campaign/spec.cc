#include "campaign/spec.h"

#include <fmt/format.h>

#include <cmath>

#include "campaign/oom_level.h"
#include "common/units.h"
#include "workloads/floods/flood_kind.h"
#include "workloads/stress_ng/options.h"

namespace mt::campaign {

std::string_view WorkloadSpec::type_name() const {
  return std::visit([](const auto& p) { return p.kTypeName; }, params);
}

bool WorkloadSpec::needs_dir() const {
  if (page_cache() != nullptr || stress_ng() != nullptr) return true;
  const FloodSpec* f = flood();
  return f != nullptr && f->kind != nullptr && f->kind->needs_dir;
}

std::vector<std::string> StressNgSpec::stressors() const {
  std::vector<workloads::stress_ng::Option> plain;
  for (const auto& o : options) plain.push_back({o.name, o.value});
  return workloads::stress_ng::requested_stressors(plain);
}

// This spelling is the campaign file's: the parser and to_yaml() both use it.
std::string_view to_string(PsiKind k) {
  switch (k) {
    case PsiKind::some:
      return "some";
    case PsiKind::full:
      return "full";
  }
  return "?";
}

std::string_view to_string(Condition::Op op) {
  switch (op) {
    case Condition::Op::gt:
      return ">";
    case Condition::Op::ge:
      return ">=";
    case Condition::Op::lt:
      return "<";
    case Condition::Op::le:
      return "<=";
  }
  return "?";
}

std::string_view to_string(ReactionAction::Kind k) {
  switch (k) {
    case ReactionAction::Kind::log:
      return "log";
    case ReactionAction::Kind::expedite:
      return "expedite";
    case ReactionAction::Kind::gp_kick:
      return "gp_kick";
    case ReactionAction::Kind::barrier:
      return "barrier";
    case ReactionAction::Kind::throttle:
      return "throttle";
    case ReactionAction::Kind::reclaim:
      return "reclaim";
  }
  return "?";
}

std::string describe(const Condition& c) {
  switch (c.kind) {
    case Condition::Kind::psi_trigger:
      return "psi_trigger";
    case Condition::Kind::any:
    case Condition::Kind::all: {
      std::string out = c.kind == Condition::Kind::any ? "any(" : "all(";
      for (std::size_t i = 0; i < c.children.size(); ++i)
        out += (i ? ", " : "") + describe(c.children[i]);
      return out + ")";
    }
    case Condition::Kind::threshold:
      break;
  }
  // A level reads as its word ("oom.proximity >= critical").
  if (is_proximity_figure(c.figure) && c.value >= 0 && c.value < static_cast<double>(kOomLevelWords.size()) &&
      c.value == std::floor(c.value))
    return fmt::format("{} {} {}", c.figure, to_string(c.op),
                       to_string(static_cast<OomLevel>(static_cast<int>(c.value))));
  // A byte count reads as a size ("8Mi"), anything else as the shortest exact number.
  const bool bytes = c.figure.ends_with("bytes") && c.value >= 1024 && c.value < 1e18 &&
                     c.value == std::floor(c.value);
  return fmt::format("{} {} {}", c.figure, to_string(c.op),
                     bytes ? size_to_string(static_cast<std::uint64_t>(c.value))
                           : fmt::format("{}", c.value));
}

}  // namespace mt::campaign
