#!/usr/bin/env bash
# Runs one end-to-end case file (tests/integration/e2e/cases/*.case) against the real daemon.
#
#   run-case.sh CASE_FILE BUILD_DIR SOURCE_DIR
#
# Exit status: 0 passed, 1 failed (or a malformed case, or missing binaries), 77 skipped
# (a REQUIRES line is not met; the reason is printed). The case format is described in
# README.md next to this script.
#
# Environment overrides: MEMTORTURED, MEMTORTURECTL, MEMTORTURE_WORKER (binaries; default
# BUILD_DIR/daemon/memtortured, BUILD_DIR/client/memtorturectl,
# BUILD_DIR/workloads/memtorture-worker); E2E_KEEP=1 keeps the temp dir of a failed case;
# E2E_TIMEOUT_SCALE=N multiplies each case's TIMEOUT (slow guests).
#
# Only processes this script started are signalled: the daemon (by its pid) and, when the
# daemon failed to clean up, the worker processes it started (by pid, after checking that
# /proc/PID/exe is the worker binary and that the pid was the daemon's child or sits in this
# case's cgroup prefix).

set -u
shopt -s nullglob

readonly E2E_SKIP=77
readonly DEFAULT_TIMEOUT=120
readonly DAEMON_STOP_GRACE_S=15
readonly CLEANUP_RESERVE_S=25   # kept free at the end of TIMEOUT for stopping and cleaning up

