#!/usr/bin/env bash
# The HTML report of a one-hour campaign: a synthetic report.json (bench/html_report_synth.py:
# 36,000 samples at 100 ms in the daemon's shapes, every plotted metric, a few hundred events)
# rendered by `memtorturectl report --file --html`, then opened in headless Chromium N times
# (default 3). Prints the page's size, the render time, and per opening the time the page took to
# draw every plot (measured in the page: from its first script to the last plot's pixels, and
# since navigation began) and Chromium's wall time (start to exit, --dump-dom). No root, no
# daemon. MEMTORTURECTL names the binary (default build/client/memtorturectl, built if missing);
# SECONDS_OF_SAMPLES and INTERVAL_S change the campaign's length and sampling.
# Output also goes to bench/results/html-report-<date>.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
ctl=${MEMTORTURECTL:-build/client/memtorturectl}
if [ ! -x "$ctl" ]; then
  scripts/setup.sh memtorturectl >/dev/null
  ctl=build/client/memtorturectl
fi
command -v chromium >/dev/null || { echo "html-report.sh: chromium is not installed" >&2; exit 2; }
tmp=$(mktemp -d /tmp/memtorture-html-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/results
out=bench/results/html-report-$(date +%Y-%m-%d).txt

now() { date +%s.%N; }
ms_since() { echo "($(now) - $1) * 1000 / 1" | bc; }
attr() { sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p" <<<"$2"; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

{
  echo "# HTML report of a synthetic campaign, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), $(chromium --version 2>/dev/null | head -n 1)"
  t=$(now)
  python3 bench/html_report_synth.py tests/fixtures/report/udp-bursts.json "$tmp/report.json" \
    "${SECONDS_OF_SAMPLES:-3600}" "${INTERVAL_S:-0.1}" | sed 's/^/synthetic report: /'
  echo "report.json: $(stat -c %s "$tmp/report.json") bytes, generated in $(ms_since "$t") ms"
  t=$(now)
  "$ctl" report --file "$tmp/report.json" --html "$tmp/report.html" 2>/dev/null
  render_ms=$(ms_since "$t")
  echo "report.html: $(stat -c %s "$tmp/report.html") bytes, rendered in $render_ms ms (memtorturectl, reading the JSON included)"
  echo
  echo "round  plots  drawn  errors  page_draw_ms  page_ready_ms  chromium_wall_ms  page timing (ms)"
  draws=() readies=() walls=()
  for ((i = 1; i <= rounds; i++)); do
    profile=$tmp/profile-$i
    t=$(now)
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
      --virtual-time-budget=30000 --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>/dev/null
    wall=$(ms_since "$t")
    body=$(grep -o '<body[^>]*>' "$tmp/dom.html" | head -n 1)
    draw=$(attr data-draw-ms "$body") ready=$(attr data-ready-ms "$body")
    printf '%-5s  %-5s  %-5s  %-6s  %-12s  %-13s  %-16s  %s\n' "$i" "$(attr data-plots-expected "$body")" \
      "$(attr data-plots-drawn "$body")" "$(attr data-errors "$body")" "$draw" "$ready" "$wall" \
      "$(attr data-timing "$body")"
    draws+=("$draw") readies+=("$ready") walls+=("$wall")
  done
  echo "median: page draw $(printf '%s\n' "${draws[@]}" | median) ms, page ready $(printf '%s\n' "${readies[@]}" | median) ms, chromium wall $(printf '%s\n' "${walls[@]}" | median) ms"
} | tee "$out"
