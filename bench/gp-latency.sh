#!/usr/bin/env bash
# Grace-period latency with rcu_expedited 0 and 1, measured through campaigns (the product's own
# path: the kernel: part sets the knob, the grace-period probe times one synchronize_rcu() by
# membarrier GLOBAL every 100 ms, the kernel: part puts the knob back). Four cases, each a 10 s
# campaign in bench/campaigns/ (a 16Mi anonymous workload in a 256Mi cgroup):
#   gp-expedited-0.yaml, gp-expedited-1.yaml            idle
#   gp-expedited-0-udp.yaml, gp-expedited-1-udp.yaml    beside a 1-thread UDP socket flood
# Each case runs ROUNDS times (default 3), the cases interleaved within a round so that drift on
# this shared machine spreads over all of them. Figures are read off each report's
# parts.gp_probe.phases[]; a phase whose knobs are not the case's is reported, not counted.
# Prints a table: case, rounds, median of p50, median of p99, max, grace periods timed.
# Checks that rcu_expedited is what it was before (after every campaign and at the end).
# Run as root; takes about ROUNDS x 50 s. Output goes to stdout and to
# bench/results/gp-latency-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/gp-latency.sh [ROUNDS]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "gp-latency: run as root" >&2; exit 2; }
scripts/setup.sh memtortured memtorturectl memtorture-worker >/dev/null
mkdir -p bench/results
out=bench/results/gp-latency-$(date +%Y-%m-%d).txt

knob=/sys/kernel/rcu_expedited
before=$(cat "$knob")
normal_before=$(cat /sys/kernel/rcu_normal)

work=$(mktemp -d /tmp/memtorture-bench.XXXXXX)
socket=$work/sock
ctl=(build/client/memtorturectl --socket "$socket")
build/daemon/memtortured --socket "$socket" --state-dir "$work/state" --log-level warn \
  --cgroup-prefix memtorture-bench \
  >"$work/daemon.log" 2>&1 &
daemon=$!
cleanup() {
  kill -0 "$daemon" 2>/dev/null && { kill -TERM "$daemon"; wait "$daemon" || true; }
  rm -f /run/lock/memtorture-bench.lock  # the daemon leaves its prefix lock file
  rm -rf "$work"
  # The daemon puts its knobs back (at each campaign's end, and from its journal at start-up);
  # if it did not, say so and put the value back here: the machine's next user inherits it.
  local now
  now=$(cat "$knob")
  if [ "$now" != "$before" ]; then
    echo "gp-latency: rcu_expedited is $now after the run, was $before: putting it back" >&2
    echo "$before" >"$knob"
  fi
}
trap cleanup EXIT
for _ in $(seq 50); do "${ctl[@]}" system >/dev/null 2>&1 && break; sleep 0.2; done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maximum() { sort -g | tail -n1; }
us() {  # a latency in µs, in µs or ms
  awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.2f ms", v / 1000; else printf "%.1f us", v }'
}

cases=(gp-expedited-0 gp-expedited-1 gp-expedited-0-udp gp-expedited-1-udp)
declare -A p50s p99s maxes counts ops dropped foreign
{
  echo "# grace-period latency through campaigns, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs"
  echo "rcu_expedited before the script: $before (rcu_normal $normal_before)"
  echo "$rounds round(s) of: ${cases[*]} (bench/campaigns/<case>.yaml, 10 s each, probe every 100 ms)"
} | tee "$out"

