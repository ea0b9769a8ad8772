#include "daemon/model.h"

namespace mt::daemon {

std::string_view to_string(State s) {
  switch (s) {
    case State::pending:
      return "pending";
    case State::running:
      return "running";
    case State::passed:
      return "passed";
    case State::failed:
      return "failed";
    case State::aborted:
      return "aborted";
    case State::error:
      return "error";
  }
  return "unknown";
}

bool is_final(State s) {
  return s != State::pending && s != State::running;
}

}  // namespace mt::daemon
