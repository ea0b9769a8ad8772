#!/usr/bin/env bash
# The nightly run a CI job calls: set up, start a private memtortured (its own socket, state
# directory and cgroup prefix), run a campaign suite with `memtorturectl suite`, stop the daemon,
# and leave everything in one folder: junit.xml, index.html, each campaign's report.json and
# report.html, daemon.log.
#
#   scripts/nightly.sh [--out DIR] [--history DIR] [--time-budget 30m] [CAMPAIGNS...]
#
# --out defaults to nightly-out/; CAMPAIGNS (files or folders) to configs/nightly/. With
# --history DIR (kept between nights, e.g. a CI cache) tonight's headline figures are appended to
# DIR/history.jsonl and the index plots them over the nights. Exit code: the worst campaign's
# (0 passed, 1 criteria failed, 2 invalid, 3 error), as `memtorturectl run`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" != 0 ]; then
  echo "nightly: run as root: memtortured creates memory cgroups" >&2
  exit 2
fi

out=nightly-out
args=()
campaigns=()
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --history|--time-budget|--name) args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
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
start_private_daemon memtorture-nightly "$out/daemon.log"

rc=0
"${ctl[@]}" suite "${campaigns[@]}" --out "$out" --junit "$out/junit.xml" "${args[@]}" || rc=$?
cleanup
echo "nightly: artifacts in $out (index.html, junit.xml); exit code $rc"
exit "$rc"
