#include "daemon/parts/criteria_part.h"

namespace mt::daemon {

void CriteriaPart::on_sample(const Sample& s, PartContext& cx) {
  const bool fell_back = evaluator_.used_system_psi();
  for (auto& failed : evaluator_.observe(s)) cx.emit(std::move(failed));
  if (!fell_back && evaluator_.used_system_psi())
    cx.emit(LogLine{"the campaign cgroup's PSI could not be read: PSI criteria use the system's"});
}

}  // namespace mt::daemon
