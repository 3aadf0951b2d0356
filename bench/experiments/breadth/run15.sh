#!/usr/bin/env bash
# Device call of 2026-12-07, session 3, carry [".device"]: (1) launch plans as CUDA graphs
# (attnrt: one graph per CUDA plan, its nodes' arguments set per call; ATTN_CUDA_GRAPHS=0
# turns them off): the fast-path, paged, graph-capture and torch.compile GPU tests, then
# host time with and without graphs in one process each (hostprof.py, paged_bench.py);
# (2) the sm_90a backward's D = 128 kernels under the table's score_mods entry
# (.device/bundles_new ahead of .device/bundles): GPU numerics, then bwd_bench.py side by
# side with the 16-query kernels of .device/bundles.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
NEW=$PWD/.device/bundles_new:$PWD/.device/bundles OLD=$PWD/.device/bundles
PT="python3 -m pytest -q -rs -p no:cacheprovider"
git log --oneline -1 2>/dev/null; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 110 $PT python/tests/test_cuda.py -k "fast or plan or threads or paged or graph or stream" > "$OUT/pytest-graphs.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-graphs.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-graphs.log" | tail -6
timeout 120 $PT python/tests/test_flash_cuda.py > "$OUT/pytest-flash.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-flash.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-flash.log" | tail -6
for g in 1 0 1 0; do
  ATTN_CUDA_GRAPHS=$g timeout 50 python3 bench/experiments/hostprof.py > "$OUT/hostprof-$g.log" 2>&1
  echo "graphs=$g rc=$?"; grep -E "no sync|plan.launch alone|sdpa" "$OUT/hostprof-$g.log" | head -6
done
for g in 1 0; do
  ATTN_CUDA_GRAPHS=$g timeout 60 python3 bench/paged_bench.py --json "$OUT/paged-$g.json" > "$OUT/paged-$g.log" 2>&1
  echo "graphs=$g rc=$?"; grep "^|" "$OUT/paged-$g.log" | tail -4
  python3 -c "
import json
for r in json.load(open('$OUT/paged-$g.json')).get('rows', []): print({k: v for k, v in r.items() if 'host' in k or k in ('B', 'L')})" 2>&1 | tail -4
done
ATTNC_BUNDLE_DIR=$NEW timeout 110 $PT python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -6
ATTNC_BUNDLE_DIR=$NEW timeout 90 $PT python/tests/test_cuda.py -k "backward or bwd or dropout" > "$OUT/pytest-cuda-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-cuda-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-cuda-bwd.log" | tail -6
B="python3 bench/bwd_bench.py --seqs 4096,16384 --dims 128"
i=0
for d in "$NEW" "$OLD" "$NEW"; do
  i=$((i + 1)); ATTNC_BUNDLE_DIR=$d timeout 40 $B > "$OUT/bwd-$i.log" 2>&1
  echo "$i rc=$?"; grep -v "^{" "$OUT/bwd-$i.log" | tail -5
done
