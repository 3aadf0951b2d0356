#!/usr/bin/env bash
# Second TMA device call: attnrt now launches tensor-map kernels with kernelParams.
#   1. attrs.py: the driver's view of a TMA kernel, and a kernelParams launch checked vs SDPA
#   2. test_cuda.py on the TMA bundles (.device/tma, 994f48a: warp-specialized kernels with TMA)
#   3. attnc alone, alternating twice: D=128 default (cp.async producer) vs TMA; D=64 default
#      vs .device/d64 (128 rows, warp-specialized, TMA, ping-pong)
#   4. compute-sanitizer memcheck/racecheck and ncu on a TMA kernel
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
timeout 60 python3 bench/experiments/tma/attrs.py .device/tma/mha-bf16-d128-h16x16-18cca301b086.attnb \
  .device/bundles/mha-bf16-d128-h16x16-18cca301b086.attnb > "$OUT/attrs.log" 2>&1
cat "$OUT/attrs.log" | tail -12
T=$PWD/.device/tma
ATTNC_BUNDLE_DIR=$T ATTNC_REQUIRE_GPU=1 timeout 150 python3 -m pytest -q -rs -x -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; tail -3 "$OUT/pytest.log"
for which in bundles:128 tma:128 bundles:64 d64:64 bundles:128 tma:128 bundles:64 d64:64; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/${which%%:*} timeout 40 python3 bench/gpu_bench.py --attnc-only \
    --seqs 1024,4096,16384 --dims ${which##*:} 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -6
done > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
if command -v compute-sanitizer > /dev/null; then
  for tool in memcheck racecheck; do
    ATTNC_BUNDLE_DIR=$T timeout 80 compute-sanitizer --tool $tool --error-exitcode 9 \
      python3 bench/experiments/tma/one.py > "$OUT/san-$tool.log" 2>&1
    echo "$tool rc=$?" >> "$OUT/san-$tool.log"; tail -3 "$OUT/san-$tool.log"
  done
fi
if command -v ncu > /dev/null; then
  ATTNC_BUNDLE_DIR=$T timeout 90 ncu -k regex:attn -s 2 -c 1 --section SpeedOfLight \
    --section WarpStateStats --section Occupancy --section LaunchStats \
    python3 bench/experiments/tma/prof.py > "$OUT/ncu.log" 2>&1
  echo "ncu rc=$?" >> "$OUT/ncu.log"; grep -E "Duration|Throughput|Stall|Registers|Warp Cycles|Issue|rc=" "$OUT/ncu.log" | head -30
fi
