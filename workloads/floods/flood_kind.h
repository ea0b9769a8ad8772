// A flood kind described once: a system-call sequence whose kernel objects are freed through RCU
// callbacks (see /work/shared/reference/kernel-facts.md), its name in campaign files, and its
// driver, which makes the operation each flood thread loops over. One file per kind in this
// folder; the one list of them is kinds.h. The campaign parser takes `kind:` from that list and
// FloodWorkload (workloads/flood.h) runs the driver; neither names a kind.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mt::workloads {

// One thread's operation, called in a loop by that thread only.
class FloodOp {
 public:
  virtual ~FloodOp() = default;
  // One operation. Returns 0, or the errno of the step that failed.
  virtual int operator()() = 0;
};

// What a driver gets to make one thread's operation.
struct FloodOpContext {
  int thread = 0;             // the thread's index, e.g. for names
  std::filesystem::path dir;  // needs_dir: the thread's own directory (it exists); else empty
};

struct FloodKind {
  std::string_view name;     // the campaign file's `kind:` value, e.g. "udp_socket"
  std::string_view summary;  // one line: what one operation does, which objects go through RCU
  bool needs_dir = false;    // its operations work in a directory (the worker's --dir)
  // The driver: one thread's operation, or why it cannot be made.
  Result<std::unique_ptr<FloodOp>> (*make_op)(const FloodOpContext& context) = nullptr;
  // Why this host cannot run the kind (a kernel without the system call's subsystem, a missing
  // capability), read once by the daemon at start-up so that a campaign is refused at validation;
  // empty when it can. nullptr: every host can.
  std::string (*unavailable)() = nullptr;
};

// Whether this process has capability `cap` (linux/capability.h numbering) in its effective set,
// from /proc/self/status.
bool has_effective_capability(int cap);

// The driver of a kind whose operation needs nothing made beforehand: `Op` default-constructed.
template <class Op>
Result<std::unique_ptr<FloodOp>> make_plain_op(const FloodOpContext&) {
  return std::unique_ptr<FloodOp>(std::make_unique<Op>());
}

}  // namespace mt::workloads
