#!/usr/bin/env bash
# Device call of session 6 (2026-12-07), carry [".device/lib", ".device/bundles",
# ".device/bundles_fp8bench", ".device/python_old"]: issue 18's paged host time with the flat
# signature (_paged_sig) against the python/ of the commit before it (.device/python_old,
# `git archive HEAD python`), old / new alternating; the paged tests on the GPU (fast path);
# paged_bench's host time next to cuDNN's; issue 16's fp8 table (run19.sh's fp8_bench; fp8
# paged calls now with tensor scales, which take a launch plan, as in pagedhost.py's fp8 rows).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
NEW=$PWD/python OLD=$PWD/.device/python_old/python
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
PYTHONPATH=$NEW ATTNC_REQUIRE_GPU=1 timeout 200 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py -k "paged or fast or plan or fp8" > "$OUT/pytest-paged.log" 2>&1
echo "pytest rc=$?"; grep -E "^FAILED|passed|failed|rror" "$OUT/pytest-paged.log" | tail -6
for r in 1 2; do
  for v in old new; do
    [ $v = old ] && P=$OLD || P=$NEW
    PYTHONPATH=$P ATTNC_BUNDLE_DIR=$PWD/.device/bundles_fp8bench:$PWD/.device/bundles \
      timeout 90 python3 bench/experiments/pagedhost.py > "$OUT/pagedhost-$v-$r.log" 2>&1
    echo "== $v run $r rc=$?"; grep -E "whole call|signature|_fast.get|Python side|fp8" "$OUT/pagedhost-$v-$r.log"
  done
done
PYTHONPATH=$NEW timeout 120 python3 bench/paged_bench.py --json "$OUT/paged_bench.json" \
  > "$OUT/paged_bench.log" 2>&1
echo "paged_bench rc=$?"; tail -12 "$OUT/paged_bench.log"
PYTHONPATH=$NEW ATTNC_BUNDLE_DIR=$PWD/.device/bundles_fp8bench:$PWD/.device/bundles \
  timeout 200 python3 bench/fp8_bench.py --dims 128,64 --json "$OUT/fp8_bench.json" \
  > "$OUT/fp8_bench.log" 2>&1
echo "fp8_bench rc=$?"; tail -40 "$OUT/fp8_bench.log"
