#!/usr/bin/env bash
# The workload catalog side by side (run as root; about 6 minutes with the defaults): for each
# flood kind, 1 and 2 threads, three loads one after the other, each for CATALOG_SECONDS:
#   memtorture's worker (build/workloads/memtorture-worker, run by hand: cli.h), ops from its
#     final "F ops=..." report line over the run's bound (--max-runtime-ms);
#   the bare C loop (bench/bare_loops.c), ops and seconds as it prints them;
#   stress-ng's closest stressor with as many instances, bogo-ops/s (real time) from its YAML.
# Each load runs under `ledger_bench run-freed`, which reads the RCU ledger's method 1 (what RCU
# callbacks and kfree_rcu() batches freed) just before the load starts and just after it is
# reaped: RCU-freed bytes/s and objects/s over exactly that load's run. Loads run in a
# memory-limited (1 GiB) memtorture-catalog-<pid> cgroup (v1 memory controller, or cgroup v2
# where it has the memory controller); ledger_bench stays outside. The cgroup and a scratch
# directory under build/ are removed at the end, also on failure or interruption.
# Options (environment):
#   CATALOG_KINDS    flood kinds to run (default: all; fdtable when memtorture-worker knows it)
#   CATALOG_SECONDS  seconds per load (default 5)
#   CATALOG_BUILD=0  use the binaries in build/ as they are (default: build them)
# Output goes to stdout and to bench/results/catalog-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "catalog.sh: run as root" >&2; exit 2; }

all_kinds=(udp_socket dentry tcp_listen inode rename task cred epoll mmap sysv_sem fdtable)
# The closest stress-ng stressor per kind; none for cred.
declare -A stressor_of=([udp_socket]=udp [dentry]=dentry [tcp_listen]=sock [inode]=pipe
  [rename]=rename [task]=fork [epoll]=epoll [mmap]=mmap [sysv_sem]=sem-sysv [fdtable]=dup)
seconds=${CATALOG_SECONDS:-5}
read -r -a kinds <<<"${CATALOG_KINDS:-${all_kinds[*]}}"
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "catalog.sh: CATALOG_SECONDS must be a whole number above 0" >&2
  exit 2
fi
for k in "${kinds[@]}"; do
  [ -n "${stressor_of[$k]+x}" ] || [ "$k" = cred ] \
    || { echo "catalog.sh: unknown kind '$k' (kinds: ${all_kinds[*]})" >&2; exit 2; }
done

[ "${CATALOG_BUILD:-1}" = 0 ] || scripts/setup.sh ledger_bench bare_loops memtorture-worker >/dev/null
ledger_bench=$PWD/build/bench/ledger_bench
bare=$PWD/build/bench/bare_loops
worker=$PWD/build/workloads/memtorture-worker

