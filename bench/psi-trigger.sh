#!/usr/bin/env bash
# How dependable the kernel's PSI trigger is on this machine: runs the e2e case
# psi-trigger-events (a page-cache writer stalls the campaign's cgroup for 8 s against a
# `some 10ms/2s` trigger) N times and counts the campaigns the kernel sent at least one event
# for. Every case tries its campaign up to 3 times; each try is one row.
#
#   bench/psi-trigger.sh N        (as root; binaries from build/, or MEMTORTURED etc.)
set -euo pipefail
[[ $# -eq 1 && $1 =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 N" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case_file=$root/tests/integration/e2e/cases/psi-trigger-events.case
log=$(mktemp /tmp/memtorture-psi-bench.XXXXXX)
trap 'rm -f "$log"' EXIT
tries=0 with_event=0
for ((i = 1; i <= $1; i++)); do
  : >"$log"
  PSI_BENCH_LOG=$log bash "$root/tests/integration/e2e/run-case.sh" "$case_file" "$root/build" \
    "$root" >/dev/null 2>&1 || true
  while read -r line; do
    echo "run $i: $line"
    tries=$((tries + 1))
    [[ $line =~ ,\ ([0-9]+)\ trigger ]] && ((BASH_REMATCH[1] > 0)) && with_event=$((with_event + 1))
  done <"$log"
done
echo "campaigns with at least one trigger event: $with_event of $tries"
