#!/usr/bin/env bash
# The README's second command: set up, build, run the whole test suite (unit tests everywhere;
# integration tests as root on the real kernel, skipped with a reason otherwise).
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
