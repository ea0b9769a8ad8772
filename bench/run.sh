#!/usr/bin/env bash
# Benchmarks behind the figures in notes and README (run as root, on an otherwise idle machine):
#   1. configs/smoke.yaml: wall time of `memtorturectl run`, memtortured's RSS (mean, peak) and
#      CPU (% of one core) while it runs;
#   2. flood ops/s per thread for udp_socket and dentry, 1 and 2 threads (bench/campaigns/).
# Each figure is the median of --repeat runs (default 3). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repeat=3
[ "${1:-}" = "--repeat" ] && repeat=$2
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }
scripts/setup.sh memtortured memtorturectl memtorture-worker >/dev/null

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
}
trap cleanup EXIT
for _ in $(seq 50); do "${ctl[@]}" system >/dev/null 2>&1 && break; sleep 0.2; done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$daemon/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$daemon/status"; }

walls=() cpus=() rss_means=() rss_peaks=()
for _ in $(seq "$repeat"); do
  c0=$(cpu_ticks); t0=$(date +%s.%N)
  "${ctl[@]}" run configs/smoke.yaml >"$work/smoke.out" 2>&1 &
  run=$!
  sum=0 n=0 peak=0
  while kill -0 "$run" 2>/dev/null; do
    r=$(rss_kb); sum=$((sum + r)); n=$((n + 1)); ((r > peak)) && peak=$r
    sleep 0.1
  done
  wait "$run" || { cat "$work/smoke.out" >&2; echo "bench: smoke campaign did not pass" >&2; exit 1; }
  t1=$(date +%s.%N); c1=$(cpu_ticks)
  walls+=("$(echo "$t1 - $t0" | bc -l)")
  cpus+=("$(echo "100 * ($c1 - $c0) / $ticks / ($t1 - $t0)" | bc -l)")
  rss_means+=("$(echo "$sum / $n / 1024" | bc -l)")
  rss_peaks+=("$(echo "$peak / 1024" | bc -l)")
done

echo "| figure | median of $repeat |"
echo "|---|---|"
printf '| smoke campaign wall time (memtorturectl run, 10 s campaign) | %.2f s |\n' "$(printf '%s\n' "${walls[@]}" | median)"
printf '| memtortured RSS during smoke, mean | %.1f MiB |\n' "$(printf '%s\n' "${rss_means[@]}" | median)"
printf '| memtortured RSS during smoke, peak | %.1f MiB |\n' "$(printf '%s\n' "${rss_peaks[@]}" | median)"
printf '| memtortured CPU during smoke | %.2f %% of one core |\n' "$(printf '%s\n' "${cpus[@]}" | median)"

for f in bench/campaigns/flood-*.yaml; do
  rates=()
  for _ in $(seq "$repeat"); do
    "${ctl[@]}" --json run "$f" >"$work/report.json" 2>/dev/null \
      || { echo "bench: $f did not pass" >&2; exit 1; }
    rates+=("$(jq '.workloads[0].ops_per_s / .workloads[0].threads' "$work/report.json")")
  done
  kind=$(jq -r '.workloads[0].kind' "$work/report.json")
  threads=$(jq '.workloads[0].threads' "$work/report.json")
  printf '| %s flood, %s thread(s): ops/s per thread | %.0f |\n' "$kind" "$threads" \
    "$(printf '%s\n' "${rates[@]}" | median)"
done
