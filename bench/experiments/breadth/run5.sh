#!/usr/bin/env bash
# The one device call that matters most when machines are scarce (2026-12-07, about 6 min):
# issue 18's host time (hostprof), test_cuda.py in quick mode (the padded wgmma head dims,
# block masks, the launch-plan check), the GPU backward, and issue 19's racecheck.
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 40 python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
echo "host rc=$?" >> "$OUT/host.log"; grep -E "us|hits|rc=" "$OUT/host.log" | head -16
ATTNC_REQUIRE_GPU=1 ATTNC_TEST_QUICK=1 timeout 130 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed|rc=" "$OUT/pytest.log" | tail -12
ATTNC_REQUIRE_GPU=1 timeout 40 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_backward_cuda.py > "$OUT/pytest-bwd.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-bwd.log"; grep -E "FAILED|passed|failed|rc=" "$OUT/pytest-bwd.log" | tail -4
TOOLS=racecheck test/fuzz/h100-sanitizers.sh 80 > "$OUT/racecheck.log" 2>&1
echo "racecheck rc=$?" >> "$OUT/racecheck.log"; tail -20 "$OUT/racecheck.log"
