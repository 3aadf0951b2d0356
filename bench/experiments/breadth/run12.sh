#!/usr/bin/env bash
# Device call of 2026-12-07, session 3, carry [".device"]: the backward's prefetch ring of
# bwd-speed merged on main (GPU numerics, then bwd_bench.py with the ring and with the
# num_stages-1 kernels of .device/bundles_before, from bench/experiments/bwd/prepare.sh),
# MLA tests, a test_cuda.py subset; then where issue 18's host time goes (launchprof.py with
# the D=96 bench variant of .device/bundles_extra, hostprof.py).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 100 $PT python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -8
B="python3 bench/bwd_bench.py --seqs 4096,16384 --dims 64,128"
timeout 50 $B > "$OUT/bwd.log" 2>&1; echo "bwd rc=$?" >> "$OUT/bwd.log"; grep -v "^{" "$OUT/bwd.log" | tail -10
ATTNC_BUNDLE_DIR=$PWD/.device/bundles_before:$PWD/.device/bundles timeout 50 $B > "$OUT/bwd-before.log" 2>&1
echo "before rc=$?" >> "$OUT/bwd-before.log"; grep -v "^{" "$OUT/bwd-before.log" | tail -10
timeout 40 $B > "$OUT/bwd2.log" 2>&1; echo "bwd2 rc=$?" >> "$OUT/bwd2.log"; grep -v "^{" "$OUT/bwd2.log" | tail -10
ATTNC_BUNDLE_DIR=$PWD/.device/bundles:$PWD/.device/bundles_extra timeout 60 python3 bench/experiments/launchprof.py > "$OUT/launchprof.log" 2>&1
echo "rc=$?" >> "$OUT/launchprof.log"; cat "$OUT/launchprof.log"
timeout 60 python3 bench/experiments/hostprof.py > "$OUT/hostprof.log" 2>&1
echo "rc=$?" >> "$OUT/hostprof.log"; grep -v "^ \|^$" "$OUT/hostprof.log" | head -20
timeout 40 $PT python/tests/test_mla_cuda.py > "$OUT/pytest-mla.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-mla.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-mla.log" | tail -4
timeout 70 $PT python/tests/test_cuda.py -k "paged or fast or plan or threads or bwd or backward" > "$OUT/pytest-all.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-all.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-all.log" | tail -8
