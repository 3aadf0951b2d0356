#!/usr/bin/env bash
# attnc set-up: installs what is missing (apt-get only), builds, and runs.
#
#   ./setup.sh demo    set up, then compile examples/gqa-causal.mlir through the
#                      full CPU pipeline and run it with attn-run (error + PASS)
#   ./setup.sh test    set up, then run the whole test suite (lit + unit tests)
#   ./setup.sh deps    only install missing packages
#   ./setup.sh build   install + build
#
# Idempotent and non-interactive; run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  cmake ninja-build gcc g++ make    # build
  libmlir-22-dev mlir-22-tools      # MLIR C API, libMLIR.so, mlir-tblgen
  llvm-22-dev llvm-22-tools lld-22  # LLVM, lit/FileCheck/not, ld.lld (AMD code objects)
  libamdhip64-dev                   # HIP runtime: attnrt's AMD backend (dlopen; no device here)
  python3 python3-numpy             # lit, test scripts
  python3-torch python3-pytest      # the Python package's tests (test/Python)
)
BUILD_DIR=${ATTNC_BUILD_DIR:-build}

log() { printf '== %s\n' "$*" >&2; }

install_deps() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "packages: all present"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  log "installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

build() {
  install_deps
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring $BUILD_DIR"
    cmake -G Ninja -S . -B "$BUILD_DIR"
  fi
  log "building"
  ninja -C "$BUILD_DIR"
}

demo() {
  build
  local example=examples/gqa-causal.mlir out="$BUILD_DIR/examples"
  mkdir -p "$out"
  log "compiling $example through the flash pipeline (attn-to-cpu) -> $out/gqa-causal.llvm.mlir"
  "$BUILD_DIR/tools/attn-opt" "$example" --attn-to-cpu -o "$out/gqa-causal.llvm.mlir"
  log "running it with attn-run (all cores) against the double-precision reference"
  "$BUILD_DIR/tools/attn-run" "$example" --target=cpu --shape=0=2x32x100x128 --shape=1=2x8x161x128
}

run_tests() {
  build
  log "running the test suite"
  ninja -C "$BUILD_DIR" check-attnc
}

case "${1:-}" in
deps) install_deps ;;
build) build ;;
demo) demo ;;
test) run_tests ;;
*)
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
