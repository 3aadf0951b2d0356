#!/usr/bin/env bash
# The session's last device call (issue 13): everything in one call, each step under a timeout.
#   1. test_cuda.py on the default bundles (.device/bundles: warp-specialized, FA2's schedule)
#   2. test_cuda.py's D=128 cases on .device/pp (D=128 pipelined + ping-pong, num_stages 2)
#   3. A/B, attnc alone, D=128: rings of 2 (.device/r2, .device/pp2) vs 3 buffers, FA2 vs ping-pong
#   4. bench/h100.sh bench: the forward table with FA2, cuDNN and FlexAttention (default bundles)
#   5. bench/h100.sh paged: paged decode and host overhead (FINAL_PAGED=1)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
ATTNC_BUNDLE_DIR=$PWD/.device/bundles ATTNC_REQUIRE_GPU=1 timeout 200 python3 -m pytest -q -rs \
  -p no:cacheprovider python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "pytest rc=$?" >> "$OUT/pytest.log"; tail -2 "$OUT/pytest.log"
ATTNC_BUNDLE_DIR=$PWD/.device/pp ATTNC_REQUIRE_GPU=1 timeout 120 python3 -m pytest -q -rs \
  -p no:cacheprovider python/tests/test_cuda.py -k d128 > "$OUT/pytest-pp.log" 2>&1
echo "pytest-pp rc=$?" >> "$OUT/pytest-pp.log"; tail -2 "$OUT/pytest-pp.log"
{
  for round in 1 2; do
    for which in r2 bundles pp2 pp; do
      echo "== round $round: $which"
      ATTNC_BUNDLE_DIR=$PWD/.device/$which timeout 60 python3 bench/gpu_bench.py --attnc-only \
        --seqs 4096,16384 --dims 128 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -4
    done
  done
} > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
OUT=$OUT timeout 200 bench/h100.sh bench 2>&1 | tail -16
[ "${FINAL_PAGED:-0}" = 1 ] && OUT=$OUT timeout 100 bench/h100.sh paged 2>&1 | tail -14
rm -f "$OUT/bench.png" "$OUT/paged.log"   # the device tool brings back at most 8 files
