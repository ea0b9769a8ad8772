#!/usr/bin/env bash
# Installs the Debian packages memtorture needs (only those missing) and builds it into build/:
# everything, or only the targets named as arguments. Used by quickstart.sh and test.sh; safe to
# run again. MEMTORTURE_SANITIZE=1 builds into build-sanitize/ instead, with AddressSanitizer and
# UndefinedBehaviorSanitizer (any error aborts the test that hit it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  cmake make g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libyaml-cpp-dev libcgroup-dev libspdlog-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev
  stress-ng jq bc procps
  clang llvm bpftool libbpf-dev
  libjs-dygraphs chromium
  libclang-rt-14-dev prometheus-cpp-dev prometheus openssl curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root (or install them)" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${MEMTORTURE_SANITIZE:-0}" = 1 ]; then
  build=build-sanitize
  cmake_args+=("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
               "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
fi
cmake -S . -B "$build" "${cmake_args[@]}" > build.cmake.log 2>&1 \
  || { cat build.cmake.log >&2; exit 1; }
rm -f build.cmake.log
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
