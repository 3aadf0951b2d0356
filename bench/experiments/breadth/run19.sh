#!/usr/bin/env bash
# Prepared in session 5 (2026-12-07; no device time then) for the next device call, carry
# [".device"]: issue 16's fp8 table (bench/fp8_bench.py on the bundles of
# .device/bundles_fp8bench: fp8 forward next to attnc bf16 and SDPA cuDNN bf16, paged decode
# with fp8 caches; every row checked against SDPA flash on the dequantized inputs), then
# paged_attention's host time (pagedhost.py, graphs on) and paged_bench's B = 1 row (issue
# 13's merge). The sm_90a kernels did not change in session 5 (its C changes are AMD-only
# and the parser guard), so the bundles of .device stay current.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
ATTNC_BUNDLE_DIR=$PWD/.device/bundles_fp8bench:$PWD/.device/bundles \
  timeout 300 python3 bench/fp8_bench.py --dims 128,64 --json "$OUT/fp8_bench.json" \
  > "$OUT/fp8_bench.log" 2>&1
echo "fp8_bench rc=$?"; tail -40 "$OUT/fp8_bench.log"
export ATTNC_BUNDLE_DIR=$PWD/.device/bundles
timeout 60 python3 bench/experiments/pagedhost.py > "$OUT/pagedhost.log" 2>&1
echo "pagedhost rc=$?"; tail -16 "$OUT/pagedhost.log"
