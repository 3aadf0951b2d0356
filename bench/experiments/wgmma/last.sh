#!/usr/bin/env bash
# A short last device call (issues 13, 18, 19), each step under a timeout:
#   1. test_cuda.py (B = 0 paged included) and test_flash_cuda.py's fast-path and graph cases
#   2. bench/paged_bench.py: paged decode vs cuDNN, host overhead next to SDPA's
#   3. test_cuda.py's D=128 cases on .device/pp (pipelined + ping-pong), then attnc alone,
#      D=128: default (warp-specialized, FA2's schedule) vs pp
#   4. bench/gpu_bench.py with the peers, D=128 (FA2, cuDNN, FlexAttention)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
B=$PWD/.device/bundles
ATTNC_BUNDLE_DIR=$B ATTNC_REQUIRE_GPU=1 timeout 110 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; tail -2 "$OUT/pytest.log"
ATTNC_BUNDLE_DIR=$B ATTNC_REQUIRE_GPU=1 timeout 60 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_flash_cuda.py -k "fast_path or cuda_graph or fullgraph" > "$OUT/pytest-flash.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-flash.log"; tail -2 "$OUT/pytest-flash.log"
ATTNC_BUNDLE_DIR=$B timeout 80 python3 bench/paged_bench.py --json "$OUT/paged.json" --md "$OUT/paged.md" \
  > "$OUT/paged.log" 2>&1; tail -12 "$OUT/paged.log"
ATTNC_BUNDLE_DIR=$PWD/.device/pp ATTNC_REQUIRE_GPU=1 timeout 60 python3 -m pytest -q -rs \
  -p no:cacheprovider python/tests/test_cuda.py -k d128 > "$OUT/pytest-pp.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-pp.log"; tail -2 "$OUT/pytest-pp.log"
for which in bundles pp bundles pp; do
  echo "== $which"
  ATTNC_BUNDLE_DIR=$PWD/.device/$which timeout 40 python3 bench/gpu_bench.py --attnc-only \
    --seqs 4096,16384 --dims 128 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -4
done > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
ATTNC_BUNDLE_DIR=$B timeout 120 python3 bench/gpu_bench.py --seqs 4096,16384 --dims 128 \
  --json "$OUT/bench.json" > "$OUT/bench.log" 2>&1; grep -v "^{" "$OUT/bench.log" | tail -8
rm -f "$OUT/paged.log"   # the device tool brings back at most 8 files
