#!/usr/bin/env bash
# The one command to run on the GPU machine (one NVIDIA H100, python3 with torch,
# triton, pytest, matplotlib; no compiler), from the repository root:
#
#   bench/h100.sh [all|test|bench|paged|quick|env] [LIB_DIR] [BUNDLE_DIR]
#
#   test    python/tests/test_cuda.py (pytest -x; ~3 minutes)
#   bench   bench/gpu_bench.py, the full table (JSON, PNG)
#   paged   bench/paged_bench.py: paged decode vs SDPA cuDNN / flash (JSON, markdown; ~1 minute)
#   all     test, then bench (the default; bench runs even when a test fails)
#   quick   the tests without the 4097/16384-token shapes, then gpu_bench.py --quick
#   env     the environment report only
#
# LIB_DIR (default $ATTNC_LIB_DIR, else .device/lib) holds libattnrt.so, BUNDLE_DIR
# (default $ATTNC_BUNDLE_DIR, else .device/bundles) the precompiled kernels: both made on
# the build machine by bench/prepare_device.sh, and carried (device tool: carry [".device"]).
# The commit measured is $ATTNC_COMMIT, else .device/COMMIT (written by prepare_device.sh).
# Extra arguments for gpu_bench.py: GPU_BENCH_ARGS="--seqs 1024,4096,8192,16384 --inner 10";
# for paged_bench.py: PAGED_BENCH_ARGS="--rows 32:4096 --splits 8";
# pytest's stop-at-first-failure flag: PYTEST_FLAGS (default -x; PYTEST_FLAGS= runs everything).
#
# Files written to $OUT (default ./out; the device tool brings back at most 8):
#   env.txt  pytest.log  bench.log  bench.json  bench.png  (paged: paged.log paged.json paged.md)
# Exit status: non-zero when a test failed or attnc's output was wrong in the benchmark.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

mode=${1:-all}
case "$mode" in
  all|test|bench|paged|quick|env) ;;
  -h|--help|help) sed -n '2,24p' "$0"; exit 0 ;;
  *) echo "h100.sh: unknown mode '$mode' (all|test|bench|paged|quick|env)" >&2; exit 2 ;;
esac
lib_dir=${2:-${ATTNC_LIB_DIR:-.device/lib}}
bundle_dir=${3:-${ATTNC_BUNDLE_DIR:-.device/bundles}}
OUT=${OUT:-$root/out}
mkdir -p "$OUT"

ATTNC_LIB_DIR=$(realpath -m "$lib_dir")
ATTNC_BUNDLE_DIR=$(realpath -m "$bundle_dir")
export ATTNC_LIB_DIR ATTNC_BUNDLE_DIR
export PYTHONPATH=$root/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1
# No compiler on the GPU machine: every kernel comes from the bundle directory (never a
# libattnc.so that happened to be found).
export ATTNC_NO_COMPILER=1
export PYTHONDONTWRITEBYTECODE=1
if [ -z "${ATTNC_COMMIT:-}" ] && [ -f .device/COMMIT ]; then
  ATTNC_COMMIT=$(cat .device/COMMIT)
fi
export ATTNC_COMMIT=${ATTNC_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
PY=${PYTHON:-python3}

{
  echo "== $(date -u +%FT%TZ) bench/h100.sh $mode, attnc $ATTNC_COMMIT"
  nvidia-smi -L || echo "nvidia-smi failed"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv 2>/dev/null || true
  $PY -c 'import sys, torch; print("python", sys.version.split()[0], "| torch", torch.__version__, "| cuda", torch.version.cuda, "| available", torch.cuda.is_available())' || echo "python3/torch failed"
  $PY -c 'import triton; print("triton", triton.__version__)' 2>/dev/null || echo "triton not importable"
  echo "ATTNC_LIB_DIR=$ATTNC_LIB_DIR"
  ls -la "$ATTNC_LIB_DIR" 2>&1 | head -20
  if [ -f "$ATTNC_LIB_DIR/libattnrt.so" ]; then ldd "$ATTNC_LIB_DIR/libattnrt.so" 2>&1; fi
  echo "ATTNC_BUNDLE_DIR=$ATTNC_BUNDLE_DIR: $(find "$ATTNC_BUNDLE_DIR" -type f 2>/dev/null | wc -l) files, $(du -sh "$ATTNC_BUNDLE_DIR" 2>/dev/null | cut -f1)"
  if [ -f .device/FAILED.txt ]; then
    echo "variants that did not compile (.device/FAILED.txt; their tests fail):"
    grep '^AttentionSpec' .device/FAILED.txt
  fi
  if [ -f .device/specs.json ]; then
    $PY python/tests/gpu_variants.py | cmp -s - .device/specs.json ||
      echo "WARNING: python/tests/gpu_variants.py changed since bench/prepare_device.sh ran"
  fi
  $PY -c 'import attnc; print("attnc", attnc.__version__, "from", attnc.__file__); print("attnc runtime on cuda:0:", attnc.runtime_available("cuda:0"))' 2>&1 | tail -3
} 2>&1 | tee "$OUT/env.txt"
[ "$mode" = env ] && exit 0

status=0
if [ "$mode" = all ] || [ "$mode" = test ] || [ "$mode" = quick ]; then
  echo "== pytest python/tests/test_cuda.py"
  if [ "$mode" = quick ]; then export ATTNC_TEST_QUICK=1; fi
  # ATTNC_REQUIRE_GPU: a missing GPU or runtime is an error here, not a skip.
  # shellcheck disable=SC2086
  ATTNC_REQUIRE_GPU=1 $PY -m pytest -q ${PYTEST_FLAGS--x} -rs -p no:cacheprovider --durations=15 \
    python/tests/test_cuda.py 2>&1 | tee "$OUT/pytest.log"
  rc=${PIPESTATUS[0]}
  echo "== pytest exit $rc"
  [ "$rc" -ne 0 ] && status=1
fi
if [ "$mode" = all ] || [ "$mode" = bench ] || [ "$mode" = quick ]; then
  echo "== bench/gpu_bench.py"
  extra=()
  [ "$mode" = quick ] && extra+=(--quick)
  # shellcheck disable=SC2206
  extra+=(${GPU_BENCH_ARGS:-})
  $PY bench/gpu_bench.py --json "$OUT/bench.json" --png "$OUT/bench.png" \
    --commit "$ATTNC_COMMIT" "${extra[@]}" 2>&1 | tee "$OUT/bench.log"
  rc=${PIPESTATUS[0]}
  echo "== gpu_bench exit $rc"
  [ "$rc" -ne 0 ] && status=1
fi
if [ "$mode" = paged ]; then
  echo "== bench/paged_bench.py"
  # shellcheck disable=SC2206
  extra=(${PAGED_BENCH_ARGS:-})
  $PY bench/paged_bench.py --json "$OUT/paged.json" --md "$OUT/paged.md" \
    --commit "$ATTNC_COMMIT" "${extra[@]}" 2>&1 | tee "$OUT/paged.log"
  rc=${PIPESTATUS[0]}
  echo "== paged_bench exit $rc"
  [ "$rc" -ne 0 ] && status=1
fi
exit $status
