#!/usr/bin/env bash
# Runs one campaign N times on a private daemon and prints one row per run, then "passed K of N".
#
#   bench/repeat.sh CONFIG N          (as root)
#
# For findings such as "configs/dentry-flood.yaml fails here": one run says little on a shared,
# noisy machine, a pass rate over N runs says more. Each row: the verdict, memtorturectl's exit
# code, OOM kills and when the first was seen, the memory figures of the report
# (memory.peak_bytes, memory.max_kernel_bytes, memory.failcnt), the floods' ops/s (sum over the
# flood workloads, average over their run, from the report) and the 1-minute load average when
# the run started (the result depends on what else the machine is doing).
#
# Builds nothing. Binaries: MEMTORTURED, MEMTORTURECTL, MEMTORTURE_WORKER (as the e2e runner
# takes them), else build/daemon/memtortured, build/client/memtorturectl,
# build/workloads/memtorture-worker. REPEAT_REPORTS=DIR copies each run's report.json to
# DIR/run-<i>.json. Needs jq.
#
# The daemon gets its own socket and state directory in a mktemp -d directory and its own cgroup
# prefix, memtorture-bench-<pid of this script>, so it shares nothing with another daemon. At the
# end, also on Ctrl-C (memtorturectl stops the running campaign, which shows as "aborted") or
# SIGTERM (taken once the running campaign has ended), it is stopped by its pid (SIGTERM: it
# aborts a running campaign and removes its cgroups) and the temp directory is removed.
set -euo pipefail

usage() {
  echo "usage: $0 CONFIG N   (as root; MEMTORTURED, MEMTORTURECTL, MEMTORTURE_WORKER pick the binaries)" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
[[ $2 =~ ^[1-9][0-9]*$ ]] || usage
config=$(realpath -e -- "$1") || { echo "repeat: no such file: $1" >&2; exit 2; }
runs=$2
[[ $(id -u) == 0 ]] || { echo "repeat: run as root (the daemon creates cgroups)" >&2; exit 2; }
command -v jq >/dev/null || { echo "repeat: jq is not installed" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
daemon_bin=${MEMTORTURED:-$root/build/daemon/memtortured}
ctl_bin=${MEMTORTURECTL:-$root/build/client/memtorturectl}
worker_bin=${MEMTORTURE_WORKER:-$root/build/workloads/memtorture-worker}
for bin in "$daemon_bin" "$ctl_bin" "$worker_bin"; do
  [[ -x $bin ]] || { echo "repeat: $bin is missing: build it first (or set the env vars)" >&2; exit 2; }
done
if [[ -n ${REPEAT_REPORTS:-} ]]; then mkdir -p "$REPEAT_REPORTS"; fi

work=$(mktemp -d /tmp/memtorture-repeat.XXXXXX)
socket=$work/sock
prefix=memtorture-bench-$$
daemon=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $daemon ]] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon" 2>/dev/null || true
    # It aborts a running campaign first: workers get SIGTERM, SIGKILL after a grace period.
    for _ in $(seq 300); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$daemon" 2>/dev/null; then
      echo "repeat: daemon pid $daemon still running 30 s after SIGTERM; SIGKILL" \
        "(check /sys/fs/cgroup/*/$prefix)" >&2
      kill -KILL "$daemon" 2>/dev/null || true
    fi
    wait "$daemon" 2>/dev/null || true
  fi
  rm -f "/run/lock/$prefix.lock"  # the daemon leaves its prefix lock file
  if ((rc != 0)) && [[ -s $work/daemon.log ]]; then
    echo "repeat: daemon log (last lines):" >&2
    tail -n 20 "$work/daemon.log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
passed=0 done_runs=0
interrupted() {
  echo "interrupted: passed $passed of the $done_runs runs that finished" >&2
  exit "$1"
}
trap cleanup EXIT
trap 'interrupted 130' INT
trap 'interrupted 143' TERM

