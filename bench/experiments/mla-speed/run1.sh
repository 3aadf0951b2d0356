#!/usr/bin/env bash
# Device call of 2026-12-07 (issue 15, MLA decode speed; after bench/prepare_device.sh and a
# copy of the kernels of 5ac50fd, before the split S, into .device/bundles-base: the MLA and
# MLA-as-paged variants only, AOT-compiled with that commit's compiler; carry [".device"]):
# test_mla_cuda.py on the new kernels, then bench/mla_bench.py with the new kernels and the
# old ones in the same process order new, old, new (drift check), each with fixed KV split
# counts next to the heuristic's.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
NEW=$PWD/.device/bundles BASE=$PWD/.device/bundles-base
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
B="python3 bench/mla_bench.py --reps 10 --inner 3 --splits 1,2,3,4,6,8,12,16"
ATTNC_BUNDLE_DIR=$NEW timeout 70 $B --json "$OUT/bench-new.json" > "$OUT/bench-new.log" 2>&1
echo "new rc=$?" >> "$OUT/bench-new.log"; grep -v "^{" "$OUT/bench-new.log" | tail -14
ATTNC_BUNDLE_DIR=$BASE timeout 70 $B --no-paged --json "$OUT/bench-base.json" > "$OUT/bench-base.log" 2>&1
echo "base rc=$?" >> "$OUT/bench-base.log"; grep -v "^{" "$OUT/bench-base.log" | tail -14
ATTNC_BUNDLE_DIR=$NEW timeout 150 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_mla_cuda.py > "$OUT/pytest-mla.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-mla.log"; grep -E "^FAILED|passed|failed|rc=" "$OUT/pytest-mla.log" | tail -12
ATTNC_BUNDLE_DIR=$NEW timeout 50 $B --no-paged --json "$OUT/bench-new2.json" > "$OUT/bench-new2.log" 2>&1
echo "new2 rc=$?" >> "$OUT/bench-new2.log"; grep -v "^{" "$OUT/bench-new2.log" | tail -14
