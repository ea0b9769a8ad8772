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

work=$(mktemp -d /tmp/memtorture-quickstart.XXXXXX)
socket=$work/memtorture.sock
ctl=(build/client/memtorturectl --socket "$socket")
build/daemon/memtortured --socket "$socket" --state-dir "$work/state" \
  --cgroup-prefix memtorture-quickstart >"$work/daemon.log" 2>&1 &
daemon=$!
stop_daemon() {
  if kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon"
    wait "$daemon" || true
  fi
  rm -f /run/lock/memtorture-quickstart.lock  # the daemon leaves its prefix lock file
}
trap stop_daemon EXIT

for _ in $(seq 50); do
  "${ctl[@]}" system >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 3; }
  sleep 0.2
done

rc=0
"${ctl[@]}" run configs/smoke.yaml "$@" || rc=$?
stop_daemon
echo "daemon log: $work/daemon.log"
echo "exit code: $rc (0 passed, 1 criteria failed, 2 invalid, 3 error)"
exit "$rc"
