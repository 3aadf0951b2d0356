#!/usr/bin/env bash
# Device experiment (issue 13): warp-specialized kernels, FA2's schedule (.device/bundles, the
# default config) and software-pipelined + ping-pong (.device/pp: every D=128 variant compiled
# with num_stages 2): test_cuda.py on both, then an A/B of the bench variants, with the same
# two at a ring of 2 buffers (.device/r2, .device/pp2: bench variants of f4d71e4) against 3.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
for set in pp bundles; do
  ATTNC_BUNDLE_DIR=$PWD/.device/$set timeout 90 python3 bench/gpu_bench.py --attnc-only --seqs 4096 --dims 128 --reps 3 \
    > "$OUT/smoke-$set.log" 2>&1; echo "smoke $set rc=$?" | tee -a "$OUT/smoke-$set.log"
  ATTNC_BUNDLE_DIR=$PWD/.device/$set ATTNC_REQUIRE_GPU=1 timeout 240 python3 -m pytest -q -rs -p no:cacheprovider \
    python/tests/test_cuda.py > "$OUT/pytest-$set.log" 2>&1; echo "pytest $set rc=$?" >> "$OUT/pytest-$set.log"
  tail -2 "$OUT/pytest-$set.log"
done
{
  for round in 1 2; do
    for which in r2 bundles pp2 pp; do
      echo "== round $round: $which"
      ATTNC_BUNDLE_DIR=$PWD/.device/$which timeout 120 python3 bench/gpu_bench.py --attnc-only --seqs 4096,16384 --dims 128 2>&1 | grep -v "^#" | grep -v "^{" | grep -v "^$" | tail -4
    done
  done
} > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
