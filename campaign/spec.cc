#include "campaign/spec.h"

namespace mt::campaign {

// These spellings are the campaign file's: the parser and to_yaml() both use them.

std::string_view to_string(WorkloadType t) {
  switch (t) {
    case WorkloadType::flood:
      return "flood";
    case WorkloadType::anon:
      return "anon";
  }
  return "?";
}

std::string_view to_string(FloodKind k) {
  switch (k) {
    case FloodKind::udp_socket:
      return "udp_socket";
    case FloodKind::dentry:
      return "dentry";
  }
  return "?";
}

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
