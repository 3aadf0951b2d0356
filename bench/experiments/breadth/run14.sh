#!/usr/bin/env bash
# Device call of 2026-12-07, session 3, carry [".device"]: the sm_90a backward's D = 128
# kernels under the table's score_mods entry (32-query tiles without score modifiers),
# compiled into .device/bundles_new (the D = 128 backward specs of gpu_variants), ahead of
# .device/bundles: GPU numerics (test_backward_cuda.py, test_cuda.py's backward and dropout
# cases), then bwd_bench.py with them and with the 16-query kernels of .device/bundles.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
NEW=$PWD/.device/bundles_new:$PWD/.device/bundles OLD=$PWD/.device/bundles
PT="python3 -m pytest -q -rs -p no:cacheprovider"
git log --oneline -1 2>/dev/null; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
ATTNC_BUNDLE_DIR=$NEW timeout 120 $PT python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -8
ATTNC_BUNDLE_DIR=$NEW timeout 100 $PT python/tests/test_cuda.py -k "backward or bwd or dropout" > "$OUT/pytest-cuda-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-cuda-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-cuda-bwd.log" | tail -8
B="python3 bench/bwd_bench.py --seqs 4096,16384 --dims 128"
i=0
for d in "$NEW" "$OLD" "$NEW"; do
  i=$((i + 1)); ATTNC_BUNDLE_DIR=$d timeout 40 $B > "$OUT/bwd-$i.log" 2>&1
  echo "$i $d rc=$?" >> "$OUT/bwd-$i.log"; grep -v "^{" "$OUT/bwd-$i.log" | tail -6
done
