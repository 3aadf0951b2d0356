#!/usr/bin/env bash
# Device calls of 2026-12-07 (after bench/prepare_device.sh; carry [".device"]):
#   run4.sh tests   test_cuda.py (every case: padded wgmma D = 40..112, 200; block masks),
#                   test_backward_cuda.py, bench/experiments/hostprof.py (issue 18's host time),
#                   gpu_bench.py at D = 72, 80, 96 next to SDPA (no flex)
#   run4.sh more    test/fuzz/h100-sanitizers.sh (memcheck + racecheck, issue 19),
#                   bench/bwd_bench.py, bench/block_mask_gpu.py
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
if [ "${1:-tests}" = tests ]; then
  ATTNC_REQUIRE_GPU=1 timeout 170 python3 -m pytest -q -rs -p no:cacheprovider \
    python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
  echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed" "$OUT/pytest.log" | tail -15
  ATTNC_REQUIRE_GPU=1 timeout 50 python3 -m pytest -q -rs -p no:cacheprovider \
    python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
  echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "FAILED|passed|failed" "$OUT/pytest-bwd.log" | tail -6
  timeout 40 python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
  echo "host rc=$?" >> "$OUT/host.log"; head -60 "$OUT/host.log"
  timeout 70 python3 bench/gpu_bench.py --no-flex --dims 72,80,96 --seqs 4096,16384 \
    --json "$OUT/hd.json" > "$OUT/hd.log" 2>&1
  echo "bench rc=$?" >> "$OUT/hd.log"; grep -v "^#" "$OUT/hd.log" | grep -v "^{" | tail -16
else
  test/fuzz/h100-sanitizers.sh 75 > "$OUT/sanitizers.log" 2>&1
  echo "sanitizers rc=$?" >> "$OUT/sanitizers.log"; cat "$OUT/sanitizers.log" | tail -40
  timeout 50 python3 bench/bwd_bench.py --seqs 4096 > "$OUT/bwd.log" 2>&1
  echo "bwd rc=$?" >> "$OUT/bwd.log"; grep -v "^{" "$OUT/bwd.log" | tail -12
  timeout 90 python3 bench/block_mask_gpu.py --json "$OUT/block_mask.json" > "$OUT/block_mask.log" 2>&1
  echo "block mask rc=$?" >> "$OUT/block_mask.log"; grep -v "^{" "$OUT/block_mask.log" | tail -14
fi
