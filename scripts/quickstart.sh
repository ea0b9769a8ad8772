#!/usr/bin/env bash
# The README's first command: set up, start a private memtortured (its own socket and state
# directory), run configs/smoke.yaml with memtorturectl, print the summary and where the report
# is, stop the daemon. Extra arguments go to `memtorturectl run` (e.g. --junit out.xml).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" != 0 ]; then
  echo "quickstart: run as root: memtortured creates memory cgroups" >&2
  exit 2
fi
scripts/setup.sh memtortured memtorturectl memtorture-worker

. scripts/private-daemon.sh
trap stop_private_daemon EXIT
start_private_daemon memtorture-quickstart

rc=0
"${ctl[@]}" run configs/smoke.yaml "$@" || rc=$?
stop_private_daemon
echo "daemon log: $work/daemon.log"
echo "exit code: $rc (0 passed, 1 criteria failed, 2 invalid, 3 error)"
exit "$rc"
