// The LedgerSource on the running kernel: loads bpf/rcu_freed.bpf.c and bpf/rcu_pending.bpf.c
// from their skeletons, attaches method 1, derives and checks method 2's per-CPU addresses.
#pragma once

#include <memory>

#include "common/result.h"
#include "rcu/ledger.h"
#include "rcu/ledger_source.h"

namespace mt::rcu {

Result<std::unique_ptr<LedgerSource>> open_bpf_ledger_source(const LedgerOptions& options);

}  // namespace mt::rcu
