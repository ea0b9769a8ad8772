#!/usr/bin/env bash
# Runs a memtorture campaign suite inside a Debian guest kernel under qemu (TCG), so that the
# daemon meets a pure cgroup v2 kernel (6.12) or an older one (6.1) without touching the host.
#
#   scripts/kernel-test.sh [--kernel 6.12|6.1] [--rcutorture] [--delegated] [--ctest REGEX]
#                          [--out DIR] [--timeout SECONDS]
#                          [CAMPAIGNS...]
#
# Run as root from anywhere. Steps:
#   1. installs qemu-system-x86, busybox-static, cpio, xz-utils and e2fsprogs if missing, and builds
#      memtortured, memtorturectl and memtorture-worker with scripts/setup.sh;
#   2. downloads (apt-get download, never apt-get install) the newest linux-image-6.12.*+deb12-amd64
#      or linux-image-6.1.0-*-amd64 apt knows and unpacks it with dpkg-deb -x into the cache folder
#      ${MEMTORTURE_KERNEL_CACHE:-/var/cache/memtorture/kernels}/<kernel release>/ (a second run
#      reuses it);
#   2b. with --rcutorture: builds rcutorture.ko and torture.ko out of tree (Debian's kernels have
#      RCU_TORTURE_TEST off) from linux-source-X.Y and the kernel's linux-headers, -common and
#      linux-kbuild packages (apt-get download, dpkg-deb -x; cached in <release>/rcutorture/),
#      installs gcc-12, make and kmod if missing, lays out the guest's /lib/modules/<release>/ (the
#      image's modules, extra/ with the two, depmod's files) and shares it with the guest read-only,
#      so that `modprobe rcutorture` works there; the guest boots with
#      rcupdate.rcu_cpu_stall_timeout=7 (a 20 s run then holds two callback floods).
#      Without it the guest has no /lib/modules/<release>/ and rcutorture workloads are refused;
#   3. builds an initramfs (busybox, the 9p and overlay modules, scripts/guest/init) in a temp dir;
#   4. boots it with qemu under `timeout` (--timeout, default 600 s): the host's / is shared
#      read-only over 9p (the guest runs this build through an overlay + chroot) and a temp folder
#      is shared writable for the results; the guest's /tmp is a sparse scratch ext4 disk (4 GiB,
#      in the temp dir), so that files written there are page cache as on a host, not tmpfs;
#   5. in the guest, scripts/guest/init mounts cgroup2 and the shares and runs
#      scripts/guest/run-suite.sh in the chroot: a memtortured, then `memtorturectl suite`;
#   6. copies the suite's reports, junit.xml, daemon.log, dmesg.txt and the serial console
#      (console.log) into --out (default kernel-test-out/<kernel>/).
# --delegated starts the guest's daemon as systemd starts a unit with Delegate=yes: alone in its
# own cgroup (/sys/fs/cgroup/system.slice/memtortured.service, marked trusted.delegate=1) with
# INVOCATION_ID set; the guest checks that campaigns went inside that subtree and that the daemon
# gave it back as it was (delegation.txt; a check that fails fails the run).
# --ctest REGEX also runs this build's tests whose names match (ctest -R) inside the guest, after
# the suite: the integration tests that skip on the host's v1 memory controller run there against
# cgroup v2 (ctest.txt; a failed test fails the run).
# CAMPAIGNS (files or folders) default to configs/smoke.yaml; they must not live under /tmp,
# /run, /proc, /sys or /dev (the guest mounts its own there).
# Exit code: the suite's (0 passed, 1 criteria failed, 2 invalid, 3 error), or 3 when the guest
# panicked/oopsed or never finished twice in a row (an infrastructure failure, said on stderr),
# or 4 when the kernel package is neither cached nor to be had from apt (nothing was run).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kernel=6.12
rcutorture=0
delegated=0
ctest_regex=
out=
timeout_s=600
campaigns=()
cache_root=${MEMTORTURE_KERNEL_CACHE:-/var/cache/memtorture/kernels}
# Modules the guest loads (each after its dependencies; those built in are skipped): virtio_pci
# (a module on 6.1), the 9p stack, overlay for the writable view of the host, virtio_blk and ext4
# for its /tmp on a scratch disk (ext4 asks the crypto API for crc32c at mount time, which no
# depends= line names: crc32c_generic first).
MODULES=(virtio_pci netfs 9pnet 9pnet_virtio 9p overlay virtio_blk crc32c_generic ext4)
APPEND="console=ttyS0 panic=-1 oops=panic quiet mitigations=off"
OOPS_RE='Kernel panic|Oops:|general protection fault|BUG: unable to handle|BUG: kernel NULL|invalid opcode:|int3: 0000'

