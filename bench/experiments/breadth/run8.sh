#!/usr/bin/env bash
# Device call of 2026-12-07 (after bench/prepare_device.sh; carry [".device"]): the merged fp8
# attn.mha kernels and the fixed dropout test (issue 16, 14), host time incl. paged decode
# (issue 18), the backward benchmark (issue 14), FlexAttention's document-mask row (issue 17)
# and the head-dim table next to FA2 / cuDNN / FlexAttention (issues 13, 17).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 90 $PT python/tests/test_cuda.py -k "fp8 or test_dropout" > "$OUT/pytest-fp8.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-fp8.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-fp8.log" | tail -12
timeout 45 python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
echo "host rc=$?" >> "$OUT/host.log"; grep -E " us|hits|rc=" "$OUT/host.log" | head -16
timeout 60 python3 bench/bwd_bench.py --seqs 1024,4096,16384 > "$OUT/bwd.log" 2>&1
echo "bwd rc=$?" >> "$OUT/bwd.log"; grep -v "^{" "$OUT/bwd.log" | tail -12
timeout 90 python3 bench/block_mask_gpu.py --json "$OUT/block_mask.json" > "$OUT/block_mask.log" 2>&1
echo "block mask rc=$?" >> "$OUT/block_mask.log"; grep -v "^{" "$OUT/block_mask.log" | tail -10
timeout ${T_HD:-200} python3 bench/gpu_bench.py --dims 64,72,80,96,128,192,256 --seqs 4096,16384 \
  --reps 20 --json "$OUT/hd.json" > "$OUT/hd.log" 2>&1
echo "hd rc=$?" >> "$OUT/hd.log"; grep -v "^{" "$OUT/hd.log" | tail -32
