#!/usr/bin/env bash
# The smallest device call that validates the padded wgmma kernels (attn-tile wgmmaPads),
# block masks on the GPU and the backward, and measures D = 72/80/96 padded:
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1
cat .device/COMMIT; nvidia-smi --query-gpu=name --format=csv,noheader
timeout 100 python3 -m pytest -q -rs -p no:cacheprovider python/tests/test_cuda.py \
  -k "d40 or d72 or d80 or d96 or d100 or d112 or d200 or block_mask or d60 or d120" > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed" "$OUT/pytest.log" | tail -12
timeout 35 python3 -m pytest -q -rs -p no:cacheprovider python/tests/test_backward_cuda.py \
  > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; tail -2 "$OUT/pytest-bwd.log"
timeout 45 python3 bench/gpu_bench.py --attnc-only --no-flex --dims 72,80,96 --seqs 4096,16384 \
  --json "$OUT/hd.json" > "$OUT/hd.log" 2>&1
echo "bench rc=$?" >> "$OUT/hd.log"; grep -v "^#" "$OUT/hd.log" | grep -v "^{" | tail -14
