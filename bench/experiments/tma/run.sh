#!/usr/bin/env bash
# One device call for the TMA K/V loads (issue 13), each step under a timeout:
#   1. test_cuda.py on the TMA bundles (every warp-specialized case loads K/V with TMA)
#   2. attnc alone, alternating, twice: D=128 .device/bundles (TMA) vs .device/old (cp.async
#      producer, a835f9c's ping-pong bundles); D=64 .device/bundles (one warpgroup, not
#      warp-specialized) vs .device/d64 (128 rows x 8 warps, warp-specialized, TMA, ping-pong)
#   3. bench/gpu_bench.py with the peers (FA2, cuDNN, FlexAttention), D=64 and D=128
#   4. compute-sanitizer memcheck + racecheck on a TMA kernel (small shapes)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
B=$PWD/.device/bundles
ATTNC_BUNDLE_DIR=${TMA_BUNDLES:-$B} ATTNC_REQUIRE_GPU=1 timeout 150 python3 -m pytest -q -rs -x -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; tail -3 "$OUT/pytest.log"
for which in bundles:128 old:128 d64:64 bundles:64 bundles:128 old:128 d64:64 bundles:64; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/${which%%:*} timeout 50 python3 bench/gpu_bench.py --attnc-only \
    --seqs 4096,16384 --dims ${which##*:} 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -4
done > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
ATTNC_BUNDLE_DIR=$B timeout 200 python3 bench/gpu_bench.py --seqs 4096,16384 --dims 64,128 \
  --json "$OUT/bench.json" > "$OUT/bench.log" 2>&1; grep -v "^{" "$OUT/bench.log" | tail -12
if command -v compute-sanitizer > /dev/null; then
  for tool in memcheck racecheck; do
    ATTNC_BUNDLE_DIR=$B timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 \
      python3 bench/experiments/tma/one.py > "$OUT/san-$tool.log" 2>&1
    echo "$tool rc=$?" >> "$OUT/san-$tool.log"; tail -4 "$OUT/san-$tool.log"
  done
fi
if command -v ncu > /dev/null; then
  ATTNC_BUNDLE_DIR=$B timeout 120 ncu -k regex:attn -s 2 -c 1 --section SpeedOfLight \
    --section WarpStateStats --section Occupancy --section LaunchStats --section ComputeWorkloadAnalysis \
    python3 bench/experiments/tma/prof.py > "$OUT/ncu.log" 2>&1
  echo "ncu rc=$?" >> "$OUT/ncu.log"; grep -E "Duration|Throughput|Stall|Registers|Warp Cycles|Issue|rc=" "$OUT/ncu.log" | head -40
fi
