#!/usr/bin/env bash
# The nightly run a CI job calls: set up, start a private memtortured (its own socket, state
# directory and cgroup prefix), run a campaign suite with `memtorturectl suite`, stop the daemon,
# and leave everything in one folder: junit.xml, index.html, each campaign's report.json and
# report.html, daemon.log.
#
#   scripts/nightly.sh [--out DIR] [--history DIR] [--time-budget 30m] [--kernels host,6.12]
#                      [CAMPAIGNS...]
#
# --out defaults to nightly-out/; CAMPAIGNS (files or folders) to configs/nightly/. With
# --history DIR (kept between nights, e.g. a CI cache) tonight's headline figures are appended to
# DIR/history.jsonl and the index plots them over the nights. Exit code: the worst campaign's
# (0 passed, 1 criteria failed, 2 invalid, 3 error), as `memtorturectl run`.
# --kernels runs the suite on each: `host` on this machine (into DIR/host/, with --history and
# --time-budget), `6.12` or `6.1` in a Debian guest kernel (scripts/kernel-test.sh, into DIR/6.12/);
# DIR/index.html then has one column per kernel (`memtorturectl index`). A kernel whose guest could
# not be had or booted (kernel-test.sh exit 3 or 4) is a column that says so and exit code 3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" != 0 ]; then
  echo "nightly: run as root: memtortured creates memory cgroups" >&2
  exit 2
fi

out=nightly-out
args=()
campaigns=()
kernels=
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --kernels) kernels=${2:?--kernels needs a list: host,6.12,6.1}; shift 2 ;;
    --history|--time-budget|--name) args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "nightly: unknown option $1" >&2; exit 2 ;;
    *) campaigns+=("$1"); shift ;;
  esac
done
((${#campaigns[@]})) || campaigns=(configs/nightly)

scripts/setup.sh memtortured memtorturectl memtorture-worker
mkdir -p "$out"
out=$(cd "$out" && pwd)

. scripts/private-daemon.sh
cleanup() {
  stop_private_daemon
  rm -rf "${work:-}"
}
trap cleanup EXIT

# The suite on this machine, its artifacts into $1.
run_host() {
  local rc=0
  start_private_daemon memtorture-nightly "$1/daemon.log"
  "${ctl[@]}" suite "${campaigns[@]}" --out "$1" --junit "$1/junit.xml" "${args[@]}" || rc=$?
  cleanup
  return "$rc"
}

if [ -z "$kernels" ]; then
  rc=0
  run_host "$out" || rc=$?
  echo "nightly: artifacts in $out (index.html, junit.xml); exit code $rc"
  exit "$rc"
fi

IFS=, read -r -a wanted <<<"$kernels"
for k in "${wanted[@]}"; do
  case "$k" in host|6.12|6.1) ;; *) echo "nightly: --kernels: '$k' is not host, 6.12 or 6.1" >&2; exit 2 ;; esac
done
worst=0
columns=()
for k in "${wanted[@]}"; do
  rc=0
  if [ "$k" = host ]; then
    mkdir -p "$out/host"
    run_host "$out/host" || rc=$?
    columns+=("host=$out/host")
  else
    # The guest has its own /tmp: campaigns are passed as paths it can see through its share of /.
    scripts/kernel-test.sh --kernel "$k" --out "$out/$k" "${campaigns[@]}" || rc=$?
    columns+=("$k=$out/$k/suite")
    if ((rc == 4)); then
      echo "nightly: kernel $k: its package could be neither found nor downloaded; not run" >&2
      rc=3
    fi
  fi
  echo "nightly: $k: exit code $rc"
  ((rc > worst)) && worst=$rc
done
"${MEMTORTURECTL:-build/client/memtorturectl}" index --out "$out/index.html" "${columns[@]}" || worst=3
echo "nightly: artifacts in $out (index.html: a column per kernel; each kernel's folder has its junit.xml); exit code $worst"
exit "$worst"