# Own session: a Ctrl-C goes to memtorturectl (which stops the campaign and still prints its
# report), not to the daemon, which this script stops itself. --pdeathsig: if this script dies,
# even by SIGKILL, the daemon gets SIGTERM and removes its cgroups. Both exec in place, so $! is
# the daemon's pid.
launcher=()
command -v setsid >/dev/null && launcher+=(setsid)
setpriv --help 2>/dev/null | grep -q pdeathsig && launcher+=(setpriv --pdeathsig TERM --)
"${launcher[@]}" "$daemon_bin" --socket "$socket" --state-dir "$work/state" \
  --cgroup-prefix "$prefix" --worker "$worker_bin" --log-level warn \
  </dev/null >"$work/daemon.log" 2>&1 &
daemon=$!
ctl=("$ctl_bin" --socket "$socket")
for _ in $(seq 100); do
  "${ctl[@]}" system >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { echo "repeat: the daemon exited at start" >&2; exit 1; }
  sleep 0.1
done
"${ctl[@]}" system >/dev/null 2>&1 || { echo "repeat: the daemon does not answer" >&2; exit 1; }
[[ $(readlink "/proc/$daemon/exe") == "$(realpath "$daemon_bin")" ]] ||
  { echo "repeat: pid $daemon is not the daemon" >&2; exit 1; }

mib() { awk -v b="$1" 'BEGIN { if (b == "" || b == "null") print "-"; else printf "%.1fMi", b / 1048576 }'; }

echo "# $(basename "$config") x $runs, kernel $(uname -r), $(nproc) CPUs, $(date -u +%FT%TZ)"
echo "# daemon $daemon_bin (pid $daemon), prefix $prefix"
fmt='%-4s %-8s %-4s %-9s %-10s %-9s %-10s %-8s %-10s %-6s\n'
printf "$fmt" run verdict exit oom_kills first_kill peak max_kernel failcnt flood_op/s load1
for ((i = 1; i <= runs; i++)); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  rc=0
  "${ctl[@]}" --json run "$config" >"$work/report.json" 2>"$work/run.err" || rc=$?
  # (jq -e says "true" on empty input: ask for the value.)
  if [[ -z $(jq -r '.verdict // empty' "$work/report.json" 2>/dev/null) ]]; then
    printf "$fmt" "$i" "-" "$rc" "-" "-" "-" "-" "-" "-" "$load"
    sed 's/^/#   /' "$work/run.err" | tail -n 5
    done_runs=$i
    kill -0 "$daemon" 2>/dev/null || { echo "repeat: the daemon is gone" >&2; exit 1; }
    continue
  fi
  [[ -n ${REPEAT_REPORTS:-} ]] && cp "$work/report.json" "$REPEAT_REPORTS/run-$i.json"
  row=$(jq -r '[
      .verdict, .oom_kills,
      (if (.oom_kill_times_s | length) > 0 then "\(.oom_kill_times_s[0] * 10 | round / 10)s" else "-" end),
      .memory.peak_bytes, .memory.max_kernel_bytes, .memory.failcnt,
      ([.workloads[] | select(.type == "flood") | .ops_per_s] | add // 0 | round)
    ] | map(tostring) | join(" ")' "$work/report.json")
  read -r verdict ooms first peak kern failcnt rate <<<"$row"
  [[ $verdict == passed ]] && passed=$((passed + 1))
  done_runs=$i
  printf "$fmt" "$i" "$verdict" "$rc" "$ooms" "$first" "$(mib "$peak")" "$(mib "$kern")" \
    "$failcnt" "$rate" "$load"
  # Only a Ctrl-C aborts a campaign of this private daemon (memtorturectl stops it on SIGINT
  # and exits 3; bash then runs no INT trap, the child having handled the signal): stop here.
  [[ $verdict == aborted ]] && interrupted 130
done
echo "passed $passed of $runs"