for r in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    f=bench/campaigns/$c.yaml
    want=${c#gp-expedited-}; want=${want%-udp}
    report=$work/$c-$r.json
    "${ctl[@]}" --json run "$f" >"$report" 2>"$work/run.err" \
      || { cat "$work/run.err" >&2; echo "gp-latency: $f did not pass (round $r)" >&2; exit 1; }
    now=$(cat "$knob")
    [ "$now" = "$before" ] \
      || { echo "gp-latency: rcu_expedited is $now after $c, was $before" >&2; exit 1; }
    jq -e '.parts.kernel.restored == true and .parts.kernel.error == ""' "$report" >/dev/null \
      || { echo "gp-latency: $c: parts.kernel: $(jq -c .parts.kernel "$report")" >&2; exit 1; }
    in_force=$(jq -r '.parts.kernel.knobs.rcu_expedited.in_force' "$report")
    [ "$in_force" = "$want" ] \
      || { echo "gp-latency: $c: rcu_expedited in force was $in_force, not $want" >&2; exit 1; }
    err=$(jq -r '.parts.gp_probe.error' "$report")
    [ -z "$err" ] || { echo "gp-latency: $c: probe: $err" >&2; exit 1; }
    # The phase of this case: its knobs string names rcu_expedited=<want>.
    phase=$(jq -c --arg k "rcu_expedited=$want" \
      '[.parts.gp_probe.phases[] | select(.knobs | split(" ") | index($k))]' "$report")
    [ "$(jq length <<<"$phase")" = 1 ] \
      || { echo "gp-latency: $c: phases $(jq -c .parts.gp_probe.phases "$report")" >&2; exit 1; }
    knobs=$(jq -r '.[0].knobs' <<<"$phase")
    p50s[$c]+="$(jq '.[0].p50_us' <<<"$phase") "
    p99s[$c]+="$(jq '.[0].p99_us' <<<"$phase") "
    maxes[$c]+="$(jq '.[0].max_us' <<<"$phase") "
    counts[$c]=$(( ${counts[$c]:-0} + $(jq '.[0].count' <<<"$phase") ))
    dropped[$c]=$(( ${dropped[$c]:-0} + $(jq '.parts.gp_probe.dropped_ticks' "$report") ))
    other=$(jq -c --arg k "rcu_expedited=$want" \
      '[.parts.gp_probe.phases[] | select(.knobs | split(" ") | index($k) | not)
        | "\(.knobs): \(.count)"]' "$report")
    [ "$other" = "[]" ] || foreign[$c]+="round $r $other; "
    flood=$(jq '[.workloads[] | select(.kind == "udp_socket") | .ops_per_s] | first // empty' \
      "$report")
    [ -z "$flood" ] || ops[$c]+="$flood "
    printf 'round %d %-20s knobs "%s": %4d timed, p50 %s, p99 %s, max %s%s\n' "$r" "$c" "$knobs" \
      "$(jq '.[0].count' <<<"$phase")" "$(us "$(jq '.[0].p50_us' <<<"$phase")")" \
      "$(us "$(jq '.[0].p99_us' <<<"$phase")")" "$(us "$(jq '.[0].max_us' <<<"$phase")")" \
      "${flood:+, flood $(printf '%.0f' "$flood") ops/s}" | tee -a "$out"
  done
done

col() { tr ' ' '\n' <<<"$1" | grep -v '^$'; }
{
  echo
  echo "| case | rounds | median of p50 | median of p99 | max | grace periods timed | ticks dropped | flood ops/s (median) |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in "${cases[@]}"; do
    flood=-
    [ -z "${ops[$c]:-}" ] || flood=$(printf '%.0f' "$(col "${ops[$c]}" | median)")
    printf '| %s | %d | %s | %s | %s | %d | %d | %s |\n' "$c" "$rounds" \
      "$(us "$(col "${p50s[$c]}" | median)")" "$(us "$(col "${p99s[$c]}" | median)")" \
      "$(us "$(col "${maxes[$c]}" | maximum)")" "${counts[$c]}" "${dropped[$c]}" "$flood"
  done
  for c in "${cases[@]}"; do
    [ -z "${foreign[$c]:-}" ] || echo "note: $c: grace periods timed under other knobs (not counted): ${foreign[$c]}"
  done
  echo "rcu_expedited before: $before, after every campaign: $(cat "$knob")"
} | tee -a "$out"
