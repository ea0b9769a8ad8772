#!/usr/bin/env bash
# The RCU ledger's figures on this machine (run as root; takes about three minutes):
#   1. what the ledger sees idle (facts, counts, one walk, one second of frees, one barrier);
#   2. UDP flood ops/s with and without method 1 attached (alternating windows, paired median),
#      recursion misses, per-program cost with BPF statistics on;
#   2b. the same with method 2's sampler as a campaign runs it (pending_counts() every 100 ms,
#      a walk every 1 s, on a thread of its own): method 1 alone, the sampler alone, both;
#   3. backlog by barrier with the flood running vs paused, the walk vs the barrier's freed bytes
#      with the flood paused (agreement %), pending bytes during the flood.
# The flood runs in a memory-limited memtorture-ledger-<pid> cgroup that is removed at the end.
# Output goes to stdout and to bench/results/ledger-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "ledger.sh: run as root" >&2; exit 2; }
scripts/setup.sh ledger_bench >/dev/null
mkdir -p bench/results
out=bench/results/ledger-$(date +%Y-%m-%d).txt
{
  echo "# RCU ledger benchmark, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs"
  echo "rcu_expedited=$(cat /sys/kernel/rcu_expedited) rcu_normal=$(cat /sys/kernel/rcu_normal)"
  echo "## idle"
  build/bench/ledger_bench show 1
  echo "## overhead"
  build/bench/ledger_bench overhead "${LEDGER_ROUNDS:-40}" "${LEDGER_WINDOW_MS:-300}"
  echo "## overhead with the sampler"
  build/bench/ledger_bench overhead-sampler "${LEDGER_ROUNDS:-40}" "${LEDGER_WINDOW_MS:-300}"
  echo "## backlog"
  build/bench/ledger_bench backlog "${LEDGER_BACKLOG_ROUNDS:-5}"
} 2>&1 | tee "$out"