usage() {
  echo "usage: $0 CASE_FILE BUILD_DIR SOURCE_DIR" >&2
  exit 2
}
[[ $# -eq 3 ]] || usage
CASE_FILE=$(realpath -- "$1") || usage
BUILD_DIR=$(realpath -- "$2") || usage
SOURCE_DIR=$(realpath -- "$3") || usage

DAEMON_BIN=${MEMTORTURED:-$BUILD_DIR/daemon/memtortured}
CTL_BIN=${MEMTORTURECTL:-$BUILD_DIR/client/memtorturectl}
WORKER_BIN=${MEMTORTURE_WORKER:-$BUILD_DIR/workloads/memtorture-worker}

# ---------------------------------------------------------------------------------------------
# Output helpers

CASE_START=$(date +%s.%N)
elapsed() { printf '%6.1fs' "$(echo "$(date +%s.%N) - $CASE_START" | bc)"; }
log() { printf '[%s] %s\n' "$(elapsed)" "$*"; }
FAILURES=0
fail() {
  FAILURES=$((FAILURES + 1))
  printf '[%s] FAIL: %s\n' "$(elapsed)" "$*"
}
# show_file LABEL FILE: the file's content, indented, at most 200 lines.
show_file() {
  local label=$1 file=$2 n
  [[ -s $file ]] || { echo "    --- $label: (empty)"; return; }
  n=$(wc -l <"$file")
  echo "    --- $label ($n lines):"
  head -n 200 "$file" | sed 's/^/    | /'
  ((n > 200)) && echo "    | ... ($((n - 200)) more lines)"
}

# ---------------------------------------------------------------------------------------------
# Parse the case file: header keywords, FILE blocks, and the ordered step list.

CASE_NAME=$(basename "$CASE_FILE" .case)
CASE_TIMEOUT=$DEFAULT_TIMEOUT
REQUIRES=()
DAEMON_MODE=default          # default | none
DAEMON_EXTRA=(--log-level debug)
FILE_NAMES=()
FILE_BODIES=()
STEP_KW=()
STEP_ARG=()
STEP_LINE=()

readonly STEP_KEYWORDS=" RUN SLEEP WAIT_UNTIL REPORT DAEMON_SIGNAL DAEMON_EXIT "
readonly CHECK_KEYWORDS=" EXIT EXPECT EXPECT_REGEX NOT_EXPECT EXPECT_STDOUT EXPECT_STDERR CAPTURE "

parse_error() {
  echo "$CASE_FILE:$1: $2" >&2
  exit 1
}

parse_case() {
  local lineno=0 line kw arg in_file=0 body="" after_run=0
  while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    if ((in_file)); then
      if [[ $line == EOF ]]; then
        FILE_BODIES+=("$body")
        in_file=0
      else
        body+="$line"$'\n'
      fi
      continue
    fi
    # Strip leading blanks; skip blank lines and comments.
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z $line || $line == \#* ]] && continue
    kw=${line%%[[:space:]]*}
    arg=""
    [[ $line == *[[:space:]]* ]] && arg="${line#*[[:space:]]}"
    arg="${arg#"${arg%%[![:space:]]*}"}"   # leading blanks
    arg="${arg%"${arg##*[![:space:]]}"}"   # trailing blanks
    case $kw in
      NAME) CASE_NAME=$arg ;;
      DESCRIPTION) ;;
      TIMEOUT)
        [[ $arg =~ ^[0-9]+$ ]] || parse_error $lineno "TIMEOUT needs whole seconds, got '$arg'"
        CASE_TIMEOUT=$arg ;;
      REQUIRES) read -r -a more <<<"$arg"; REQUIRES+=("${more[@]}") ;;
      DAEMON)
        case $arg in
          none) DAEMON_MODE=none ;;
          default | "") DAEMON_MODE=default ;;
          *) DAEMON_MODE=default; read -r -a DAEMON_EXTRA <<<"$arg" ;;
        esac ;;
      FILE)
        [[ $arg =~ ^[A-Za-z0-9._-]+$ ]] || parse_error $lineno "FILE needs a plain file name, got '$arg'"
        FILE_NAMES+=("$arg"); body=""; in_file=1 ;;
      *)
        if [[ $STEP_KEYWORDS == *" $kw "* ]]; then
          [[ -n $arg ]] || parse_error $lineno "$kw needs an argument"
          [[ $kw == RUN ]] && after_run=1 || after_run=0
        elif [[ $CHECK_KEYWORDS == *" $kw "* ]]; then
          [[ -n $arg ]] || parse_error $lineno "$kw needs an argument"
          ((after_run)) || parse_error $lineno "$kw must follow a RUN line (or another check of it)"
          [[ $kw == EXIT && ! $arg =~ ^[0-9]+$ ]] && parse_error $lineno "EXIT needs a number"
          [[ $kw == CAPTURE && ! $arg =~ ^[a-z_][a-z0-9_]*$ ]] &&
            parse_error $lineno "CAPTURE needs a lower-case name"
        else
          parse_error $lineno "unknown keyword '$kw'"
        fi
        [[ $kw =~ ^(SLEEP)$ && ! $arg =~ ^[0-9]+(\.[0-9]+)?$ ]] &&
          parse_error $lineno "SLEEP needs seconds"
        [[ $kw == WAIT_UNTIL && ! $arg =~ ^[0-9]+(\.[0-9]+)?[[:space:]]+.+ ]] &&
          parse_error $lineno "WAIT_UNTIL needs: SECONDS COMMAND"
        [[ $kw == DAEMON_EXIT && ! $arg =~ ^[0-9]+([[:space:]]+[0-9]+)?$ ]] &&
          parse_error $lineno "DAEMON_EXIT needs: CODE [WITHIN_SECONDS]"
        STEP_KW+=("$kw"); STEP_ARG+=("$arg"); STEP_LINE+=("$lineno") ;;
    esac
  done <"$CASE_FILE"
  ((in_file)) && parse_error $lineno "FILE ${FILE_NAMES[-1]} has no closing EOF line"
  ((${#STEP_KW[@]} > 0)) || parse_error $lineno "no steps (RUN, REPORT, ...)"
  local i
  for i in "${!STEP_KW[@]}"; do
    [[ ${STEP_KW[$i]} == DAEMON_* && $DAEMON_MODE == none ]] &&
      parse_error "${STEP_LINE[$i]}" "${STEP_KW[$i]} in a case with DAEMON none"
  done
  return 0
}

parse_case
# E2E_TIMEOUT_SCALE (whole number, 1 to 4; default 1) stretches every TIMEOUT: a guest kernel
# under qemu's TCG runs 3-5x slower (scripts/kernel-test.sh --ctest sets 3). ctest's own limit
# for a case is 4x its TIMEOUT (tests/integration/e2e/CMakeLists.txt).
scale=${E2E_TIMEOUT_SCALE:-1}
[[ $scale =~ ^[1-4]$ ]] || parse_error 0 "E2E_TIMEOUT_SCALE must be 1 to 4, got '$scale'"
CASE_TIMEOUT=$((CASE_TIMEOUT * scale))
CASE_DEADLINE=$(echo "$CASE_START + $CASE_TIMEOUT - $CLEANUP_RESERVE_S" | bc)
((CASE_TIMEOUT > CLEANUP_RESERVE_S + 5)) || parse_error 0 "TIMEOUT must be more than $((CLEANUP_RESERVE_S + 5))"

# Seconds left before this case must stop running steps (at least 1).
budget() {
  local left
  left=$(echo "$CASE_DEADLINE - $(date +%s.%N)" | bc)
  if [[ $left == -* || $left == 0 || $left == .* ]]; then echo 1; else printf '%.0f' "$left"; fi
}
out_of_time() { [[ $(echo "$(date +%s.%N) >= $CASE_DEADLINE" | bc) == 1 ]]; }

# ---------------------------------------------------------------------------------------------
# REQUIRES: every unmet requirement skips the case (exit 77) with the reason.

memory_cgroup_available() {
  [[ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]] && return 0
  [[ -r /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers
}

check_requirement() {
  case $1 in
    root) [[ $(id -u) == 0 ]] || echo "needs root (running as uid $(id -u))" ;;
    memory_cgroup) memory_cgroup_available || echo "no memory cgroup controller (v1 or v2) mounted" ;;
    cgroup2)
      [[ -e /sys/fs/cgroup/unified/cgroup.procs || -e /sys/fs/cgroup/cgroup.controllers ]] ||
        echo "no cgroup2 hierarchy mounted" ;;
    ledger_bytes)
      # The RCU ledger sizes what waits with the bpf_get_kmem_cache kfunc (6.13+).
      grep -qw bpf_get_kmem_cache /proc/kallsyms ||
        echo "this kernel has no bpf_get_kmem_cache (before 6.13): the RCU ledger counts callbacks and cannot size them" ;;
    memory_v2)
      [[ -e /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers ||
        echo "the memory controller is not on cgroup v2 here (scripts/kernel-test.sh runs this in a v2 guest)" ;;
    psi) [[ -r /proc/pressure/memory ]] && head -c1 /proc/pressure/memory >/dev/null 2>&1 ||
        echo "PSI is not available (/proc/pressure/memory unreadable; boot with psi=1)" ;;
    jq) command -v jq >/dev/null || echo "jq is not installed" ;;
    chromium) command -v chromium >/dev/null || echo "chromium is not installed (Debian chromium)" ;;
    dygraphs) [[ -r ${MEMTORTURE_DYGRAPHS_DIR:-/usr/share/javascript/dygraphs}/dygraph.min.js ]] ||
        echo "dygraphs is not installed (Debian libjs-dygraphs)" ;;
    cpus=*) (($(nproc) >= ${1#cpus=})) || echo "needs at least ${1#cpus=} CPUs, have $(nproc)" ;;
    *) echo "unknown requirement '$1' (case file error)"; return 2 ;;
  esac
}

reqs=("${REQUIRES[@]}")
for kw in "${STEP_KW[@]}"; do [[ $kw == REPORT ]] && reqs+=(jq) && break; done
for r in "${reqs[@]}"; do
  reason=$(check_requirement "$r")
  rc=$?
  if ((rc == 2)); then echo "$CASE_FILE: $reason" >&2; exit 1; fi
  if [[ -n $reason ]]; then
    echo "SKIP $CASE_NAME: $reason"
    exit $E2E_SKIP
  fi
done

for bin in "$CTL_BIN" "$WORKER_BIN" "$DAEMON_BIN"; do
  if [[ ! -x $bin ]]; then
    echo "FAIL $CASE_NAME: $bin is missing: build the project first" \
      "(cmake --build $BUILD_DIR)"
    exit 1
  fi
done

# ---------------------------------------------------------------------------------------------
# The case's private world: temp dir, socket, state dir, cgroup prefix.

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memtorture-e2e.XXXXXX") || exit 1
SOCKET=$TMP/memtorture.sock
STATE=$TMP/state
PREFIX=memtorture-e2e-$$
DAEMON_PID=""
DAEMON_LOG=$TMP/daemon.log
DAEMON_REAPED=0     # 1 once the daemon's exit status was collected
DAEMON_RC=""
CHILD_PID=""        # the step command running right now
declare -A WORKER_PIDS=()   # worker pids seen as children of our daemon
declare -A VARS=()
CLEANED_UP=0

VARS[ctl]=$CTL_BIN
VARS[daemon]=$DAEMON_BIN
VARS[worker]=$WORKER_BIN
VARS[socket]=$SOCKET
VARS[state]=$STATE
VARS[configs]=$SOURCE_DIR/configs
VARS[tmp]=$TMP
VARS[prefix]=$PREFIX
VARS[build]=$BUILD_DIR
VARS[source]=$SOURCE_DIR
VARS[daemon_pid]=""

# subst TEXT: replaces {name} for every known name; other braces (jq's) are left alone.
subst() {
  local text=$1 name
  for name in "${!VARS[@]}"; do
    text=${text//"{$name}"/"${VARS[$name]}"}
  done
  printf '%s' "$text"
}

# ---------------------------------------------------------------------------------------------
# Processes

# pid_alive PID: the process exists and is not a zombie. (Builtins only: this runs often.)
pid_alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}


# is_worker PID: /proc/PID/exe is the worker binary.
is_worker() {
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  [[ $exe == "$WORKER_REAL" || $exe == "$WORKER_REAL (deleted)" ]]
}
WORKER_REAL=$(realpath -- "$WORKER_BIN")

# candidate_pids: children of our daemon and every pid in one of our cgroups.
candidate_pids() {
  local p stat f pid
  if [[ -n $DAEMON_PID ]] && ((DAEMON_REAPED == 0)); then
    for p in /proc/[0-9]*; do
      read -r stat 2>/dev/null <"$p/stat" || continue
      stat=${stat##*) }
      read -r _ stat _ <<<"$stat"
      [[ $stat == "$DAEMON_PID" ]] && echo "${p#/proc/}"
    done
  fi
  for f in /sys/fs/cgroup/memory/"$PREFIX"{,/*}/cgroup.procs \
    /sys/fs/cgroup/unified/"$PREFIX"{,/*}/cgroup.procs /sys/fs/cgroup/"$PREFIX"{,/*}/cgroup.procs; do
    [[ -r $f ]] || continue
    while read -r pid; do echo "$pid"; done <"$f"
  done
}

# Remembers our workers now, so they can be checked after the daemon is gone.
note_workers() {
  local pid
  for pid in $(candidate_pids); do
    [[ -n ${WORKER_PIDS[$pid]:-} ]] && continue
    is_worker "$pid" && WORKER_PIDS[$pid]=1
  done
  return 0
}

# Workers of this case that are still alive (remembered ones and any in our cgroups).
live_workers() {
  local pid
  note_workers
  for pid in "${!WORKER_PIDS[@]}"; do
    pid_alive "$pid" && is_worker "$pid" && echo "$pid"
  done
}

daemon_running() { [[ -n $DAEMON_PID ]] && ((DAEMON_REAPED == 0)) && pid_alive "$DAEMON_PID"; }

# reap_daemon: collects the exit status of an exited daemon into DAEMON_RC.
reap_daemon() {
  ((DAEMON_REAPED)) && return 0
  wait "$DAEMON_PID" 2>/dev/null
  DAEMON_RC=$?
  DAEMON_REAPED=1
}

# wait_daemon_exit SECONDS: 0 when the daemon exited within SECONDS (status in DAEMON_RC).
wait_daemon_exit() {
  local until
  until=$(echo "$(date +%s.%N) + $1" | bc)
  while pid_alive "$DAEMON_PID"; do
    [[ $(echo "$(date +%s.%N) >= $until" | bc) == 1 ]] && return 1
    sleep 0.1
  done
  reap_daemon
  return 0
}

start_daemon() {
  local launcher=()
  # The daemon gets SIGTERM if this runner dies, even by SIGKILL: its own shutdown then
  # removes the campaign's cgroups.
  setpriv --help 2>/dev/null | grep -q pdeathsig && launcher=(setpriv --pdeathsig TERM --)
  mkdir -p "$STATE"
  log "daemon: $DAEMON_BIN --socket $SOCKET --state-dir $STATE --cgroup-prefix $PREFIX" \
    "--worker $WORKER_BIN ${DAEMON_EXTRA[*]}"
  "${launcher[@]}" "$DAEMON_BIN" --socket "$SOCKET" --state-dir "$STATE" \
    --cgroup-prefix "$PREFIX" --worker "$WORKER_BIN" "${DAEMON_EXTRA[@]}" \
    </dev/null >"$DAEMON_LOG" 2>&1 &
  DAEMON_PID=$!
  VARS[daemon_pid]=$DAEMON_PID
  local i
  for ((i = 0; i < 100; i++)); do
    if ! pid_alive "$DAEMON_PID"; then
      reap_daemon
      fail "daemon exited with status $DAEMON_RC before answering"
      show_file "daemon log" "$DAEMON_LOG"
      return 1
    fi
    if "$CTL_BIN" --socket "$SOCKET" system >/dev/null 2>&1; then
      log "daemon pid $DAEMON_PID answers on $SOCKET"
      return 0
    fi
    sleep 0.1
  done
  fail "daemon pid $DAEMON_PID did not answer 'memtorturectl system' within 10 s"
  return 1
}

# ---------------------------------------------------------------------------------------------
# Cleanup: stop the daemon, fail on anything left behind, then remove it by exact path/pid.

cgroup_dirs() {
  local d
  for d in /sys/fs/cgroup/memory/$PREFIX /sys/fs/cgroup/unified/$PREFIX /sys/fs/cgroup/$PREFIX; do
    [[ -d $d ]] && echo "$d"
  done
}

cleanup() {
  ((CLEANED_UP)) && return
  CLEANED_UP=1
  local pid d left

  if [[ -n $CHILD_PID ]] && pid_alive "$CHILD_PID"; then
    kill -TERM "$CHILD_PID" 2>/dev/null
    sleep 0.5
    pid_alive "$CHILD_PID" && kill -KILL "$CHILD_PID" 2>/dev/null
  fi

  if [[ -n $DAEMON_PID ]]; then
    note_workers
    if ((DAEMON_REAPED == 0)) && ! pid_alive "$DAEMON_PID"; then
      reap_daemon
      fail "the daemon died during the case (exit status $DAEMON_RC)"
    elif daemon_running; then
      log "stopping daemon pid $DAEMON_PID (SIGTERM)"
      kill -TERM "$DAEMON_PID" 2>/dev/null
      if wait_daemon_exit "$DAEMON_STOP_GRACE_S"; then
        ((DAEMON_RC == 0)) || fail "daemon exited with status $DAEMON_RC after SIGTERM (want 0)"
      else
        fail "daemon pid $DAEMON_PID still running ${DAEMON_STOP_GRACE_S} s after SIGTERM; SIGKILL"
        kill -KILL "$DAEMON_PID" 2>/dev/null
        wait_daemon_exit 5
      fi
    fi
  fi

  # What the daemon should have cleaned up itself.
  local workers cgroups runfiles
  workers=$(live_workers | sort -n | tr '\n' ' ')
  cgroups=$(cgroup_dirs | tr '\n' ' ')
  runfiles=""
  [[ -d $STATE/run ]] && runfiles=$(cd "$STATE/run" && find . -mindepth 1 | tr '\n' ' ')
  [[ -n $workers ]] && fail "worker processes left running: $workers"
  [[ -n $cgroups ]] && fail "cgroups left behind: $cgroups"
  [[ -n $runfiles ]] && fail "run files left under $STATE/run: $runfiles"

  # Remove leftovers by exact pid and path, so a failing case still leaves the machine clean.
  if [[ -n $workers ]]; then
    for pid in $workers; do kill -KILL "$pid" 2>/dev/null; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -z $(live_workers) ]] && break; sleep 0.2; done
  fi
  for d in $cgroups; do
    for _ in 1 2 3 4 5; do
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d $d ]] || break
      sleep 0.5
    done
    [[ -d $d ]] && echo "WARNING: could not remove $d"
  done
  # memtortured keeps its prefix lock files (see daemon.cc); this case's prefixes are never reused.
  for dir in /run/lock /run /tmp; do rm -f -- "$dir/$PREFIX.lock" "$dir/$PREFIX"-*.lock; done

  if ((FAILURES)); then
    if [[ -f $DAEMON_LOG ]]; then
      tail -n 60 "$DAEMON_LOG" >"$TMP/daemon.log.tail"
      show_file "daemon log (last 60 lines)" "$TMP/daemon.log.tail"
    fi
  fi
  if ((FAILURES)) && [[ ${E2E_KEEP:-0} == 1 ]]; then
    echo "keeping $TMP (E2E_KEEP=1)"
  else
    rm -rf -- "$TMP"
  fi
}

on_signal() {
  trap - INT TERM HUP
  fail "interrupted by SIG$1"
  cleanup
  exit 1
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Steps

OUT=$TMP/step.stdout
ERR=$TMP/step.stderr
ALL=$TMP/step.all
LAST_RC=""
LAST_CMD=""
LAST_TIMED_OUT=0
LAST_DURATION=0
LAST_EXIT_CHECKED=1
STEP_FAILURES=0     # failures when the current RUN began

# run_cmd COMMAND: runs it under bash with a time limit; output in $OUT/$ERR, status in LAST_RC.
run_cmd() {
  local t0 t1 limit
  limit=$(budget)
  t0=$(date +%s.%N)
  MEMTORTURE_SOCKET=$SOCKET timeout -k 3 "$limit" bash -c "$1" </dev/null >"$OUT" 2>"$ERR" &
  CHILD_PID=$!
  wait "$CHILD_PID"
  LAST_RC=$?
  CHILD_PID=""
  t1=$(date +%s.%N)
  cat "$OUT" "$ERR" >"$ALL"
  LAST_DURATION=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
  ((LAST_RC == 124)) && LAST_TIMED_OUT=1 || LAST_TIMED_OUT=0
  note_workers
}

show_last_output() {
  show_file "stdout" "$OUT"
  show_file "stderr" "$ERR"
}

# Ends the current RUN: its exit status must be 0 when no EXIT line checked it.
finish_run() {
  if ((LAST_EXIT_CHECKED == 0)); then
    LAST_EXIT_CHECKED=1
    local why="want 0; add EXIT to expect otherwise"
    ((LAST_TIMED_OUT)) && why="timed out: the case's TIMEOUT minus ${CLEANUP_RESERVE_S} s ran out"
    ((LAST_RC == 0)) || fail "line $LAST_LINE: '$LAST_CMD' exited $LAST_RC ($why)"
  fi
  if ((FAILURES > STEP_FAILURES)) && [[ -n $LAST_CMD ]]; then
    show_last_output
  fi
  LAST_CMD=""
  STEP_FAILURES=$FAILURES
}

# The most recently written report.json of this case's daemon, or nothing.
newest_report() {
  local files=("$STATE"/reports/*/report.json)
  ((${#files[@]})) || return 0
  ls -t -- "${files[@]}" | head -n 1
}

do_check() {
  local kw=$1 arg=$2 line=$3 text
  text=$(subst "$arg")
  case $kw in
    EXIT)
      LAST_EXIT_CHECKED=1
      if ((LAST_RC != text)); then
        local extra=""
        ((LAST_TIMED_OUT)) && extra=" (timed out)"
        fail "line $line: exit status $LAST_RC$extra, want $text"
      fi ;;
    EXPECT) grep -qF -- "$text" "$ALL" || fail "line $line: output lacks: $text" ;;
    NOT_EXPECT) grep -qF -- "$text" "$ALL" && fail "line $line: output has: $text" ;;
    EXPECT_REGEX) grep -qE -- "$text" "$ALL" || fail "line $line: no output line matches /$text/" ;;
    EXPECT_STDOUT) grep -qF -- "$text" "$OUT" || fail "line $line: stdout lacks: $text" ;;
    EXPECT_STDERR) grep -qF -- "$text" "$ERR" || fail "line $line: stderr lacks: $text" ;;
    CAPTURE)
      local value
      value=$(sed -e 's/[[:space:]]*$//' "$OUT")
      if [[ -z $value || $value == *$'\n'* ]]; then
        fail "line $line: CAPTURE $arg wants one line on stdout, got $(wc -l <"$OUT") lines"
      else
        VARS[$arg]=$value
        log "  {$arg} = $value"
      fi ;;
  esac
  return 0
}

