#!/usr/bin/env bash
# The daemon over a long run: campaigns back to back (floods, OOM kills, campaigns stopped
# mid-run, a variants campaign) with watch clients that join and drop, and every minute the
# daemon's resident memory (all of it, and the anonymous part), open file descriptors and
# threads. Prints one row per minute and a verdict: anonymous resident memory (RssAnon: the heap,
# stacks; what a leak grows) grows at most 1 MiB after the first ten minutes, fds and threads stay
# flat, and no campaign is lost (every one started is listed with a final verdict). The file-
# backed part of RSS (the binary's and libraries' pages, shared with the page cache) is shown
# but not judged: it grows as code paths are first run and shrinks when the kernel reclaims
# page cache. Each row is taken between two campaigns (see quiescent()).
#
#   bench/soak.sh [SECONDS]        (as root; default 3600)
#
# Writes bench/results/soak-<date>.txt. The daemon is a private one (its own socket, state
# directory and cgroup prefix memtorture-soak), stopped by pid at the end, also on Ctrl-C.
# Exit 0 when the verdict holds, 1 when it does not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/prologue.sh
. scripts/private-daemon.sh
duration=${1:-3600}
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
bench_prologue soak

watchers=()
cleanup() {
  for p in "${watchers[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_private_daemon
  rm -rf "${work:-}" "$reports"
}
trap cleanup EXIT
start_private_daemon memtorture-soak "$reports/daemon.log"

cat >"$reports/flood.yaml" <<EOF
campaign: soak-flood
duration: 5s
cgroup: {memory_limit: 128Mi}
workloads:
  - {name: udp, type: flood, kind: udp_socket, threads: 2}
  - {name: dentries, type: flood, kind: dentry}
EOF
cat >"$reports/oom.yaml" <<EOF
campaign: soak-oom
duration: 4s
cgroup: {memory_limit: 64Mi}
workloads:
  - {name: grow, type: anon, size: 96Mi, ramp: 1s}
  - {name: udp, type: flood, kind: udp_socket}
expect_oom: true
EOF
cat >"$reports/long.yaml" <<EOF
campaign: soak-stopped
duration: 30s
cgroup: {memory_limit: 128Mi}
workloads:
  - {name: hog, type: anon, size: 32Mi}
  - {name: tasks, type: flood, kind: task}
EOF
cat >"$reports/ab.yaml" <<EOF
campaign: soak-ab
duration: 2s
cgroup: {memory_limit: 128Mi}
workloads:
  - {name: udp, type: flood, kind: udp_socket}
variants:
  - {name: plain}
  - {name: slow, workloads: {udp: {rate: 2000}}}
EOF

pid=$daemon
field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
started=()
minute_rows=()
t0=$(date +%s)
next_sample=$t0
# Between two campaigns: none running, and a moment for the last one's clean-up (its runner
# freed, malloc_trim), so that a row is what the daemon keeps, not a running campaign's working
# set (the RCU ledger's BPF objects and kernel BTF, samples), which comes and goes with it.
quiescent() {
  for _ in $(seq 50); do
    "${ctl[@]}" system 2>/dev/null | grep -qE '^running campaign +-$' && break
    sleep 0.2
  done
  sleep 1
}
sample() {
  local now; now=$(date +%s)
  ((now >= next_sample)) || return 0
  quiescent
  local rss anon fds threads
  rss=$(field VmRSS)
  anon=$(field RssAnon)
  fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  threads=$(field Threads)
  minute_rows+=("$(( (now - t0) / 60 )) $rss $anon $fds $threads ${#started[@]}")
  printf '%6s %10s %10s %5s %8s %10s\n' "$(( (now - t0) / 60 ))" "$rss" "$anon" "$fds" "$threads" \
    "${#started[@]}"
  next_sample=$((next_sample + 60))
}

# watch clients on campaign ID: three join, one drops after a second, the others follow it.
watch_some() {
  local id=$1 p
  for _ in 1 2 3; do
    "${ctl[@]}" watch "$id" >/dev/null 2>&1 &
    watchers+=($!)
  done
  sleep 1
  kill "${watchers[-1]}" 2>/dev/null || true
}
reap_watchers() {
  local alive=()
  for p in "${watchers[@]}"; do
    if kill -0 "$p" 2>/dev/null; then alive+=("$p"); else wait "$p" 2>/dev/null || true; fi
  done
  watchers=("${alive[@]}")
}
wait_final() {  # ID: until it is final (at most 60 s)
  for _ in $(seq 300); do
    "${ctl[@]}" status "$1" 2>/dev/null | grep -qE '\): (passed|failed|aborted|error)$' && return 0
    sleep 0.2
  done
  return 1
}

printf '%6s %10s %10s %5s %8s %10s\n' minute rss_kb anon_kb fds threads campaigns
sample
round=0
while (($(date +%s) - t0 < duration)); do
  round=$((round + 1))
  case $((round % 4)) in
    1) file=flood.yaml ;;
    2) file=oom.yaml ;;
    3) file=long.yaml ;;
    0) file=ab.yaml ;;
  esac
  id=$("${ctl[@]}" start "$reports/$file")
  started+=("$id")
  watch_some "$id"
  if [[ $file == long.yaml ]]; then
    sleep 2
    "${ctl[@]}" stop "$id" >/dev/null
  fi
  wait_final "$id" || echo "campaign $id did not end within 60 s" >&2
  reap_watchers
  sample
done
sample

# Every campaign started is known, with a final verdict.
lost=0
listing=$("${ctl[@]}" list)
for id in "${started[@]}"; do
  grep -qE "$id .*(passed|failed|aborted|error)" <<<"$listing" || { echo "lost: $id" >&2; lost=$((lost + 1)); }
done

summary=$(printf '%s\n' "${minute_rows[@]}" | awk -v lost="$lost" '
  { m[NR] = $1; rss[NR] = $2; anon[NR] = $3; fds[NR] = $4; thr[NR] = $5; n = NR; c = $6 }
  END {
    base = 1; for (i = 1; i <= n; i++) if (m[i] <= 10) base = i
    lo_f = hi_f = fds[base]; lo_t = hi_t = thr[base]; hi_r = rss[base]; hi_a = anon[base]
    for (i = base; i <= n; i++) {
      if (rss[i] > hi_r) hi_r = rss[i]
      if (anon[i] > hi_a) hi_a = anon[i]
      if (fds[i] < lo_f) lo_f = fds[i]; if (fds[i] > hi_f) hi_f = fds[i]
      if (thr[i] < lo_t) lo_t = thr[i]; if (thr[i] > hi_t) hi_t = thr[i]
    }
    growth = hi_a - anon[base]
    ok = (growth <= 1024 && hi_f - lo_f <= 2 && hi_t - lo_t <= 2 && lost == 0)
    printf "campaigns %d, lost %d; from minute %d: anonymous rss %d -> max %d kB (growth %d kB, limit 1024; all of rss %d -> max %d kB), fds %d..%d, threads %d..%d: %s\n",
      c, lost, m[base], anon[base], hi_a, growth, rss[base], hi_r, lo_f, hi_f, lo_t, hi_t, ok ? "PASS" : "FAIL"
    exit ok ? 0 : 1
  }') && rc=0 || rc=1
echo "$summary"
{
  echo "# bench/soak.sh $duration, $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs"
  printf '%6s %10s %10s %5s %8s %10s\n' minute rss_kb anon_kb fds threads campaigns
  for row in "${minute_rows[@]}"; do printf '%6s %10s %10s %5s %8s %10s\n' $row; done
  echo "$summary"
} >"$out"
exit $rc
