#!/usr/bin/env bash
# rcutorture's in-kernel callback flood beside memtorture's user-space floods, on one guest
# kernel (issue 14): bench/campaigns/side-by-side-{rcutorture,floods,both}.yaml, each 25 s under
# the same 256Mi limit, in one `scripts/kernel-test.sh --rcutorture` boot per round (ROUNDS
# rounds, default 3, about 3 minutes each under TCG). Per configuration and round:
#   - memtorture's flood ops/s (udp_socket + dentry, from the report's workloads);
#   - rcutorture's own figures: floods ended, and callbacks per second of flood ((n_launders +
#     n_max_cbs) / Duration, Duration in jiffies at the guest kernel's CONFIG_HZ);
#   - the kernel's side, the same for all three: callbacks invoked per second on every CPU (the
#     RCU ledger's rcu.invoked_per_s, from rcu_data.n_cbs_invoked), median and max over the
#     samples; callbacks queued (rcu.pending_callbacks), median and max;
#   - bytes waiting in RCU (rcu.pending_bytes) where the ledger can size objects (6.13+ and this
#     host); "not sized" on kernels without bpf_get_kmem_cache (6.12, 6.1).
# Then the medians over rounds. Guest CPU work runs 3-5x slower than the host's (TCG), so ops/s
# are the guest's, not the host's: compare the rows with each other.
#
#   bench/rcutorture-side-by-side.sh [--kernel 6.12|6.1] [ROUNDS]     (as root)
#
# Writes bench/results/rcutorture-side-by-side-<date>.txt; each round's reports stay in
# kernel-test-out/side-by-side/round-<n>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kernel=6.12
rounds=3
while (($#)); do
  case "$1" in
    --kernel) kernel=${2:?--kernel needs 6.12 or 6.1}; shift 2 ;;
    [1-9]*) rounds=$1; shift ;;
    *) echo "usage: $0 [--kernel 6.12|6.1] [ROUNDS]" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "$0: ROUNDS must be a positive number" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "rcutorture-side-by-side.sh: run as root" >&2; exit 2; }
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null
configs=(rcutorture floods both)
files=()
for c in "${configs[@]}"; do files+=("bench/campaigns/side-by-side-$c.yaml"); done
base=kernel-test-out/side-by-side
rm -rf "$base"
mkdir -p "$base" bench/results
out=bench/results/rcutorture-side-by-side-$(date +%Y-%m-%d).txt

for ((r = 1; r <= rounds; r++)); do
  rc=0
  scripts/kernel-test.sh --kernel "$kernel" --rcutorture --out "$base/round-$r" \
    "${files[@]}" >"$base/round-$r.log" 2>&1 || rc=$?
  # 1: a campaign's criteria failed (its figures still count); 3 or 4: nothing to read.
  if ((rc != 0 && rc != 1)); then
    tail -5 "$base/round-$r.log" >&2
    echo "rcutorture-side-by-side: round $r: kernel-test.sh exited $rc" >&2
    exit 3
  fi
done

release=$(jq -r '.host.kernel_release' "$base/round-1/suite/side-by-side-both/report.json")
config=${MEMTORTURE_KERNEL_CACHE:-/var/cache/memtorture/kernels}/$release/root/boot/config-$release
hz=$(sed -n 's/^CONFIG_HZ=//p' "$config" 2>/dev/null || true)
[[ $hz =~ ^[0-9]+$ ]] || { echo "rcutorture-side-by-side: no CONFIG_HZ in $config" >&2; exit 3; }

# One row per report: the figures above, as TSV.
row='
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def metric(m): [.samples[].metrics[m] | select(. != null)];
  def flood_ops: [.workloads[] | select(.type == "flood") | .ops_per_s] | add;
  def torture: [.workloads[] | select(.type == "rcutorture") | .results.rcutorture_flood[]?];
  (torture) as $f |
  [$config, $round,
   (flood_ops // null),
   (if any(.workloads[]; .type == "rcutorture") then ($f | length) else null end),
   (if ($f | length) > 0 and ([$f[].duration_jiffies] | add) > 0
    then ([$f[] | .n_launders + .n_max_cbs] | add) / (([$f[].duration_jiffies] | add) / $hz)
    else null end),
   (metric("rcu.invoked_per_s") | median), (metric("rcu.invoked_per_s") | max),
   (metric("rcu.pending_callbacks") | median), (metric("rcu.pending_callbacks") | max),
   (if .parts.ledger.coverage.sized then (metric("rcu.pending_bytes") | median) else "not sized" end),
   .verdict] | map(. // "-") | @tsv'
rows=$(for ((r = 1; r <= rounds; r++)); do
  for c in "${configs[@]}"; do
    f=$base/round-$r/suite/side-by-side-$c/report.json
    [ -f "$f" ] || { echo "rcutorture-side-by-side: no report $f" >&2; exit 3; }
    jq -r --arg config "$c" --arg round "$r" --argjson hz "$hz" "$row" "$f"
  done
done)

{
  echo "# rcutorture beside memtorture's floods, $(date -u +%FT%TZ), guest kernel $release" \
    "(HZ=$hz), 2 CPUs under TCG, 256Mi limit, 25 s per campaign, $rounds round(s); host load" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  echo
  echo "## each run"
  printf 'config\tround\tflood_ops/s\trcutorture_floods\trcutorture_cbs/s_in_flood\tinvoked/s_med\tinvoked/s_max\tpending_med\tpending_max\tpending_bytes_med\tverdict\n'
  echo "$rows"
  echo
  echo "## median over rounds"
  printf '| load | memtorture flood ops/s | rcutorture floods | rcutorture callbacks/s during its floods | kernel callbacks invoked/s (median / max) | callbacks queued (median / max) | bytes waiting in RCU |\n'
  printf '|---|---|---|---|---|---|---|\n'
  for c in "${configs[@]}"; do
    echo "$rows" | awk -F'\t' -v c="$c" '
      function med(col,   n, i, j, t, v) {
        n = 0
        for (i = 1; i <= nr; i++) if (val[i, col] != "-") v[++n] = val[i, col] + 0
        if (n == 0) return "-"
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      }
      function k(x) { return x == "-" ? "-" : x >= 10000 ? sprintf("%.0fk", x / 1000) : sprintf("%.0f", x) }
      function mib(x) { return x == "-" ? "-" : sprintf("%.1f MiB", x / 1048576) }
      $1 == c { ++nr; for (i = 3; i <= 10; i++) val[nr, i] = $i; sized = $10 }
      END {
        bytes = sized == "not sized" ? "not sized (no bpf_get_kmem_cache before 6.13)" : mib(med(10))
        printf "| %s | %s | %s | %s | %s / %s | %s / %s | %s |\n", c, k(med(3)), med(4) == "-" ? "-" : med(4),
          k(med(5)), k(med(6)), k(med(7)), k(med(8)), k(med(9)), bytes
      }'
  done
} | tee "$out"
