#!/usr/bin/env bash
# Third TMA device call (68f0f9b + build_tma.py bundles): attnrt launches tensor-map kernels
# with kernelParams.
#   1. attrs.py: the driver's view of the TMA kernel, and a standalone kernelParams launch
#   2. test_cuda.py on .device/tma (every variant, TMA where warp-specialized), -x
#   3. attnc alone, alternating: D=128 default vs TMA; D=64 default vs .device/d64
#      (128 rows, warp-specialized, TMA, num_stages 2)
#   4. compute-sanitizer memcheck on TMA kernels
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv > "$OUT/attrs.log" 2>&1
timeout 45 python3 bench/experiments/tma/attrs.py .device/tma/mha-bf16-d128-h16x16-18cca301b086.attnb \
  .device/bundles/mha-bf16-d128-h16x16-18cca301b086.attnb >> "$OUT/attrs.log" 2>&1
echo "attrs rc=$?" >> "$OUT/attrs.log"; tail -8 "$OUT/attrs.log"
# the backward kernels on the GPU (default bundles)
ATTNC_BUNDLE_DIR=$PWD/.device/bundles ATTNC_REQUIRE_GPU=1 timeout 120 python3 -m pytest -q -rs \
  -p no:cacheprovider python/tests/test_backward_cuda.py -s > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "err |FAILED|Error|passed|failed" "$OUT/pytest-bwd.log" | tail -30
T=$PWD/.device/tma
ATTNC_BUNDLE_DIR=$T ATTNC_REQUIRE_GPU=1 timeout 120 python3 -m pytest -q -rs -x -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest-tma.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-tma.log"; tail -4 "$OUT/pytest-tma.log"
for which in bundles:128 tma:128 bundles:64 d64:64 tma:128 bundles:128 d64:64 bundles:64; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/${which%%:*} timeout 35 python3 bench/gpu_bench.py --attnc-only \
    --seqs 4096,16384 --dims ${which##*:} 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -5
done > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
ATTNC_BUNDLE_DIR=$T timeout 70 compute-sanitizer --tool memcheck --error-exitcode 9 \
  python3 bench/experiments/tma/one.py > "$OUT/san-memcheck.log" 2>&1
echo "memcheck rc=$?" >> "$OUT/san-memcheck.log"; tail -3 "$OUT/san-memcheck.log"
