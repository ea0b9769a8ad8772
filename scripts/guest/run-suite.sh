#!/bin/bash
# Second stage of the guest (scripts/guest/init chroots into the host's / and runs this with the
# writable share as $1): starts a memtortured from the build tree (its own socket, state dir and
# cgroup prefix), runs `memtorturectl suite` on the campaigns listed in $1/job/campaigns, stops the
# daemon, and leaves in $1: suite/ (reports, junit.xml), suite.txt, daemon.log, state/, rc,
# status, timings and the done marker.
set -uo pipefail
out=$1
. "$out/job/env"
mapfile -t campaigns <"$out/job/campaigns"
cd "$REPO" || exit 3
up() { cut -d' ' -f1 /proc/uptime; }
finish() {  # rc status
  echo "$1" >"$out/rc"
  echo "$2" >"$out/status"
  echo "end $(up)" >>"$out/timings"
  touch "$out/done"
  sync
  exit 0
}

socket=/run/mt/s.sock
mkdir -p /run/mt
ctl=(build/client/memtorturectl --socket "$socket")
echo "daemon_start $(up)" >>"$out/timings"
daemon_cmd=(build/daemon/memtortured --socket "$socket" --state-dir /tmp/mt-state
            --cgroup-prefix memtorture --worker "$REPO/build/workloads/memtorture-worker")
service=/sys/fs/cgroup/system.slice/memtortured.service
if [ "${DELEGATED:-0}" = 1 ]; then
  # As systemd starts a unit with Delegate=yes: memory enabled down to the unit's own cgroup,
  # which is marked trusted.delegate=1, the daemon alone in it, INVOCATION_ID set.
  mkdir -p "$service"
  echo +memory >/sys/fs/cgroup/system.slice/cgroup.subtree_control
  python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' "$service"
  (echo 0 >"$service/cgroup.procs" && INVOCATION_ID=kernel-test exec "${daemon_cmd[@]}") \
    >/tmp/daemon.log 2>&1 &
else
  "${daemon_cmd[@]}" >/tmp/daemon.log 2>&1 &
fi
daemon=$!
ready=
for _ in $(seq 600); do
  if "${ctl[@]}" system >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.2
done
cp /tmp/daemon.log "$out/daemon.log"
if [ -z "$ready" ]; then
  echo "guest: memtortured did not come up; its log:"; cat /tmp/daemon.log
  kill -TERM "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null
  cp /tmp/daemon.log "$out/daemon.log"
  finish 3 "memtortured did not start (see daemon.log)"
fi
echo "daemon_ready $(up)" >>"$out/timings"
echo "guest: memtortured up; memtorturectl system:"
"${ctl[@]}" system 2>&1 | tee "$out/system.txt"

mkdir -p "$out/suite"
echo "suite_start $(up)" >>"$out/timings"
"${ctl[@]}" suite "${campaigns[@]}" --out "$out/suite" --junit "$out/suite/junit.xml" 2>&1 \
  | tee "$out/suite.txt"
rc=${PIPESTATUS[0]}
echo "suite_end $(up)" >>"$out/timings"
echo "guest: suite exit code $rc"

kill -TERM "$daemon" 2>/dev/null
for _ in $(seq 150); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.2; done
kill -0 "$daemon" 2>/dev/null && echo "guest: memtortured still running 30 s after SIGTERM"
wait "$daemon" 2>/dev/null
echo "daemon_exit $(up)" >>"$out/timings"
cp /tmp/daemon.log "$out/daemon.log"
cp -r /tmp/mt-state "$out/state" 2>/dev/null
echo "guest: cgroups left: $(find /sys/fs/cgroup -mindepth 1 -type d | head -20 | tr '\n' ' ')"
if [ "${DELEGATED:-0}" = 1 ]; then
  # Campaigns went inside the delegated subtree, and the daemon gave it back as it found it.
  check() {  # what, then a command that must succeed
    local what=$1; shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; rc=1; fi
  }
  {
    check "memtorturectl system: campaigns go under $service/memtorture" \
      grep -q "^campaigns go *$service/memtorture: systemd (Delegate=yes) delegated it" "$out/system.txt"
    check "memtorturectl system: the daemon ran in $service/memtortured" \
      grep -q "^daemon runs in *$service/memtortured$" "$out/system.txt"
    check "the daemon's log: moved into the leaf" grep -q "moved the daemon into $service/memtortured" /tmp/daemon.log
    check "the daemon's log: each campaign's cgroup inside $service/memtorture/" \
      grep -q ": cgroup $service/memtorture/[^ ]* limit" /tmp/daemon.log
    check "after it: no leaf, no prefix left in $service" \
      test -z "$(find "$service" -mindepth 1 -type d)"
    check "after it: $service/cgroup.subtree_control empty again" \
      test -z "$(cat "$service/cgroup.subtree_control")"
    check "nothing beside systemd's cgroups: no /sys/fs/cgroup/memtorture" test ! -e /sys/fs/cgroup/memtorture
  } | tee "$out/delegation.txt"
  grep -q '^FAIL' "$out/delegation.txt" && rc=1
fi
if [ -n "${CTEST_REGEX:-}" ]; then
  # This build's tests that match, against the guest's kernel (the build tree is writable through
  # the overlay; nothing reaches the host's copy).
  echo "ctest_start $(up)" >>"$out/timings"
  (cd build && E2E_TIMEOUT_SCALE=3 ctest -R "$CTEST_REGEX" --output-on-failure --timeout 900) \
    >"$out/ctest.txt" 2>&1
  ctest_rc=$?
  echo "ctest_end $(up)" >>"$out/timings"
  tail -n 25 "$out/ctest.txt"
  if ((ctest_rc != 0)); then
    echo "guest: ctest -R '$CTEST_REGEX' failed (exit $ctest_rc)"
    ((rc == 0)) && rc=1
  fi
fi
# `quiet` keeps the taint lines off the console: out-of-tree modules (rcutorture) taint 12288
echo "guest: kernel taint $(cat /proc/sys/kernel/tainted); modules loaded: $(cut -d' ' -f1 /proc/modules 2>/dev/null | tr '\n' ' ')"
finish "$rc" "suite exit code $rc"
