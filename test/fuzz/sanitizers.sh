#!/usr/bin/env bash
# ASan + UBSan build of libattnc, libattnrt, the dialect and the tools, then the
# lit suite on it (docs/reliability.md records the last result).
#
#   test/fuzz/sanitizers.sh [BUILD_DIR]      default: build-asan
#
# Every C/C++ file of attnc is compiled with -fsanitize=address,undefined
# (-fno-sanitize-recover: a UBSan report fails the run); MLIR/LLVM come from
# the Debian packages and are not instrumented. Leak detection is on for the
# tools and unit tests. The Python tests load the instrumented libattnrt/libattnc
# into an uninstrumented python3: the ASan runtime is preloaded for them and
# leak detection is off there (CPython's arenas are not leaks). Any sanitizer
# report makes the test that produced it fail (the fuzz tests scan for them
# too), so the summary line is the result: "N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-asan}
shift $(( $# > 0 ? 1 : 0 ))
# -O0 as the normal build: at -O1 GCC's format-truncation warnings (errors: the project
# builds with -Werror, added after these flags) fire where the normal build has none.
FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O0"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S . -B "$BUILD" -DCMAKE_BUILD_TYPE= \
    -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
fi
ninja -C "$BUILD"
ASAN_LIB=$(gcc -print-file-name=libasan.so)
# abort_on_error: a report ends the process with SIGABRT, which every test treats as
# a crash. The python tests get the runtime preloaded (ATTNC_SANITIZER_PRELOAD is read
# by nothing else; lit passes the environment through).
# verify_asan_link_order=0: examples/app is a separate, uninstrumented CMake project that
# links the instrumented libattnrt.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0:verify_asan_link_order=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ATTNC_SANITIZER_PRELOAD="$ASAN_LIB"
/usr/lib/llvm-22/bin/lit -sv --timeout=1200 "$BUILD/test" "$@" 2>&1 | tee "$BUILD/sanitizers.log" | tail -40
