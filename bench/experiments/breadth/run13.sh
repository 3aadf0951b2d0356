#!/usr/bin/env bash
# Device call of 2026-12-07, session 3, carry [".device"]: issue 18's host time after the
# cheaper call signature and the direct C call of the launch plan (launchprof.py,
# hostprof.py, gpu_bench --quick and paged_bench host columns); issue 14's backward with
# longer loop tiles (bwd_bench.py: the table's kernels, block_n 32 and 64 from
# bench/experiments/bwd/prepare2.sh, the table's again); the fast-path GPU tests.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; git log --oneline -1 2>/dev/null; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
ATTNC_BUNDLE_DIR=$PWD/.device/bundles:$PWD/.device/bundles_extra timeout 60 python3 bench/experiments/launchprof.py > "$OUT/launchprof.log" 2>&1
echo "rc=$?" >> "$OUT/launchprof.log"; cat "$OUT/launchprof.log"
timeout 60 python3 bench/experiments/hostprof.py > "$OUT/hostprof.log" 2>&1
echo "rc=$?" >> "$OUT/hostprof.log"; grep -v "^ \|^$" "$OUT/hostprof.log" | head -20
timeout 60 python3 bench/paged_bench.py > "$OUT/paged.log" 2>&1; echo "paged rc=$?" >> "$OUT/paged.log"; grep -v "^{" "$OUT/paged.log" | tail -8
timeout 90 python3 bench/gpu_bench.py --quick --no-flex --json "$OUT/gpu_quick.json" > "$OUT/gpu_quick.log" 2>&1
echo "quick rc=$?" >> "$OUT/gpu_quick.log"; tail -8 "$OUT/gpu_quick.log"
python3 -c "
import json,sys
d=json.load(open('$OUT/gpu_quick.json'))
for r in d.get('rows',[]): print({k:r[k] for k in r if 'host' in k or k in ('D','S','causal','head_dim','seq_len')})" 2>&1 | tail -5
B="python3 bench/bwd_bench.py --seqs 4096,16384 --dims 64,128"
i=0
for v in bundles bundles_bn32 bundles_bn64 bundles; do
  i=$((i + 1)); log="$OUT/bwd-$i-$v.log"
  ATTNC_BUNDLE_DIR=$PWD/.device/$v:$PWD/.device/bundles timeout 50 $B > "$log" 2>&1
  echo "$v rc=$?" >> "$log"; grep -v "^{" "$log" | tail -10
done
timeout 80 $PT python/tests/test_cuda.py -k "fast or plan or threads or paged_decode" > "$OUT/pytest-fast.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-fast.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-fast.log" | tail -8
