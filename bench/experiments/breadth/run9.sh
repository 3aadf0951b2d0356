#!/usr/bin/env bash
# Device call of 2026-12-07, session 2 (after bench/prepare_device.sh; carry [".device"]):
# host time per call after the plan-first prologue of attention / paged_attention (issue
# 18), the fast-path / graph / compile tests it must keep passing, and the split count of
# paged decode at B = 1 (issue 13: 0.78x cuDNN there).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 60 python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
echo "host rc=$?" >> "$OUT/host.log"; grep -E " us|hits|rc=" "$OUT/host.log" | head -20
timeout 120 $PT python/tests/test_flash_cuda.py > "$OUT/pytest-flash.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-flash.log"; tail -3 "$OUT/pytest-flash.log"
timeout 150 $PT python/tests/test_cuda.py -k "fast or plan or threads or paged" > "$OUT/pytest-fast.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-fast.log"; tail -3 "$OUT/pytest-fast.log"
for s in auto 33 132 264; do
  a=""; [ "$s" != auto ] && a="--splits $s"
  timeout 60 python3 bench/paged_bench.py --rows 1:131072,32:4096 $a --reps 20 \
    > "$OUT/paged-$s.log" 2>&1
  echo "splits=$s rc=$?"; grep -v "^{" "$OUT/paged-$s.log" | tail -4
done
timeout 70 python3 bench/paged_bench.py --json "$OUT/paged.json" > "$OUT/paged.log" 2>&1
echo "paged rc=$?" >> "$OUT/paged.log"; grep -v "^{" "$OUT/paged.log" | tail -8
