#!/usr/bin/env bash
# Device call of 2026-12-07 (issue 14, backward speed; after bench/prepare_device.sh and
# bench/experiments/bwd/prepare.sh; carry [".device"]): the backward kernels with the
# next loop tiles prefetched into a two-buffer ring (attn.pipeline = "prefetch",
# docs/backward.md "On sm_90a"): test_backward_cuda.py, then bwd_bench.py with these
# kernels (.device/bundles), the same compiler's kernels without the prefetch
# (.device/bundles_before: config num_stages 1, the schedule of before) and with 32-query
# loop tiles below D = 128 (.device/bundles_bn32, an experiment), all in one call.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 130 $PT python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -12
B="python3 bench/bwd_bench.py --seqs 1024,4096,16384"
timeout 65 $B > "$OUT/bwd.log" 2>&1
echo "bwd rc=$?" >> "$OUT/bwd.log"; grep -v "^{" "$OUT/bwd.log" | tail -15
ATTNC_BUNDLE_DIR=$PWD/.device/bundles_before:$PWD/.device/bundles timeout 65 $B > "$OUT/bwd-before.log" 2>&1
echo "before rc=$?" >> "$OUT/bwd-before.log"; grep -v "^{" "$OUT/bwd-before.log" | tail -15
ATTNC_BUNDLE_DIR=$PWD/.device/bundles_bn32:$PWD/.device/bundles timeout 65 $B --dims 64 > "$OUT/bwd-bn32.log" 2>&1
echo "bn32 rc=$?" >> "$OUT/bwd-bn32.log"; grep -v "^{" "$OUT/bwd-bn32.log" | tail -9
