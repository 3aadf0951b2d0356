#!/usr/bin/env bash
# Device call after wgmma padding (attn-tile wgmmaPads) and the GPU backward:
#   1. test_cuda.py, every case (D = 40..112, 200 now run padded wgmma kernels)
#   2. test_backward_cuda.py
#   3. gpu_bench.py --no-flex at D = 72, 80, 96 (padded to 128) and 128, S 4k/16k
#   4. bench/bwd_bench.py: the backward against SDPA flash / cuDNN
#   5. bench/experiments/hostprof.py: attnc's host time per call
#   6. bench/block_mask_gpu.py: block masks against FlexAttention (issue 17 section 4)
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
cat .device/COMMIT; nvidia-smi --query-gpu=name --format=csv,noheader
ATTNC_REQUIRE_GPU=1 timeout 150 python3 -m pytest -q -rs -p no:cacheprovider python/tests/test_cuda.py \
  > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed" "$OUT/pytest.log" | tail -15
ATTNC_REQUIRE_GPU=1 timeout 50 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; tail -2 "$OUT/pytest-bwd.log"
timeout 60 python3 bench/gpu_bench.py --no-flex --dims 72,80,96 --seqs 4096,16384 \
  --json "$OUT/hd.json" > "$OUT/hd.log" 2>&1
echo "bench rc=$?" >> "$OUT/hd.log"; grep -v "^#" "$OUT/hd.log" | grep -v "^{" | tail -20
timeout 50 python3 bench/bwd_bench.py --seqs 4096 > "$OUT/bwd.log" 2>&1
echo "bwd rc=$?" >> "$OUT/bwd.log"; grep -v "^{" "$OUT/bwd.log" | tail -12
timeout 25 python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
echo "host rc=$?" >> "$OUT/host.log"; head -24 "$OUT/host.log"
timeout 90 python3 bench/block_mask_gpu.py --json "$OUT/block_mask.json" > "$OUT/block_mask.log" 2>&1
echo "block mask rc=$?" >> "$OUT/block_mask.log"; grep -v "^{" "$OUT/block_mask.log" | tail -14
