# Sourced by the integration tests written in shell (prometheus/, tls/, package/, faults/): what
# each of them needs around its checks. Exit 77 is ctest's "skipped" (SKIP_RETURN_CODE).
#
#   it_begin NAME BUILD_DIR REASON   # root and a memory cgroup, else skipped; sets build,
#                                    # daemon_bin, ctl_bin, worker_bin, tmp (a fresh temp dir),
#                                    # prefix (this test's cgroup prefix), daemon_pid, failures
#   require_tools TOOL... [-- HINT]  # skipped when one is missing
#   fail MESSAGE                     # counts a failure and goes on
#   stop_daemon                      # SIGTERM to $daemon_pid, waits for it
#   release_prefix                   # the prefix's lock files; its cgroups must be gone (else a
#                                    # failure, and they are removed)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

it_begin() {
  local name=$1 reason=$3
  build=$(realpath "${2:?usage: ${name}_test.sh BUILD_DIR}")
  daemon_bin=$build/daemon/memtortured
  ctl_bin=$build/client/memtorturectl
  worker_bin=$build/workloads/memtorture-worker
  [[ $(id -u) == 0 ]] || skip "needs root ($reason)"
  [[ -e /sys/fs/cgroup/memory/memory.limit_in_bytes || -e /sys/fs/cgroup/cgroup.controllers ]] ||
    skip "no memory cgroup controller"
  tmp=$(mktemp -d "/tmp/memtorture-$name.XXXXXX")
  prefix=memtorture-$name-$$
  daemon_pid=''
  failures=0
}

require_tools() {
  local hint='' tools=()
  while (($#)); do
    if [[ $1 == -- ]]; then hint=" ($2)"; break; fi
    tools+=("$1")
    shift
  done
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || skip "$tool is not installed$hint"
  done
}

stop_daemon() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null
  fi
  daemon_pid=''
}

release_prefix() {
  rm -f /run/lock/"$prefix"*.lock
  for d in /sys/fs/cgroup/memory/$prefix /sys/fs/cgroup/unified/$prefix /sys/fs/cgroup/$prefix; do
    [[ -d $d ]] && { fail "cgroup $d left behind"; rmdir "$d" 2>/dev/null; }
  done
}
