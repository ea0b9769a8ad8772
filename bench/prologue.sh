# Sourced by the benchmarks that run campaigns through bench/repeat.sh (after `set -euo pipefail`
# and `cd` to the repository): `bench_prologue NAME` checks for root, builds what is missing
# (scripts/setup.sh), makes a temporary directory for the reports ($reports, removed on exit)
# and names today's results file ($out, bench/results/NAME-<date>.txt).
bench_prologue() {
  local name=$1
  [ "$(id -u)" = 0 ] || { echo "$name: run as root" >&2; exit 2; }
  scripts/setup.sh memtortured memtorturectl memtorture-worker >/dev/null
  reports=$(mktemp -d "/tmp/memtorture-$name.XXXXXX")
  trap 'rm -rf "$reports"' EXIT
  mkdir -p bench/results
  out=bench/results/$name-$(date +%Y-%m-%d).txt
}
