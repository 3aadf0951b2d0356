#!/usr/bin/env bash
# Device experiment (issue 13): warp-specialized kernels (attn.schedule = "warp-specialized")
# against the bundles before them. Expects .device/bundles (this commit), .device/fold (the
# folded-scale commit 4b7a6e3, the bench variants) and .device/base (5d2685a, the bench variants).
# Usage (device machine): bench/experiments/wgmma/ws.sh -> $OUT/{smoke,pytest,ab}.log
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
B=$PWD/.device/bundles
# A deadlocked kernel hangs the process: everything runs under timeout.
ATTNC_BUNDLE_DIR=$B timeout 120 python3 bench/gpu_bench.py --attnc-only --seqs 4096 --dims 128 --causal no --reps 3 \
  > "$OUT/smoke.log" 2>&1; echo "smoke rc=$?" >> "$OUT/smoke.log"; tail -4 "$OUT/smoke.log"
ATTNC_BUNDLE_DIR=$B ATTNC_REQUIRE_GPU=1 timeout 300 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1; echo "pytest rc=$?" >> "$OUT/pytest.log"
tail -3 "$OUT/pytest.log"
{
  for round in 1 2; do
    for which in base fold bundles; do
      echo "== round $round: $which"
      ATTNC_BUNDLE_DIR=$PWD/.device/$which timeout 150 python3 bench/gpu_bench.py --attnc-only --seqs 4096,16384 2>&1 | grep -v "^#" | grep -v "^{"
    done
  done
} > "$OUT/ab.log" 2>&1
cat "$OUT/ab.log"
