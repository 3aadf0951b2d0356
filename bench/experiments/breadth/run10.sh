#!/usr/bin/env bash
# Device call of 2026-12-07, session 2: the paged merge with four splits per iteration
# and 4 warps (32e7d72; bundles of the paged variants only, in .device/paged): the paged
# tests, paged_bench.py (heuristic split count, and 132 splits at B = 1) and each kernel's
# device time (bench/experiments/paged_kernels.py).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/paged
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
timeout 200 $PT python/tests/test_cuda.py -k "paged" > "$OUT/pytest-paged.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-paged.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-paged.log" | tail -6
timeout 90 python3 bench/experiments/paged_kernels.py --splits auto,66,132 2>&1 | grep "^B=" | tee "$OUT/kernels.log"
timeout 70 python3 bench/paged_bench.py --json "$OUT/paged.json" > "$OUT/paged.log" 2>&1
echo "paged rc=$?" >> "$OUT/paged.log"; grep -v "^{" "$OUT/paged.log" | tail -8
timeout 40 python3 bench/paged_bench.py --rows 1:131072 --splits 132 > "$OUT/paged-132.log" 2>&1
grep -v "^{" "$OUT/paged-132.log" | tail -2
