#!/usr/bin/env bash
# libFuzzer on the parsers memtorture feeds with outside input (tests/fuzz/README.md). Builds the
# fuzz targets into build-fuzz/ (clang, MEMTORTURE_FUZZ=ON: ASan, UBSan and coverage on the
# parsers' sources; nothing else of the project is built), then runs each target for SECONDS
# (default 600) on a copy of its checked-in corpus tests/fuzz/corpus/<target>/, FUZZ_JOBS
# (default 2) targets at a time. Prints one line per target: executions, exec/s, coverage (cov:
# edges, ft: features), the corpus it grew to, and what it found. A crash, leak, timeout (a run
# over 10 s) or out-of-memory input is kept as build-fuzz/fuzz-out/<target>/<kind>-<sha1>, next
# to the target's log and its grown corpus; then the script exits 1. No root, no daemon.
#   bench/fuzz.sh [SECONDS] [TARGET...]      targets: campaign protocol kernel_files report
# scripts/test.sh runs `bench/fuzz.sh 5`. A run of 60 s or more also goes to
# bench/results/fuzz-<date>.txt (a shorter one is a check, not a result).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
all_targets=(campaign protocol kernel_files report)
seconds=600
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] ||
    { echo "usage: $0 [SECONDS] [TARGET...] (targets: ${all_targets[*]})" >&2; exit 2; }
done
jobs=${FUZZ_JOBS:-2}
command -v clang++ >/dev/null ||
  { echo "fuzz.sh: no clang++ (scripts/setup.sh installs it)" >&2; exit 2; }

build=build-fuzz
log=$(mktemp /tmp/memtorture-fuzz.XXXXXX)
summary=$(mktemp /tmp/memtorture-fuzz.XXXXXX)
trap 'rm -f "$log" "$summary"' EXIT
if ! CC=clang CXX=clang++ cmake -S . -B "$build" -DMEMTORTURE_FUZZ=ON -DCMAKE_BUILD_TYPE=None \
       >"$log" 2>&1 ||
   ! cmake --build "$build" -j"$(nproc)" --target fuzz >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "fuzz.sh: the fuzz targets did not build (configure and build log above)" >&2
  exit 1
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# run TARGET: fuzzes a fresh copy of the corpus; leaves log, corpus/ and any finding in out/.
run() {
  local t=$1 dir=$build/fuzz-out/$1
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1 || true
}

started=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run "$t" &
  if ((++running >= jobs)); then
    wait -n || true
    ((running--)) || true
  fi
done
wait

# stat_of LOG NAME: libFuzzer's final stat::NAME.
stat_of() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }
mkdir -p bench/results
out=/dev/null
((seconds >= 60)) && out=bench/results/fuzz-$(date +%Y-%m-%d).txt
{
  echo "# libFuzzer, $(date -u -d "@$started" +%FT%TZ), $(clang++ --version | head -n 1)," \
       "$(nproc) CPUs;" \
       "${seconds} s per target, ${jobs} at a time; $(($(date +%s) - started)) s in all"
  for t in "${targets[@]}"; do
    dir=$build/fuzz-out/$t
    last=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$dir/log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\) .*/cov \1 ft \2 corpus \3/p' \
          <<<"$last")
    found=$(find "$dir" -maxdepth 1 -type f \
              \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    if [ -n "$found" ]; then
      what="FOUND $(echo "$found" | tr '\n' ' ')(log $dir/log)"
    elif ! grep -q '^stat::number_of_executed_units' "$dir/log"; then
      what="DID NOT RUN (log $dir/log)"
    else
      what="no crash"
    fi
    printf '%-13s %10s execs %7s exec/s  %-40s %s\n' "$t" \
      "$(stat_of "$dir/log" number_of_executed_units)" \
      "$(stat_of "$dir/log" average_exec_per_sec)" "${cov:-cov ? ft ? corpus ?}" "$what"
  done
} >"$summary"
tee "$out" <"$summary"
! grep -qE ' (FOUND|DID NOT RUN) ' "$summary"
