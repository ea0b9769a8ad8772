#!/usr/bin/env bash
# The RCU ledger through campaigns: runs configs/rcu-ledger.yaml N times (default 3) on a private
# daemon (bench/repeat.sh) and prints every backlog measurement of every run (a barrier every 3 s
# with the UDP flood paused): what the barrier freed, what the walk just before it found, their
# disagreement, and the campaign cgroup's kernel-memory drop across the barrier as a share of
# what it freed; then the medians, and the pending bytes during the flood (walk median and max).
# Run as root. Output also goes to bench/results/ledger-backlog-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
source bench/prologue.sh
bench_prologue ledger-backlog
{
  echo "# RCU ledger backlogs through campaigns, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs"
  echo "rcu_expedited=$(cat /sys/kernel/rcu_expedited) rcu_normal=$(cat /sys/kernel/rcu_normal)"
  REPEAT_REPORTS=$reports bench/repeat.sh configs/rcu-ledger.yaml "$runs"
  echo
  echo "run  t_s   outcome  barrier   walk      walk-vs-barrier  cgroup-drop  drop/barrier  paused  walk: complete retries cbs done invoking  pending_before invoked"
  for f in "$reports"/run-*.json; do
    jq -r --arg run "$(basename "$f" .json)" '.parts.ledger.backlogs[] |
      [$run, (.t_s|floor), .outcome, (.bytes/1048576*10|round/10|tostring+"Mi"),
       ((.walk_bytes // 0)/1048576*10|round/10|tostring+"Mi"),
       ((.walk_vs_barrier_percent // 0)*10|round/10|tostring+"%"),
       ((.cgroup_kernel_drop // 0)/1048576*10|round/10|tostring+"Mi"),
       ((.cgroup_drop_percent_of_barrier // 0)|round|tostring+"%"), .floods_paused,
       .walk_complete, .walk_retries, .walk_callbacks, .walk_done_callbacks, (.walk_invoking_callbacks // 0), .pending_before,
       .callbacks_invoked] | @tsv' "$f"
  done
  echo
  jq -s -r '
    def median: sort | if length == 0 then 0 elif length % 2 == 1 then .[length/2|floor]
                else (.[length/2-1] + .[length/2]) / 2 end;
    [.[].parts.ledger.backlogs[]] as $b |
    [.[].parts.ledger.walks.bytes_median] as $wm |
    [.[].parts.ledger.walks.bytes_max] as $wx |
    [.[].parts.ledger.freed.bytes_per_s] as $fr |
    [.[].parts.ledger.freed.recursion_miss_percent] as $rm |
    "backlogs: \($b|length); median barrier \(([$b[].bytes]|median)/1048576*10|round/10) MiB, " +
    "median walk-vs-barrier \([$b[].walk_vs_barrier_percent]|median*10|round/10)%, " +
    "median cgroup drop \([$b[].cgroup_drop_percent_of_barrier]|median|round)% of the barrier\n" +
    "pending bytes during the flood (walks): median of run medians \(($wm|median)/1048576*10|round/10) MiB, " +
    "max \(($wx|max)/1048576*10|round/10) MiB\n" +
    "freed through RCU: median \(($fr|median)/1048576|round) MiB/s; recursion misses median \($rm|median*100|round/100)% of objects"
  ' "$reports"/run-*.json
} 2>&1 | tee "$out"
