#!/usr/bin/env bash
# memtortured --metrics-listen with the real Prometheus server (Debian's prometheus): the server
# scrapes a daemon running a short campaign every second; afterwards its HTTP API must show that
# the series moved during the campaign (usage changed, the flood's ops/s above 0, a campaign
# running then none, one more passed campaign). A scrape taken mid-campaign passes `promtool
# check metrics` with no lint warning. Bad --metrics-listen values and a port in use are refused
# at start-up.
#
#   prometheus_test.sh BUILD_DIR
#
# Exit 0 passed, 1 failed, 77 skipped (not root, no memory cgroup, prometheus/promtool/curl/jq
# missing). Everything it starts it ends by pid; its cgroups live under its own prefix.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
it_begin prom "${1:-}" "memory cgroups"
require_tools prometheus promtool curl jq python3 -- "apt-get install prometheus curl jq"
prom_pid=''
cleanup() {
  [[ -n $prom_pid ]] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
  stop_daemon
  release_prefix
  if ((failures)); then
    echo "--- daemon log"; tail -n 30 "$tmp/daemon.log" 2>/dev/null
    echo "--- prometheus log"; tail -n 15 "$tmp/prometheus.log" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Refused at start-up, before anything is created.
out=$("$daemon_bin" --socket "$tmp/x.sock" --state-dir "$tmp/x" --cgroup-prefix "$prefix-x" \
      --worker "$worker_bin" --metrics-listen 9464 2>&1) && fail "--metrics-listen 9464 was accepted"
grep -q "is not HOST:PORT" <<<"$out" || fail "no reason for a bad --metrics-listen: $out"
[[ -e $tmp/x ]] && fail "a refused daemon made its state directory"

"$daemon_bin" --socket "$tmp/d.sock" --state-dir "$tmp/state" --cgroup-prefix "$prefix" \
  --worker "$worker_bin" --metrics-listen 127.0.0.1:0 >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
export MEMTORTURE_SOCKET=$tmp/d.sock
for _ in $(seq 50); do "$ctl_bin" system >/dev/null 2>&1 && break; sleep 0.2; done
port=$(sed -n 's/.*serving Prometheus metrics on .* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log")
[[ -n $port ]] || { fail "the daemon did not say which port it serves /metrics on"; exit 1; }

# A second daemon on the same port: refused with the reason.
out=$("$daemon_bin" --socket "$tmp/y.sock" --state-dir "$tmp/y" --cgroup-prefix "$prefix-y" \
      --worker "$worker_bin" --metrics-listen "127.0.0.1:$port" 2>&1) &&
  fail "a second daemon listened on the same port"
grep -q "cannot listen on 127.0.0.1:$port" <<<"$out" || fail "port in use, no reason: $out"

pport=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: memtortured
    static_configs: [{targets: ["127.0.0.1:$port"]}]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
api=http://127.0.0.1:$pport/api/v1
query() { curl -s --fail --data-urlencode "query=$1" "$api/query" | jq -r '.data.result[0].value[1] // "none"'; }
# The first sample is queryable ~6 s after start (tooling-facts.md).
for _ in $(seq 60); do [[ $(query memtorture_build_info) == 1 ]] && break; sleep 0.5; done
[[ $(query memtorture_build_info) == 1 ]] || { fail "Prometheus never scraped the daemon"; exit 1; }
[[ $(query memtorture_campaign_running) == 0 ]] || fail "a campaign running before any started"

cat >"$tmp/c.yaml" <<EOF
campaign: prom
duration: 6s
cgroup:
  memory_limit: 128Mi
workloads:
  - name: flood
    type: flood
    kind: udp_socket
  - name: hog
    type: anon
    size: 32Mi
    ramp: 3s
EOF
"$ctl_bin" start "$tmp/c.yaml" >"$tmp/id" || fail "the campaign did not start"
sleep 3
curl -s --fail "http://127.0.0.1:$port/metrics" >"$tmp/scrape.txt" || fail "no /metrics mid-campaign"
promtool check metrics <"$tmp/scrape.txt" >"$tmp/promtool.txt" 2>&1 ||
  fail "promtool check metrics: $(cat "$tmp/promtool.txt")"
grep -q '^memtorture_campaign_usage_bytes{' "$tmp/scrape.txt" || fail "no usage in the scrape"
for _ in $(seq 60); do "$ctl_bin" status "$(cat "$tmp/id")" | grep -q '): passed$' && break; sleep 0.5; done
sleep 3  # two more scrapes after the end

[[ $(query 'max_over_time(memtorture_campaign_running[5m])') == 1 ]] || fail "never saw a campaign running"
[[ $(query memtorture_campaign_running) == 0 ]] || fail "still running after the end"
changes=$(query 'changes(memtorture_campaign_usage_bytes{campaign="prom"}[5m])')
[[ $changes != none ]] && (($(printf '%.0f' "$changes") >= 2)) || fail "usage did not move: changes $changes"
ops=$(query 'max_over_time(memtorture_campaign_workload_ops_per_second{workload="flood"}[5m])')
[[ $ops != none ]] && (($(printf '%.0f' "$ops") > 0)) || fail "the flood's ops/s never above 0: $ops"
[[ $(query 'memtorture_campaigns{state="passed"}') == 1 ]] || fail "one passed campaign not counted"
n=$(query 'count_over_time(memtorture_campaign_headroom_bytes{campaign="prom"}[5m])')
[[ $n != none ]] && ((n >= 3)) || fail "fewer than 3 scrapes of headroom during the campaign: $n"

if ((failures)); then echo "FAILED: $failures"; exit 1; fi
echo "PASSED: scraped on port $port, usage changed $changes times, flood max $ops ops/s, $n samples"
exit 0
