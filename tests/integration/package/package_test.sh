#!/usr/bin/env bash
# The Debian package: built with cpack from the build tree, its files and dependencies checked,
# its systemd unit verified by systemd-analyze (any warning fails), installed with dpkg into a
# throwaway root (never onto this machine), the installed daemon run under exactly the unit's
# capability bounding set (a campaign with the RCU ledger passes, finds its worker where the
# package puts it, leaves no cgroup and no knob changed), then removed and purged: no file left.
#
#   package_test.sh BUILD_DIR
#
# Exit 0 passed, 1 failed, 77 skipped (not root, no memory cgroup, a tool missing).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
it_begin pkg "${1:-}" "dpkg, memory cgroups"
require_tools cpack dpkg dpkg-deb systemd-analyze setpriv jq
root=$tmp/root
cleanup() {
  stop_daemon
  release_prefix
  ((failures)) && [[ -f $tmp/daemon.log ]] && { echo "--- daemon log"; tail -n 20 "$tmp/daemon.log"; }
  rm -rf "$tmp"
}
trap cleanup EXIT

# Build the package.
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  { fail "cpack failed: $(tail -5 "$tmp/cpack.log")"; exit 1; }
deb=$(ls "$tmp"/pkg/memtorture_*.deb 2>/dev/null | head -n 1)
[[ -n $deb ]] || { fail "no memtorture_*.deb from cpack"; exit 1; }

# Its files.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/sbin/memtortured /usr/bin/memtorturectl /usr/lib/memtorture/memtorture-worker \
         /usr/lib/systemd/system/memtortured.service /usr/share/memtorture/configs/smoke.yaml \
         /usr/share/memtorture/configs/README.md /usr/share/memtorture/configs/nightly/10-smoke.yaml \
         /usr/share/doc/memtorture/README.md; do
  grep -qx "$f" "$tmp/files" || fail "the package lacks $f"
done
# Its dependencies, by name: the libraries the binaries link and what they read at run time.
depends=$(dpkg-deb -f "$deb" Depends)
for d in libgrpc++ libprotobuf libyaml-cpp libbpf libjs-dygraphs libc6; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done
for script in postinst prerm postrm; do
  dpkg-deb -I "$deb" "$script" >/dev/null 2>&1 || fail "no $script in the package"
done

# Install into a throwaway root: the maintainer scripts run here but find no systemd, so they do
# nothing to this machine.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg_root=(dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null)
"${dpkg_root[@]}" -i "$deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -3 "$tmp/dpkg.log")"
for f in usr/sbin/memtortured usr/bin/memtorturectl usr/lib/memtorture/memtorture-worker; do
  [[ -x $root/$f ]] || fail "$f not installed"
done

# The unit, verified against the installed binary (systemd-analyze prints warnings and exits 0:
# any output on stderr fails).
unit=$tmp/memtortured.service
sed "s|/usr/sbin/memtortured|$root/usr/sbin/memtortured|" \
  "$root/usr/lib/systemd/system/memtortured.service" >"$unit"
sed -i "s|^Documentation=.*|Documentation=file:$root/usr/share/doc/memtorture/README.md|" "$unit"
if ! systemd-analyze verify "$unit" >"$tmp/verify.out" 2>"$tmp/verify.err" || [[ -s $tmp/verify.err ]]; then
  fail "systemd-analyze verify: $(cat "$tmp/verify.err")"
fi

# The installed daemon under the unit's capability bounding set, nothing more.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[[ -n $caps ]] || fail "the unit has no CapabilityBoundingSet"
expedited_before=$(cat /sys/kernel/rcu_expedited 2>/dev/null || echo -)
setpriv --bounding-set=-all,"$caps" --inh-caps=-all -- \
  "$root/usr/sbin/memtortured" --socket "$tmp/run/m.sock" --state-dir "$tmp/state" \
  --cgroup-prefix "$prefix" >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
ctl=("$root/usr/bin/memtorturectl" --socket "$tmp/run/m.sock")
for _ in $(seq 50); do "${ctl[@]}" system >/dev/null 2>&1 && break; sleep 0.2; done
grep -q "worker $root/usr/lib/memtorture/memtorture-worker" "$tmp/daemon.log" ||
  fail "the installed daemon did not find the installed worker: $(tail -2 "$tmp/daemon.log")"
bounding=$(awk '/^CapBnd/ {print $2}' "/proc/$daemon_pid/status")
[[ $bounding != 000001ffffffffff && $bounding != 000003ffffffffff ]] ||
  fail "the daemon kept every capability ($bounding)"
cat >"$tmp/c.yaml" <<EOF
campaign: pkg
duration: 3s
cgroup: {memory_limit: 128Mi}
workloads:
  - {name: udp, type: flood, kind: udp_socket}
  - {name: hog, type: anon, size: 16Mi}
kernel: {rcu_expedited: 1}
ledger: {freed: true, walk_interval: 500ms}
criteria: {max_oom_kills: 0}
EOF
"${ctl[@]}" run "$tmp/c.yaml" --json >"$tmp/report.json" 2>"$tmp/run.err" ||
  fail "the campaign under the unit's capabilities: $(tail -3 "$tmp/run.err")"
jq -e '.verdict == "passed" and .parts.ledger.enabled and .parts.ledger.error == "" and
       .parts.kernel.restored' "$tmp/report.json" >/dev/null ||
  fail "the campaign did not pass with the ledger and the knob put back: $(jq -c '{verdict, reason, ledger: .parts.ledger.error, kernel: .parts.kernel}' "$tmp/report.json")"
stop_daemon
[[ $(cat /sys/kernel/rcu_expedited 2>/dev/null || echo -) == "$expedited_before" ]] ||
  fail "rcu_expedited left changed"

# Remove, then purge: nothing of the package stays.
"${dpkg_root[@]}" -r memtorture >>"$tmp/dpkg.log" 2>&1 || fail "dpkg -r: $(tail -3 "$tmp/dpkg.log")"
[[ -e $root/usr/sbin/memtortured ]] && fail "memtortured still there after dpkg -r"
"${dpkg_root[@]}" -P memtorture >>"$tmp/dpkg.log" 2>&1 || fail "dpkg -P: $(tail -3 "$tmp/dpkg.log")"
left=$(find "$root" -type f ! -path "$root/var/lib/dpkg/*" | head -5)
[[ -z $left ]] || fail "files left after purge: $left"

if ((failures)); then echo "FAILED: $failures"; exit 1; fi
echo "PASSED: $(basename "$deb"), $(wc -l <"$tmp/files") paths; Depends: $depends"
exit 0
