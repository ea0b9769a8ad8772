# Sourced by quickstart.sh and nightly.sh: a memtortured of their own, with its own socket, state
# directory and cgroup prefix, so that it never meets a daemon already running on the machine.
#
#   start_private_daemon PREFIX [LOG] # sets work (its temp dir), socket, daemon (pid), ctl (array);
#                                     # the log goes to LOG, else $work/daemon.log
#   stop_private_daemon               # SIGTERM by pid, waits, removes the prefix lock file
#
# The daemon removes its cgroups on SIGTERM; the caller removes $work when it is done with it.
# MEMTORTURED, MEMTORTURECTL and MEMTORTURE_WORKER pick other binaries than build/'s.

start_private_daemon() {
  private_prefix=$1
  work=$(mktemp -d "/tmp/$private_prefix.XXXXXX")
  local log=${2:-$work/daemon.log}
  socket=$work/memtorture.sock
  ctl=("${MEMTORTURECTL:-build/client/memtorturectl}" --socket "$socket")
  "${MEMTORTURED:-build/daemon/memtortured}" --socket "$socket" --state-dir "$work/state" \
    --cgroup-prefix "$private_prefix" \
    --worker "${MEMTORTURE_WORKER:-build/workloads/memtorture-worker}" >"$log" 2>&1 &
  daemon=$!
  for _ in $(seq 50); do
    "${ctl[@]}" system >/dev/null 2>&1 && return 0
    kill -0 "$daemon" 2>/dev/null || { cat "$log" >&2; return 3; }
    sleep 0.2
  done
  echo "memtortured did not answer on $socket within 10 s" >&2
  return 3
}

stop_private_daemon() {
  if [ -n "${daemon:-}" ] && kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon"
    wait "$daemon" || true
  fi
  rm -f "/run/lock/$private_prefix.lock"  # the daemon leaves its prefix lock file
}