do_report() {
  local expr=$1 line=$2 report result
  report=$(newest_report)
  if [[ -z $report ]]; then
    fail "line $line: REPORT: no report.json under $STATE/reports"
    return
  fi
  result=$(jq -c "$expr" "$report" 2>&1)
  if [[ $result == true ]]; then
    log "REPORT $expr -> true"
  else
    fail "line $line: REPORT $expr -> ${result:-(no output)} ($(basename "$(dirname "$report")"))"
    jq -c '{verdict, reason, duration_actual_s, oom_kills, memory,
            first_sample: .samples[0], workloads: [.workloads[] | {name, state, ops, exit_status}]}' \
      "$report" 2>&1 | sed 's/^/    | /'
  fi
}

do_wait_until() {
  local arg=$1 line=$2 secs cmd until
  secs=${arg%%[[:space:]]*}
  cmd=$(subst "${arg#*[[:space:]]}")
  until=$(echo "$(date +%s.%N) + $secs" | bc)
  log "WAIT_UNTIL (${secs}s) $cmd"
  while :; do
    run_cmd "$cmd"
    ((LAST_RC == 0)) && { log "  ok after $(printf '%.1f' "$(echo "$(date +%s.%N) - $until + $secs" | bc)")s"; return; }
    if [[ $(echo "$(date +%s.%N) >= $until" | bc) == 1 ]] || out_of_time; then
      fail "line $line: '$cmd' did not succeed within ${secs}s (last exit $LAST_RC)"
      show_last_output
      return
    fi
    sleep 0.2
  done
}

