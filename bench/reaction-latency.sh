#!/usr/bin/env bash
# Reaction latency through campaigns: bench/campaigns/reaction-latency-{log,expedite}.yaml, each
# a reaction that fires every other sample (10 ms apart), N rounds each (default 1; ~250 firings
# a round). Per action, over every firing: detection latency (the condition true in the sampled
# data -> detected: the sample's own time to the reactions part's look), detection -> action done
# (what the issue's goal of p99 <= 2 ms is about), and the action alone; p50, p99, max in µs.
# Run as root. Output also goes to bench/results/reaction-latency-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-1}
source bench/prologue.sh
bench_prologue reaction-latency
{
  echo "# reaction latency through campaigns, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
  for action in log expedite; do
    mkdir -p "$reports/$action"
    REPEAT_REPORTS=$reports/$action bench/repeat.sh "bench/campaigns/reaction-latency-$action.yaml" "$rounds" >/dev/null
  done
  echo
  echo "action    firings  detect_p50 detect_p99 detect_max  done_p50 done_p99 done_max  action_p50 action_p99   (µs)"
  for action in log expedite; do
    jq -s -r --arg action "$action" '
      def pct(p): sort | .[((length - 1) * p | floor)];
      [.[].parts.reactions.firings[] | select(.done_us != null)] as $f |
      [$f[] | .detected_us - .true_since_us] as $detect |
      [$f[] | .detection_to_done_us] as $done |
      [$f[] | .actions[0].took_us] as $act |
      [$action, ($f | length),
       ($detect | pct(0.5)), ($detect | pct(0.99)), ($detect | max),
       ($done | pct(0.5)), ($done | pct(0.99)), ($done | max),
       ($act | pct(0.5)), ($act | pct(0.99))] |
      [.[0], .[1]] + (.[2:] | map(. * 10 | round / 10)) | @tsv' "$reports/$action"/run-*.json
  done
  echo
  echo "rcu_expedited now: $(cat /sys/kernel/rcu_expedited) (the campaigns set it to 0 for their run and put it back)"
} | tee "$out"
