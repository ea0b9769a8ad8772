#!/usr/bin/env bash
# The README's second command: set up, build, run the whole test suite (unit tests everywhere;
# integration tests as root on the real kernel, skipped with a reason otherwise).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
cd build
# Integration tests share the kernel (RCU, memory): run serially.
ctest --output-on-failure --timeout 300 "$@"
