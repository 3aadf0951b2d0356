#!/usr/bin/env bash
# One device call for everything pending (device time is scarce):
#   1. attrs.py: the driver's view of a TMA kernel + a standalone kernelParams launch
#   2. test_backward_cuda.py (the backward kernels on sm_90a, default bundles)
#   3. test_cuda.py -x on .device/tma (TMA kernels), quick shapes
#   4. attnc alone: D=128 default vs TMA, D=64 default vs .device/d64, S 4k/16k
#   5. test_cuda.py on the default bundles (issue 17's head dims), quick shapes, no -x
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
nvidia-smi --query-gpu=name --format=csv,noheader > "$OUT/attrs.log" 2>&1
timeout 40 python3 bench/experiments/tma/attrs.py .device/tma/mha-bf16-d128-h16x16-18cca301b086.attnb \
  .device/bundles/mha-bf16-d128-h16x16-18cca301b086.attnb >> "$OUT/attrs.log" 2>&1
echo "attrs rc=$?" >> "$OUT/attrs.log"; tail -6 "$OUT/attrs.log"
ATTNC_BUNDLE_DIR=$PWD/.device/bundles ATTNC_REQUIRE_GPU=1 timeout 100 python3 -m pytest -q -rs \
  -p no:cacheprovider python/tests/test_backward_cuda.py -s > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "err |FAILED|Error|passed|failed" "$OUT/pytest-bwd.log" | tail -24
ATTNC_BUNDLE_DIR=$PWD/.device/tma ATTNC_REQUIRE_GPU=1 ATTNC_TEST_QUICK=1 timeout 90 python3 -m pytest \
  -q -rs -x -p no:cacheprovider python/tests/test_cuda.py > "$OUT/pytest-tma.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-tma.log"; tail -3 "$OUT/pytest-tma.log"
for which in bundles:128 tma:128 bundles:64 d64:64; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/${which%%:*} timeout 30 python3 bench/gpu_bench.py --attnc-only \
    --seqs 4096,16384 --dims ${which##*:} 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -5
done > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
ATTNC_BUNDLE_DIR=$PWD/.device/bundles ATTNC_REQUIRE_GPU=1 ATTNC_TEST_QUICK=1 timeout 220 python3 -m pytest \
  -q -rs -p no:cacheprovider python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed" "$OUT/pytest.log" | tail -20
