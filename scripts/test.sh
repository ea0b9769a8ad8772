#!/usr/bin/env bash
# The README's second command: set up, build, run the whole test suite (unit tests everywhere;
# integration tests as root on the real kernel, skipped with a reason otherwise), then a few
# seconds of each fuzz target (bench/fuzz.sh: a clang build of the parsers in build-fuzz/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
if [ "${MEMTORTURE_SANITIZE:-0}" = 1 ]; then
  cd build-sanitize
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  cd build
fi
# Integration tests share the kernel (RCU, memory): run serially.
ctest --output-on-failure --timeout 300 "$@"
cd ..
# The fuzz targets (tests/fuzz) for a few seconds each on their checked-in corpus, which holds
# every input that once crashed a parser: a crash fails the run. MEMTORTURE_FUZZ_SECONDS=0 skips.
if [ "${MEMTORTURE_FUZZ_SECONDS:-5}" != 0 ]; then
  bench/fuzz.sh "${MEMTORTURE_FUZZ_SECONDS:-5}"
fi
