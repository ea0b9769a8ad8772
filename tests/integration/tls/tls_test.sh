#!/usr/bin/env bash
# memtortured --listen: remote control only over mutual TLS, with certificates made here by
# openssl (a CA, the daemon's certificate for 127.0.0.1, a client it signed, a self-signed client,
# a client of another CA). A good client reaches the daemon and runs a campaign; a client with
# no certificate, a self-signed one or one from another CA is refused at the handshake, and the
# daemon keeps serving the good one. --listen without the TLS options, the TLS options without
# --listen, and an unreadable certificate are refused at start-up; memtorturectl refuses
# --target without --tls-ca.
#
#   tls_test.sh BUILD_DIR
#
# Exit 0 passed, 1 failed, 77 skipped (not root, no memory cgroup, no openssl).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
it_begin tls "${1:-}" "memory cgroups"
require_tools openssl
cleanup() {
  stop_daemon
  release_prefix
  ((failures)) && { echo "--- daemon log"; tail -n 30 "$tmp/daemon.log" 2>/dev/null; }
  rm -rf "$tmp"
}
trap cleanup EXIT

# Certificates: EC P-256, valid for a day.
cd "$tmp" || exit 1
new_ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
             -keyout "$1.key" -out "$1.pem" -subj "/CN=$1" 2>/dev/null; }
signed() {  # NAME CA EXT
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/CN=$1" 2>/dev/null &&
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 1 \
      -out "$1.pem" -extfile <(printf '%s\n' "$3") 2>/dev/null
}
new_ca ca && new_ca other-ca &&
  signed server ca "subjectAltName=IP:127.0.0.1,DNS:localhost"$'\n'"extendedKeyUsage=serverAuth" &&
  signed client ca "extendedKeyUsage=clientAuth" &&
  signed stranger other-ca "extendedKeyUsage=clientAuth" &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -keyout selfsigned.key -out selfsigned.pem -subj /CN=selfsigned 2>/dev/null ||
  { fail "openssl could not make the certificates"; exit 1; }

daemon_args=(--socket "$tmp/d.sock" --state-dir "$tmp/state" --cgroup-prefix "$prefix"
             --worker "$worker_bin")
# Refused at start-up, nothing created.
out=$("$daemon_bin" "${daemon_args[@]}" --listen 127.0.0.1:0 2>&1) && fail "--listen without TLS accepted"
grep -q "remote control is only over mutual TLS" <<<"$out" || fail "--listen without TLS: $out"
out=$("$daemon_bin" "${daemon_args[@]}" --tls-cert server.pem 2>&1) && fail "--tls-cert without --listen accepted"
grep -q "are for --listen" <<<"$out" || fail "--tls-cert without --listen: $out"
out=$("$daemon_bin" "${daemon_args[@]}" --listen 127.0.0.1:0 --tls-cert nope.pem --tls-key server.key \
      --tls-client-ca ca.pem 2>&1) && fail "a missing certificate accepted"
grep -q "tls-cert: .*nope.pem" <<<"$out" || fail "a missing certificate, no file named: $out"
[[ -e $tmp/state ]] && fail "a refused daemon made its state directory"

"$daemon_bin" "${daemon_args[@]}" --listen 127.0.0.1:0 --tls-cert server.pem --tls-key server.key \
  --tls-client-ca ca.pem >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 50); do grep -q "mutual TLS" "$tmp/daemon.log" && break; sleep 0.2; done
port=$(sed -n 's/.*also listening on .* (port \([0-9]*\)), mutual TLS.*/\1/p' "$tmp/daemon.log")
[[ -n $port ]] || { fail "the daemon did not say which port it listens on"; exit 1; }
target=127.0.0.1:$port

ctl() { "$ctl_bin" --target "$target" --tls-ca ca.pem "$@"; }
good() { ctl --tls-cert client.pem --tls-key client.key "$@"; }

good system >"$tmp/system.txt" 2>&1 || fail "the good client was refused: $(cat "$tmp/system.txt")"
grep -q "^kernel" "$tmp/system.txt" || fail "no system info for the good client"
cat >c.yaml <<EOF
campaign: tls
duration: 2s
cgroup:
  memory_limit: 64Mi
workloads:
  - name: hog
    type: anon
    size: 8Mi
EOF
good run c.yaml >"$tmp/run.txt" 2>&1 || fail "the good client's campaign: $(tail -3 "$tmp/run.txt")"
grep -q "): passed$" "$tmp/run.txt" || fail "the good client's campaign did not pass"

for who in none selfsigned stranger; do
  case $who in
    none) args=() ;;
    *) args=(--tls-cert "$who.pem" --tls-key "$who.key") ;;
  esac
  out=$(ctl "${args[@]}" system 2>&1)
  rc=$?
  ((rc == 3)) || fail "client '$who': exit $rc, want 3 (refused): $out"
  grep -q "over mutual TLS" <<<"$out" || fail "client '$who': no reason: $out"
done
# A client that does not trust the daemon's CA refuses it too.
out=$("$ctl_bin" --target "$target" --tls-ca other-ca.pem --tls-cert client.pem --tls-key client.key system 2>&1)
(($? == 3)) || fail "a client trusting another CA reached the daemon: $out"

good system >/dev/null 2>&1 || fail "the daemon stopped serving the good client after refusals"
kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon died"

# memtorturectl's own refusals (exit 2, before connecting).
out=$("$ctl_bin" --target "$target" system 2>&1); rc=$?
((rc == 2)) && grep -q "needs --tls-ca" <<<"$out" || fail "--target without --tls-ca: exit $rc: $out"
out=$("$ctl_bin" --target "$target" --tls-ca ca.pem --tls-cert client.pem system 2>&1); rc=$?
((rc == 2)) && grep -q "go together" <<<"$out" || fail "--tls-cert without --tls-key: exit $rc: $out"
out=$(ctl --tls-cert client.pem --tls-key nope.key system 2>&1); rc=$?
((rc == 2)) && grep -q "tls-key: .*nope.key" <<<"$out" || fail "a missing key: exit $rc: $out"

if ((failures)); then echo "FAILED: $failures"; exit 1; fi
echo "PASSED: mutual TLS on port $port; good client served, 3 bad clients refused"
exit 0