# Everything this script makes, undone by cleanup(): the cgroup, the scratch directory, the
# load running now (ledger_bench and, in the cgroup, what it started), memory on the v2 root's
# subtree_control if this script had to turn it on.
cg='' scratch='' current='' enabled_v2_memory=''
exec 8>&1 9>&2
mkdir -p bench/results
out=bench/results/catalog-$(date +%Y-%m-%d).txt
exec > >(tee "$out") 2>&1
tee_pid=$!
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  set +e
  trap - EXIT INT TERM
  exec >&8 2>&9  # tee may be gone (Ctrl-C)
  [ -n "$current" ] && kill -0 "$current" 2>/dev/null && kill -TERM "$current" 2>/dev/null
  if [ -n "$cg" ] && [ -d "$cg" ]; then
    # Whatever is left in the cgroup was started by this script (a load and its children).
    local pids
    for sig in TERM TERM KILL KILL; do
      pids=$(cat "$cg/cgroup.procs")
      [ -z "$pids" ] && break
      # shellcheck disable=SC2086
      kill -"$sig" $pids 2>/dev/null || true
      sleep 1
    done
    for _ in $(seq 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.5; done
    [ -d "$cg" ] && echo "catalog.sh: could not remove $cg" >&2
  fi
  [ -n "$current" ] && wait "$current" 2>/dev/null
  [ -n "$enabled_v2_memory" ] && { echo -memory >/sys/fs/cgroup/cgroup.subtree_control; } 2>/dev/null
  [ -n "$scratch" ] && rm -rf "$scratch"
  wait "$tee_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  layout=v2
  if ! grep -qw memory /sys/fs/cgroup/cgroup.subtree_control; then
    echo +memory >/sys/fs/cgroup/cgroup.subtree_control
    enabled_v2_memory=1
  fi
  cg=/sys/fs/cgroup/memtorture-catalog-$$
  mkdir "$cg"
  echo $((1 << 30)) >"$cg/memory.max"
elif [ -d /sys/fs/cgroup/memory ]; then
  layout=v1
  cg=/sys/fs/cgroup/memory/memtorture-catalog-$$
  mkdir "$cg"
  echo $((1 << 30)) >"$cg/memory.limit_in_bytes"
else
  echo "catalog.sh: no memory cgroup controller (v1 or v2)" >&2
  exit 1
fi
scratch=$(mktemp -d "$PWD/build/catalog-scratch.XXXXXX")
# Joins the cgroup and becomes the load; bounded in case a load hangs.
in_cgroup=(sh -c "echo \$\$ >$cg/cgroup.procs; exec \"\$@\"" sh
  timeout --kill-after=10 $((seconds + 60)))

# Which kinds run: fdtable only if the worker knows it (asked with threads: 0, which is refused
# either way, without running anything).
probe=$("$worker" --workload '{name: f, type: flood, kind: fdtable, threads: 0}' 2>&1 || true)
if [[ " ${kinds[*]} " == *" fdtable "* && $probe == *"unknown flood kind"* ]]; then
  echo "note: memtorture-worker has no fdtable kind: fdtable left out"
  mapfile -t kinds < <(printf '%s\n' "${kinds[@]}" | grep -vx fdtable)
fi
stress_ng_list=" $(stress-ng --stressors) "

# field NAME LINE: the value of NAME=... in a line of key=value words.
field() {
  awk -v k="$1=" '{for (i = 1; i <= NF; i++) if (index($i, k) == 1) {print substr($i, length(k) + 1); exit}}' <<<"$2"
}
# yaml_field NAME FILE: NAME in the first metrics entry (one stressor per run).
yaml_field() { awk -v k="$1:" '$1 == k || ($1 == "-" && $2 == k) {print $NF; exit}' "$2"; }

# measure LOG CMD...: runs CMD in the cgroup under ledger_bench run-freed, output in LOG; sets
# freed (its freed_bytes_per_s=... line) and returns the load's exit code.
measure() {
  local log=$1
  shift
  sleep 0.5  # callbacks the previous load left queued are freed before this one starts
  "$ledger_bench" run-freed -- "${in_cgroup[@]}" "$@" >"$log" 2>&1 &
  current=$!
  local rc=0
  wait "$current" || rc=$?
  current=''
  # What the load left running (a stress-ng child finishing) ends before the next one starts.
  for _ in $(seq 50); do [ -z "$(cat "$cg/cgroup.procs")" ] && break; sleep 0.2; done
  freed=$(grep '^freed_bytes_per_s=' "$log" | tail -1 || true)
  [ -n "$freed" ] || [ "$rc" != 0 ] || rc=1
  return "$rc"
}

failed=0
fail() {
  echo "catalog.sh: $1 failed; its output:" >&2
  sed 's/^/  /' "$2" | tail -20 >&2
  failed=1
}

# mib BYTES_PER_S [TEXT]: MiB/s, or TEXT (default "-") when there is no figure.
mib() { if [ -n "$1" ]; then awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; else echo "${2:--}"; fi; }
per_thread() { awk -v r="$1" -v n="$2" 'BEGIN {printf "%.0f", r / n}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "inf"}'; }

echo "# Workload catalog benchmark, $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs"
echo "rcu_expedited=$(cat /sys/kernel/rcu_expedited) rcu_normal=$(cat /sys/kernel/rcu_normal)" \
  "seconds_per_load=$seconds cgroup=$layout:$cg (1 GiB) stress-ng=$(stress-ng --version | awk '{print $3}')"
echo "## per load (RCU-freed by the ledger's method 1, from just before the load to just after it)"
rows=() ops_held=() ops_missed=() bytes_held=() bytes_missed=() bytes_none=() no_stressor=()
for kind in "${kinds[@]}"; do
  for n in 1 2; do
    # memtorture's worker
    report=$scratch/report
    : >"$report"
    mt_ops=- mt_bytes='' mt_objects=-
    if measure "$scratch/mt.log" "$worker" \
      --workload "{name: f, type: flood, kind: $kind, threads: $n}" --dir "$scratch" \
      --max-runtime-ms $((seconds * 1000)) --report-fd 3 3>"$report" \
      && final=$(grep '^F ' "$report" | tail -1) && [ -n "$final" ]; then
      mt_ops=$(awk -v o="$(field ops "$final")" -v s="$seconds" -v n="$n" \
        'BEGIN {printf "%.0f", o / s / n}')
      mt_bytes=$(field freed_bytes_per_s "$freed") mt_objects=$(field freed_objects_per_s "$freed")
      echo "$kind/$n memtorture: $final; $freed"
    else
      fail "$kind/$n memtorture-worker" "$scratch/mt.log"
    fi
    # the bare C loop
    bare_ops=- bare_bytes=''
    if measure "$scratch/bare.log" "$bare" "$kind" "$n" "$seconds" "$scratch" \
      && line=$(grep '^ops=' "$scratch/bare.log" | tail -1) && [ -n "$line" ]; then
      bare_ops=$(awk -v o="$(field ops "$line")" -v s="$(field seconds "$line")" -v n="$n" \
        'BEGIN {printf "%.0f", o / s / n}')
      bare_bytes=$(field freed_bytes_per_s "$freed")
      echo "$kind/$n bare loop: $line; $freed"
    else
      fail "$kind/$n bare_loops" "$scratch/bare.log"
    fi
    # stress-ng's closest stressor
    s=${stressor_of[$kind]:-} sng_ops=– sng_bytes='' sng_objects=–
    if [ -n "$s" ] && [[ $stress_ng_list != *" $s "* ]]; then
      echo "$kind/$n stress-ng: no --$s in this stress-ng"
      s=
    fi
    if [ -n "$s" ]; then
      yaml=$scratch/stress-ng.yaml
      rm -f "$yaml"
      if measure "$scratch/sng.log" stress-ng "--$s" "$n" --timeout "$seconds" --metrics \
        --yaml "$yaml" --temp-path "$scratch" \
        && rate=$(yaml_field bogo-ops-per-second-real-time "$yaml" 2>/dev/null) && [ -n "$rate" ]; then
        sng_ops=$(per_thread "$rate" "$n")
        sng_bytes=$(field freed_bytes_per_s "$freed") sng_objects=$(field freed_objects_per_s "$freed")
        echo "$kind/$n stress-ng --$s: bogo-ops=$(yaml_field bogo-ops "$yaml")" \
          "wall-clock-time=$(yaml_field wall-clock-time "$yaml"); $freed"
      else
        fail "$kind/$n stress-ng --$s" "$scratch/sng.log"
        sng_ops=-
      fi
    else
      s=– no_stressor+=("$kind/$n")
    fi

    # The row, and the goals: ops/s at least 0.9 x the bare loop's; RCU-freed bytes/s at least
    # 3 x stress-ng's (not judged when method 1 saw under 0.05 MiB/s from both).
    ops_ratio=-
    if [ "$mt_ops" != - ] && [ "$bare_ops" != - ]; then
      ops_ratio=$(ratio "$mt_ops" "$bare_ops")
      if awk -v a="$mt_ops" -v b="$bare_ops" 'BEGIN {exit !(a >= 0.9 * b)}'; then
        ops_held+=("$kind/$n")
      else
        ops_missed+=("$kind/$n")
      fi
    fi
    bytes_ratio=–
    if [ "$s" != – ]; then
      bytes_ratio=-
      if [ -n "$mt_bytes" ] && [ -n "$sng_bytes" ]; then
        if awk -v a="$mt_bytes" -v b="$sng_bytes" \
          'BEGIN {exit !(a < 0.05 * 1048576 && b < 0.05 * 1048576)}'; then
          bytes_ratio=– bytes_none+=("$kind/$n")
        else
          bytes_ratio=$(ratio "$mt_bytes" "$sng_bytes")
          if awk -v a="$mt_bytes" -v b="$sng_bytes" 'BEGIN {exit !(a >= 3 * b)}'; then
            bytes_held+=("$kind/$n")
          else
            bytes_missed+=("$kind/$n")
          fi
        fi
      fi
    fi
    sng_none=-
    [ "$s" = – ] && sng_none=–
    rows+=("$(printf '| %s ' "$kind" "$n" "$mt_ops" "$bare_ops" "$ops_ratio" "$s" "$sng_ops" \
      "$(mib "$mt_bytes")" "$(mib "$bare_bytes")" "$(mib "$sng_bytes" "$sng_none")" \
      "$bytes_ratio" "$mt_objects" "$sng_objects")|")
  done
done

echo "## side by side (ops per second per thread; RCU-freed MiB/s and objects/s over each load's run)"
echo "| kind | threads | memtorture ops/s/thread | bare ops/s/thread | ratio mt/bare | stress-ng stressor | stress-ng bogo/s/thread | mt RCU-freed MiB/s | bare MiB/s | stress-ng MiB/s | ratio mt/stress-ng (bytes) | mt objects/s | stress-ng objects/s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "goal ops/s >= 0.9 x bare loop: held for ${ops_held[*]:-none}; missed for ${ops_missed[*]:-none}"
echo "goal RCU-freed bytes/s >= 3 x stress-ng: held for ${bytes_held[*]:-none};" \
  "missed for ${bytes_missed[*]:-none}; not judged (method 1 saw < 0.05 MiB/s from both)" \
  "for ${bytes_none[*]:-none}; no stressor for ${no_stressor[*]:-none}"
exit "$failed"