log() { echo "kernel-test: $*" >&2; }
die() { log "$1"; exit "${2:-2}"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

parse_args() {
  while (($#)); do
    case "$1" in
      --kernel) kernel=${2:?--kernel needs 6.12 or 6.1}; shift 2 ;;
      --rcutorture) rcutorture=1; shift ;;
      --delegated) delegated=1; shift ;;
      --ctest) ctest_regex=${2:?--ctest needs a regular expression of test names}; shift 2 ;;
      --out) out=${2:?--out needs a folder}; shift 2 ;;
      --timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
      -*) die "unknown option $1" ;;
      *) [ -e "$1" ] || die "no such campaign: $1"
         campaigns+=("$(realpath "$1")"); shift ;;
    esac
  done
  case "$kernel" in 6.12|6.1) ;; *) die "--kernel must be 6.12 or 6.1" ;; esac
  [[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout needs a number of seconds"
  ((${#campaigns[@]})) || campaigns=("$repo/configs/smoke.yaml")
  local c
  for c in "${campaigns[@]}"; do
    case "$c" in /tmp/*|/run/*|/proc/*|/sys/*|/dev/*)
      die "$c: the guest mounts its own /tmp, /run, /proc, /sys, /dev; put campaigns elsewhere" ;;
    esac
  done
  out=${out:-$repo/kernel-test-out/$kernel}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
}

# --- cleanup: the qemu we started (by pid), temp dirs. Nothing is mounted on the host. --------
qemu_pidfile= timeout_pid= work=
cleanup() {
  local pid
  if [ -n "$qemu_pidfile" ] && [ -s "$qemu_pidfile" ]; then
    pid=$(cat "$qemu_pidfile")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ -n "$timeout_pid" ] && kill -0 "$timeout_pid" 2>/dev/null; then
    kill -TERM "$timeout_pid" 2>/dev/null || true
    wait "$timeout_pid" 2>/dev/null || true
  fi
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. packages and build --------------------------------------------------------------------
ensure_packages() {
  local p missing=() want=(qemu-system-x86 busybox-static cpio xz-utils e2fsprogs)
  # --rcutorture: gcc-12 (the compiler Debian's headers name: x86_64-linux-gnu-gcc-12, with
  # binutils) and make build the modules; kmod's depmod lays out the guest's module tree and its
  # modprobe, run in the guest from the host's /, loads them. The headers package ships kbuild's
  # tools prebuilt (linux-kbuild), so no flex, bison, bc or libelf-dev.
  ((rcutorture)) && want+=(gcc-12 make kmod)
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_binaries() {
  "$repo/scripts/setup.sh" memtortured memtorturectl memtorture-worker >/dev/null
}

# --- 2. kernel package, cached -----------------------------------------------------------------
newest_kernel_package() {
  local re
  case "$kernel" in
    6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
    6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
  esac
  local p
  for p in $(apt-cache pkgnames linux-image-6. | grep -E "$re" | sort -rV); do
    # a name apt only saw in a dependency has no candidate version: skip it
    [[ "$(apt-cache policy "$p")" =~ Candidate:\ [0-9] ]] && { echo "$p"; return 0; }
  done
  return 0
}

# Sets kdir (cache folder), release, image_version, vmlinuz, moddir.
fetch_kernel() {
  local pkg t0
  pkg=$(newest_kernel_package)
  if [ -z "$pkg" ]; then
    log "apt knows no $kernel kernel image: apt-get update"
    apt-get update -qq
    pkg=$(newest_kernel_package)
    [ -n "$pkg" ] || die "no linux-image package for $kernel in apt's lists" 4
  fi
  release=${pkg#linux-image-}
  kdir=$cache_root/$release
  if [ -f "$kdir/.unpacked" ]; then
    log "kernel $pkg: cached in $kdir"
  else
    t0=$(now)
    mkdir -p "$kdir"
    rm -rf "$kdir/root" "$kdir"/*.deb
    (cd "$kdir" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed" 4
    dpkg-deb -x "$kdir"/"${pkg}"_*.deb "$kdir/root"
    touch "$kdir/.unpacked"
    log "kernel $pkg: downloaded and unpacked into $kdir in $(since "$t0") s"
  fi
  # the version the headers for --rcutorture must have: the cached package's
  image_version=$(dpkg-deb -f "$(compgen -G "$kdir/${pkg}_*.deb" | head -1)" Version 2>/dev/null) \
    || image_version=$(apt-cache show "$pkg" | sed -n 's/^Version: //p' | head -1)
  vmlinuz=$kdir/root/boot/vmlinuz-$release
  moddir=$kdir/root/lib/modules/$release
  [ -f "$vmlinuz" ] && [ -d "$moddir" ] || die "$kdir: no vmlinuz or modules (remove it and retry)" 3
  log "using $vmlinuz"
}

# --- 2b. rcutorture out of tree (--rcutorture), cached -----------------------------------------
# Debian builds its kernels with RCU_TORTURE_TEST off; the modules are built here against the
# kernel's own headers, in $kdir/rcutorture/:
#   *.deb     linux-source-X.Y, linux-headers-<release>, linux-headers-<...>-common and
#             linux-kbuild-<...>, all of the image's version (apt-get download; kept, so that a
#             rebuild downloads nothing)
#   root/     the headers and kbuild packages, unpacked with dpkg-deb -x
#   build/    torture.c, rcutorture.c, rcu/rcu.h from the source, a Kbuild file, build.log and the
#             built torture.ko and rcutorture.ko (rebuilt only when one is missing)
#   modules/lib/modules/<release>/  the guest's module tree: the image's modules (hard links),
#             extra/torture.ko, extra/rcutorture.ko and depmod's index files; the guest mounts it
#             read-only at /lib/modules/<release> (9p tag "modules")
# Sets modtree.
fetch_rcutorture() {
  local rdir=$kdir/rcutorture
  local bdir=$rdir/build mroot=$rdir/modules
  modtree=$mroot/lib/modules/$release
  if [ -f "$bdir/torture.ko" ] && [ -f "$bdir/rcutorture.ko" ]; then
    log "rcutorture: modules cached in $bdir"
  else
    build_rcutorture "$rdir" "$bdir"
  fi
  if [ -f "$mroot/.ready" ] && ! [ "$bdir/rcutorture.ko" -nt "$mroot/.ready" ] \
     && ! [ "$bdir/torture.ko" -nt "$mroot/.ready" ]; then
    log "rcutorture: guest module tree cached in $modtree"
    return 0
  fi
  local t0
  t0=$(now)
  rm -rf "$mroot"
  mkdir -p "$mroot/lib/modules"
  # hard links: the image's tree stays as unpacked, and the copy costs no space
  cp -al "$moddir" "$modtree" 2>/dev/null || cp -a "$moddir" "$modtree"
  mkdir "$modtree/extra"
  cp "$bdir/torture.ko" "$bdir/rcutorture.ko" "$modtree/extra/"
  depmod -b "$mroot" "$release" || die "depmod -b $mroot $release failed" 3
  # checked in depmod's output (never with modprobe: nothing is loaded on the host)
  grep -qx 'extra/rcutorture.ko: extra/torture.ko' "$modtree/modules.dep" \
    || die "$modtree/modules.dep has no 'extra/rcutorture.ko: extra/torture.ko'" 3
  touch "$mroot/.ready"
  log "rcutorture: guest module tree laid out and depmod run in $(since "$t0") s ($modtree)"
}

# $1 = $kdir/rcutorture, $2 = its build/.
build_rcutorture() {
  local rdir=$1 bdir=$2 vermagic ver mm deps common kbuild hdr p f t0 missing=()
  ver=$image_version
  mm=$(cut -d. -f1,2 <<<"$release")  # 6.12 or 6.1
  # linux-headers-<release> names its -common and linux-kbuild packages
  # (linux-kbuild-6.12.118+deb12, but linux-kbuild-6.1 for every 6.1 ABI): take them from Depends.
  deps=$(apt-cache show "linux-headers-$release=$ver" 2>/dev/null | sed -n 's/^Depends: //p' | head -1)
  [ -n "$deps" ] || die "apt knows no linux-headers-$release version $ver (the image's): apt-get update?" 3
  common=$(tr ',|' '\n\n' <<<"$deps" | awk '$1 ~ /^linux-headers-.*-common$/ { print $1; exit }')
  kbuild=$(tr ',|' '\n\n' <<<"$deps" | awk '$1 ~ /^linux-kbuild-/ { print $1; exit }')
  [ -n "$common" ] && [ -n "$kbuild" ] || die "linux-headers-$release: no -common or linux-kbuild in its Depends: $deps" 3
  mkdir -p "$rdir"
  for p in "linux-source-$mm" "linux-headers-$release" "$common" "$kbuild"; do
    compgen -G "$rdir/${p}_${ver}_*.deb" >/dev/null || missing+=("$p=$ver")
  done
  if ((${#missing[@]})); then
    t0=$(now)
    (cd "$rdir" && apt-get download -q "${missing[@]}" >"$rdir/download.log" 2>&1) \
      || { tail -n 5 "$rdir/download.log" >&2; die "apt-get download ${missing[*]} failed" 3; }
    log "rcutorture: downloaded ${missing[*]%%=*} ($(du -ch "$rdir"/*.deb | tail -1 | cut -f1)) in $(since "$t0") s"
  fi

  t0=$(now)
  rm -rf "$rdir/root" "$bdir"
  for p in "linux-headers-$release" "$common" "$kbuild"; do
    dpkg-deb -x "$(compgen -G "$rdir/${p}_${ver}_*.deb" | head -1)" "$rdir/root"
  done
  hdr=$rdir/root/usr/src/linux-headers-$release
  # The headers' Makefile is one line, `include /usr/src/linux-headers-<...>-common/Makefile`:
  # point it at the copy unpacked here (scripts/ and tools/ are relative links into kbuild).
  sed -i "s|^include /usr/src/|include $rdir/root/usr/src/|" "$hdr/Makefile"
  f=$(sed -n 's/^include //p' "$hdr/Makefile")
  [ -f "$f" ] || die "$hdr/Makefile includes $f, which is not there" 3
  # The source: only kernel/torture.c, kernel/rcu/rcutorture.c and kernel/rcu/rcu.h are needed
  # (every other header is in the headers packages), so they are streamed out of the package's
  # linux-source-X.Y.tar.xz rather than unpacking its 150 MB onto the disk. --occurrence lets tar
  # stop once it has all three; the writers then get SIGPIPE, hence no pipefail there.
  mkdir -p "$bdir/rcu"
  (
    set +o pipefail
    dpkg-deb --fsys-tarfile "$(compgen -G "$rdir/linux-source-${mm}_${ver}_*.deb" | head -1)" 2>/dev/null \
      | tar -xO "./usr/src/linux-source-$mm.tar.xz" 2>/dev/null \
      | tar -xJ -C "$bdir" --strip-components=1 --occurrence=1 "linux-source-$mm/kernel/torture.c" \
          "linux-source-$mm/kernel/rcu/rcutorture.c" "linux-source-$mm/kernel/rcu/rcu.h" 2>/dev/null
    true
  )
  for f in kernel/torture.c kernel/rcu/rcutorture.c kernel/rcu/rcu.h; do
    [ -f "$bdir/$f" ] || die "linux-source-$mm: no $f in its tarball" 3
  done
  # Flat: torture.c includes "rcu/rcu.h", rcutorture.c "rcu.h" (found through -I rcu/).
  mv "$bdir/kernel/torture.c" "$bdir/kernel/rcu/rcutorture.c" "$bdir/"
  mv "$bdir/kernel/rcu/rcu.h" "$bdir/rcu/rcu.h"
  rm -rf "$bdir/kernel"
  # rcutorture.c calls torture_sched_setaffinity(current->pid, cpumask_of(cpu)) (6.1:
  # rcutorture_sched_setaffinity) in synchronize_rcu_trivial(), for torture_type=trivial only.
  # That wrapper of sched_setaffinity() lives in kernel/rcu/update.c and is built and exported only
  # when RCU_TORTURE_TEST (or, 6.12, LOCK_TORTURE_TEST) is configured, which Debian's kernels are
  # not: the module would not load (unknown symbol). set_cpus_allowed_ptr(current, ...),
  # exported, moves the calling task the same way.
  sed -i 's/[a-z_]*sched_setaffinity(current->pid, /set_cpus_allowed_ptr(current, /' \
    "$bdir/rcutorture.c"
  ! grep -n 'sched_setaffinity' "$bdir/rcutorture.c" >&2 \
    || die "rcutorture.c still calls sched_setaffinity (above): the patch needs a look" 3
  printf '%s\n' '# written by scripts/kernel-test.sh --rcutorture' 'obj-m := torture.o rcutorture.o' \
    'CFLAGS_rcutorture.o := -I$(src)/rcu' >"$bdir/Kbuild"
  log "rcutorture: headers unpacked, sources extracted and patched in $(since "$t0") s"

  t0=$(now)
  # CONFIG_DEBUG_INFO_BTF_MODULES= : no BTF for the modules (it needs pahole and the vmlinux BTF)
  make -C "$hdr" M="$bdir" CONFIG_DEBUG_INFO_BTF_MODULES= -j"$(nproc)" modules >"$bdir/build.log" 2>&1 \
    || { tail -n 20 "$bdir/build.log" >&2; die "building rcutorture failed (see $bdir/build.log)" 3; }
  for f in torture rcutorture; do
    [ -f "$bdir/$f.ko" ] || die "the build made no $f.ko (see $bdir/build.log)" 3
    vermagic=$(tr '\0' '\n' <"$bdir/$f.ko" | sed -n 's/^vermagic=//p')
    [[ "$vermagic" == "$release "* ]] || die "$f.ko: vermagic '$vermagic' is not $release's" 3
  done
  log "rcutorture: torture.ko and rcutorture.ko built in $(since "$t0") s ($bdir)"
}

# --- 3. initramfs ------------------------------------------------------------------------------
# Copies module $1 (and first, recursively, what its .modinfo says it depends on) into the
# initramfs, decompressed (busybox insmod reads no .ko.xz), and appends it to the load order.
declare -A modfile=() modadded=()
add_module() {
  local m=$1 dst dep
  [ -z "${modadded[$m]:-}" ] || return 0
  modadded[$m]=1
  if [ -z "${modfile[$m]:-}" ]; then
    grep -qE "/${m//_/[-_]}\.ko\$" "$moddir/modules.builtin" && return 0
    die "module $m is neither in $moddir nor built in (a cloud kernel has no 9p)" 3
  fi
  dst=$initramfs/lib/modules/$m.ko
  case "${modfile[$m]}" in
    *.xz) xz -dc "${modfile[$m]}" >"$dst" ;;
    *) cp "${modfile[$m]}" "$dst" ;;
  esac
  for dep in $(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | tr ',' ' '); do
    add_module "${dep//-/_}"
  done
  echo "$m" >>"$initramfs/lib/modules/order"
}

build_initramfs() {
  local t0 f m n
  t0=$(now)
  initramfs=$work/initramfs
  mkdir -p "$initramfs"/{bin,dev,proc,sys,mnt,lib/modules}
  cp /bin/busybox "$initramfs/bin/busybox"
  cp "$repo/scripts/guest/init" "$initramfs/init"
  chmod 755 "$initramfs/init"
  while IFS= read -r f; do
    n=${f##*/}; n=${n%.xz}; n=${n%.ko}
    modfile[${n//-/_}]=$f
  done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz')
  : >"$initramfs/lib/modules/order"
  for m in "${MODULES[@]}"; do add_module "$m"; done
  (cd "$initramfs" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.cpio.gz"
  log "initramfs built in $(since "$t0") s ($(du -h "$work/initrd.cpio.gz" | cut -f1)); modules: $(tr '\n' ' ' <"$initramfs/lib/modules/order")"
}

# --- 4. boot -----------------------------------------------------------------------------------
# One boot into $1 (the attempt's folder): share/ is the guest's writable share, console.log its
# serial console. Sets qemu_rc.
boot_guest() {
  local dir=$1 t0 append=$APPEND share_modules=()
  mkdir -p "$dir/share/job"
  printf 'REPO=%s\nKMODULES=%s\nDELEGATED=%s\nCTEST_REGEX=%q\n' "$repo" "$rcutorture" \
    "$delegated" "$ctest_regex" >"$dir/share/job/env"
  if ((rcutorture)); then
    # The guest's /lib/modules/<release>, read-only. Each of rcutorture's rounds is the holdoff
    # (5 s), a callback flood (up to 8 s) and a cond_resched() test of the stall timeout
    # / fwd_progress_div up to the whole stall timeout (21 s by default): with 7 s a 20 s run
    # holds two callback floods.
    share_modules=(-virtfs "local,path=$modtree,mount_tag=modules,security_model=none,readonly=on,multidevs=remap")
    append+=" rcupdate.rcu_cpu_stall_timeout=7"
  fi
  printf '%s\n' "${campaigns[@]}" >"$dir/share/job/campaigns"
  # The guest's /tmp: a scratch ext4 disk, not tmpfs, whose pages would be shared memory where
  # the campaigns and tests expect page cache that reclaim can drop (sparse; removed with $work).
  truncate -s 4G "$dir/tmp.img"
  mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$dir/tmp.img"
  qemu_pidfile=$dir/qemu.pid
  t0=$(now)
  # One host thread runs both vCPUs (thread=single): with a thread each (MTTCG) the kernel's
  # live code patching (int3 breakpoints, text_poke_bp) races between them, and every tracepoint
  # the RCU ledger attaches and detaches patches code: 1 boot of 3 oopsed (`Oops: int3` in
  # call_trace_sched_update_nr_running) while the ledger attached, where MTTCG boots alone oops
  # about 1 in 72.
  timeout --kill-after=10 "$timeout_s" \
    qemu-system-x86_64 -accel tcg,thread=single -m 2048 -smp 2 -no-reboot -nodefaults -no-user-config \
      -display none -serial stdio -pidfile "$qemu_pidfile" \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -kernel "$vmlinuz" -initrd "$work/initrd.cpio.gz" -append "$append" \
      -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
      -virtfs "local,path=$dir/share,mount_tag=out,security_model=none,multidevs=remap" \
      -drive "file=$dir/tmp.img,if=virtio,format=raw,cache=unsafe" \
      "${share_modules[@]}" \
      </dev/null >"$dir/console.log" 2>&1 &
  timeout_pid=$!
  qemu_rc=0
  wait "$timeout_pid" || qemu_rc=$?
  timeout_pid=
  qemu_wall=$(since "$t0")
  log "qemu exited with $qemu_rc after $qemu_wall s"
}

# --- 5./6. judge an attempt from what the guest wrote -------------------------------------------
# Prints the reason and returns 1 when the attempt is an infrastructure failure.
attempt_ok() {
  local dir=$1
  if grep -aqE "$OOPS_RE" "$dir/console.log"; then
    echo "kernel panic/oops: $(grep -aE "$OOPS_RE" "$dir/console.log" | head -1)"; return 1
  fi
  ((qemu_rc != 124 && qemu_rc != 137)) || { echo "timed out after $timeout_s s"; return 1; }
  [ -f "$dir/share/done" ] || {
    echo "guest never wrote its done marker (qemu exit $qemu_rc; $(cat "$dir/share/status" 2>/dev/null || echo 'no status'))"
    return 1
  }
  return 0
}

collect() {
  local dir=$1
  (cd "$out" && rm -rf console.log dmesg.txt daemon.log suite suite.txt system.txt state rc status timings done)
  cp "$dir/console.log" "$out/console.log"
  [ -d "$dir/share" ] && (cd "$dir/share" && cp -r . "$out/")
  rm -rf "$out/job"
}

main() {
  parse_args "$@"
  [ "$(id -u)" = 0 ] || die "run as root"
  ensure_packages
  build_binaries
  fetch_kernel
  ((rcutorture)) && fetch_rcutorture
  work=$(mktemp -d /tmp/memtorture-kernel-test.XXXXXX)
  build_initramfs
  log "campaigns: ${campaigns[*]}; timeout ${timeout_s} s; results into $out"
  local attempt reason rc
  for attempt in 1 2; do
    boot_guest "$work/attempt$attempt"
    if reason=$(attempt_ok "$work/attempt$attempt"); then
      collect "$work/attempt$attempt"
      rc=$(cat "$out/rc" 2>/dev/null || echo 3)
      log "guest: $(cat "$out/status" 2>/dev/null || echo '?'); timings: $(tr '\n' ' ' <"$out/timings" 2>/dev/null)"
      log "guest qemu exit code $qemu_rc (expected $(( (rc << 1) | 1 ))); suite exit code $rc; artifacts in $out"
      exit "$rc"
    fi
    log "attempt $attempt: infrastructure failure: $reason"
    collect "$work/attempt$attempt"
    tail -n 30 "$out/console.log" >&2
  done
  log "INFRASTRUCTURE FAILURE (not a failed campaign): the guest failed twice; see $out/console.log"
  exit 3
}

main "$@"
