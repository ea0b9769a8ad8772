#include "campaign/spec.h"

#include "workloads/floods/flood_kind.h"

namespace mt::campaign {

std::string_view WorkloadSpec::type_name() const {
  return std::visit([](const auto& p) { return p.kTypeName; }, params);
}

bool WorkloadSpec::needs_dir() const {
  const FloodSpec* f = flood();
  return f != nullptr && f->kind != nullptr && f->kind->needs_dir;
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

}  // namespace mt::campaign
