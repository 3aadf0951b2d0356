#!/usr/bin/env bash
# Device call for issue 17 (any head dim on the H100): the whole test_cuda.py on the
# default bundles (no -x: every failure listed), then the TFLOP/s table per head dim next
# to SDPA (gpu_bench.py --no-flex, D in HEAD_DIM_BENCH_DIMS, S 4k/16k, causal and not).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
cat .device/COMMIT
ATTNC_REQUIRE_GPU=1 timeout ${PYTEST_LIMIT:-330} python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|ERROR|passed|failed" "$OUT/pytest.log" | tail -25
timeout ${BENCH_LIMIT:-200} python3 bench/gpu_bench.py --no-flex --dims 64,72,80,96,128,192,256 \
  --seqs 4096,16384 --json "$OUT/hd.json" > "$OUT/hd.log" 2>&1
echo "bench rc=$?" >> "$OUT/hd.log"; grep -v "^#" "$OUT/hd.log" | tail -35
