#!/usr/bin/env bash
# One device call for the TMA K/V loads (issue 13), each step under a timeout:
#   1. test_cuda.py on the TMA bundles (every warp-specialized case loads K/V with TMA)
#   2. attnc alone, D=128 and D=64: .device/bundles (TMA) vs .device/old (cp.async producer,
#      a835f9c's ping-pong bundles), alternating, twice
#   3. bench/gpu_bench.py with the peers (FA2, cuDNN, FlexAttention), D=64 and D=128
#   4. compute-sanitizer memcheck + racecheck on a TMA kernel (small shapes)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
B=$PWD/.device/bundles
ATTNC_BUNDLE_DIR=$B ATTNC_REQUIRE_GPU=1 timeout 150 python3 -m pytest -q -rs -x -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; tail -3 "$OUT/pytest.log"
for which in bundles old bundles old; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/$which timeout 50 python3 bench/gpu_bench.py --attnc-only \
    --seqs 4096,16384 --dims 128 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -4
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