do_daemon_exit() {
  local want within=${1#*[[:space:]]} line=$2 t0
  want=${1%%[[:space:]]*}
  [[ $within == "$1" ]] && within=$DAEMON_STOP_GRACE_S
  t0=$(date +%s.%N)
  if ((DAEMON_REAPED == 0)) && ! wait_daemon_exit "$within"; then
    fail "line $line: daemon still running after ${within}s"
    return
  fi
  log "daemon exited with status $DAEMON_RC after $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")s"
  ((DAEMON_RC == want)) || fail "line $line: daemon exit status $DAEMON_RC, want $want"
}

log "case $CASE_NAME ($CASE_FILE), timeout ${CASE_TIMEOUT}s, tmp $TMP, prefix $PREFIX"

for i in "${!FILE_NAMES[@]}"; do
  printf '%s' "$(subst "${FILE_BODIES[$i]}")" >"$TMP/${FILE_NAMES[$i]}"
  echo >>"$TMP/${FILE_NAMES[$i]}"
done

if [[ $DAEMON_MODE == default ]]; then
  start_daemon || exit 1
fi

LAST_LINE=0
for i in "${!STEP_KW[@]}"; do
  kw=${STEP_KW[$i]}
  arg=${STEP_ARG[$i]}
  line=${STEP_LINE[$i]}
  if [[ $CHECK_KEYWORDS == *" $kw "* ]]; then
    do_check "$kw" "$arg" "$line"
    continue
  fi
  finish_run
  # After a failing step nothing more runs; REPORT lines still read the report (read-only).
  if ((FAILURES)) && [[ $kw != REPORT ]]; then
    log "stopping after the first failing step"
    break
  fi
  if out_of_time; then
    fail "line $line: out of time (TIMEOUT $CASE_TIMEOUT s minus ${CLEANUP_RESERVE_S} s for cleanup)"
    break
  fi
  case $kw in
    RUN)
      LAST_CMD=$(subst "$arg")
      LAST_LINE=$line
      LAST_EXIT_CHECKED=0
      STEP_FAILURES=$FAILURES
      run_cmd "$LAST_CMD"
      log "RUN $LAST_CMD -> exit $LAST_RC (${LAST_DURATION}s)" ;;
    SLEEP)
      log "SLEEP $arg"
      sleep "$arg" & CHILD_PID=$!; wait "$CHILD_PID"; CHILD_PID=""
      note_workers ;;
    WAIT_UNTIL) do_wait_until "$arg" "$line" ;;
    REPORT) do_report "$(subst "$arg")" "$line" ;;
    DAEMON_SIGNAL)
      log "DAEMON_SIGNAL $arg -> pid $DAEMON_PID"
      note_workers
      daemon_running || { fail "line $line: the daemon is not running"; continue; }
      kill -s "$arg" "$DAEMON_PID" || fail "line $line: kill -s $arg $DAEMON_PID failed" ;;
    DAEMON_EXIT) do_daemon_exit "$arg" "$line" ;;
  esac
done
finish_run

cleanup
trap - EXIT
if ((FAILURES)); then
  log "FAILED $CASE_NAME: $FAILURES failure(s)"
  exit 1
fi
log "PASSED $CASE_NAME"
exit 0
