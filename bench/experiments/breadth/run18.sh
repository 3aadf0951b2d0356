#!/usr/bin/env bash
# Device call of 2026-12-07, session 4, carry [".device"]: fp8 latent caches of mla_decode
# on sm_90a (test_mla_cuda.py, fp8 variants from .device/bundles_fp8mla), and where
# paged_attention's host time goes (pagedhost.py, graphs on / off).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib
export ATTNC_BUNDLE_DIR=$PWD/.device/bundles_fp8mla:$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
timeout 120 python3 -m pytest -q -rs -s -p no:cacheprovider python/tests/test_mla_cuda.py > "$OUT/pytest-mla.log" 2>&1
echo "mla rc=$?"; grep -E "^FAILED|passed|failed|Error" "$OUT/pytest-mla.log" | tail -6
for g in 1 0; do
  ATTN_CUDA_GRAPHS=$g timeout 60 python3 bench/experiments/pagedhost.py > "$OUT/pagedhost-$g.log" 2>&1
  echo "graphs=$g rc=$?"; cat "$OUT/pagedhost-$g.log" | tail -16
done
