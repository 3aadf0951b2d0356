#!/usr/bin/env bash
# Device call of 2026-12-07, session 3 (run15.sh cut to the device time left), carry
# [".device"]: launch plans as CUDA graphs (ATTN_CUDA_GRAPHS=1; opt-in): the fast-path and
# paged GPU tests with graphs, host time with and without them in alternation; the sm_90a
# backward's D = 128 kernels under score_mods (.device/bundles_new): GPU numerics and
# bwd_bench.py side by side with the 16-query kernels.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
NEW=$PWD/.device/bundles_new:$PWD/.device/bundles OLD=$PWD/.device/bundles
PT="python3 -m pytest -q -rs -p no:cacheprovider -x"
ATTN_CUDA_GRAPHS=1 timeout 60 $PT python/tests/test_cuda.py -k "fast or plan or paged_decode or threads" > "$OUT/pytest-graphs.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-graphs.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-graphs.log" | tail -4
ATTN_CUDA_GRAPHS=1 timeout 60 $PT python/tests/test_flash_cuda.py -k "cuda_graph_plain or cuda_graph_custom" > "$OUT/pytest-capture.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-capture.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-capture.log" | tail -4
for g in 1 0 1; do
  ATTN_CUDA_GRAPHS=$g timeout 40 python3 bench/experiments/hostprof.py > "$OUT/hostprof-$g.log" 2>&1
  echo "graphs=$g rc=$?"; grep -E "no sync|plan.launch alone|sdpa|paged" "$OUT/hostprof-$g.log" | head -7
done
ATTNC_BUNDLE_DIR=$NEW timeout 70 $PT python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -4
B="python3 bench/bwd_bench.py --seqs 4096,16384 --dims 128"
for d in "$NEW" "$OLD"; do
  ATTNC_BUNDLE_DIR=$d timeout 30 $B 2>&1 | grep -v "^{" | tail -5
done
