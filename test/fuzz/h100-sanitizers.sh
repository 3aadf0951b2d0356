#!/usr/bin/env bash
# On an H100 (issue 19): compute-sanitizer memcheck and racecheck over a representative
# subset of python/tests/test_cuda.py (dense, varlen, paged), and the concurrency test
# with CUDA streams. Run from the repository root on the GPU machine after a build:
#
#   ./setup.sh build && test/fuzz/h100-sanitizers.sh [BUILD_DIR]   (default: build)
#
# Prints one summary per tool; record the ERROR SUMMARY lines, the device, the date
# and the commit in docs/reliability.md. The subset keeps each tool within minutes:
# racecheck slows kernels down by 100x and more.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
CS=${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)}
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/$BUILD/lib:$PWD/$BUILD/runtime
export ATTNC_CACHE_DIR=${ATTNC_CACHE_DIR:-$(mktemp -d)} PYTHONDONTWRITEBYTECODE=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
git rev-parse --short HEAD
# One small case of each kind (the ids of the first parametrizations).
SUBSET="test_dense or test_varlen or test_paged or test_paged_splits or test_repeatable"
status=0
for tool in memcheck racecheck; do
  echo "== compute-sanitizer --tool $tool"
  "$CS" --tool "$tool" --error-exitcode 99 --target-processes all \
    python3 -m pytest -q -x -p no:cacheprovider python/tests/test_cuda.py -k "$SUBSET" \
    --maxfail=1 2>&1 | tail -15
  rc=${PIPESTATUS[0]}
  echo "== $tool exit $rc"
  [ "$rc" -eq 0 ] || status=1
done
exit $status
