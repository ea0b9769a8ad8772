#include "daemon/parts/psi_trigger_part.h"

#include <chrono>

namespace mt::daemon {

using std::chrono::duration_cast;
using std::chrono::microseconds;

Status PsiTriggerPart::setup(PartContext& cx) {
  if (!spec_.enabled) {
    info_.error = "disabled in the campaign";
    return {};
  }
  const auto stall = duration_cast<microseconds>(spec_.stall);
  const auto window = duration_cast<microseconds>(spec_.window);
  info_.spec = PsiTrigger::format(spec_.kind, stall, window);
  info_.window_source =
      !spec_.window_default        ? "set in the campaign"
      : spec_.window < std::chrono::seconds(2)
          ? "the host's default: sub-second, the daemon has CAP_SYS_RESOURCE"
          : "the host's default: 2 s (without CAP_SYS_RESOURCE the kernel takes whole 2 s "
            "windows only; with it, a stall over 500ms keeps 2 s)";
  if (!cx.pressure_file) {
    info_.error = "this host has no per-cgroup PSI";
    cx.emit(LogLine{"PSI trigger not armed: " + info_.error});
    return {};
  }
  const PsiTriggerEvent event{std::string(campaign::to_string(spec_.kind)),
                              static_cast<std::uint64_t>(stall.count()),
                              static_cast<std::uint64_t>(window.count())};
  auto armed = PsiTrigger::arm(cx.io, *cx.pressure_file, info_.spec, [this, &cx, event] {
    info_.events_s.push_back(cx.now_s());
    cx.emit(event);
  });
  if (!armed) {
    info_.error = armed.error().message;
    cx.emit(LogLine{"PSI trigger not armed: " + info_.error});
    return {};
  }
  trigger_ = std::move(armed).value();
  info_.armed = true;
  return {};
}

Status PsiTriggerPart::teardown(PartContext&) {
  if (trigger_) trigger_->close();
  trigger_.reset();
  return {};
}

}  // namespace mt::daemon
