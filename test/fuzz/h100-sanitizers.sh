#!/usr/bin/env bash
# On an H100 (issue 19): compute-sanitizer memcheck and racecheck over a representative
# subset of python/tests/test_cuda.py (dense, varlen, paged), with the kernels and attnrt that
# bench/prepare_device.sh built on the build machine (the GPU machine has no compiler):
#
#   bench/prepare_device.sh            (build machine)
#   device run, carry [".device"]:  test/fuzz/h100-sanitizers.sh [SECONDS_PER_RUN]  (default 240; four runs)
#
# Prints one summary per tool; record the ERROR SUMMARY lines, the device, the date and the
# commit (.device/COMMIT) in docs/reliability.md. racecheck slows kernels down by 100x and
# more: a tool that runs out of time prints "exit 124" and no summary.
set -uo pipefail
cd "$(dirname "$0")/../.."
LIMIT=${1:-240}
CS=${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)}
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 ATTNC_REQUIRE_GPU=1 PYTHONDONTWRITEBYTECODE=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
cat .device/COMMIT 2>/dev/null || echo "no .device/COMMIT: run bench/prepare_device.sh first"
# One small case of each kind: a warp-specialized varlen kernel, paged with no sequences,
# paged split kernels twice (repeatability), dense (GQA and MHA) cases.
# racecheck runs kernels 100x slower and more, hence small grids.
SUBSET="(test_varlen and bf16-d128-h8-2-causal-0) or test_paged_no_sequences or test_paged_repeatable or (test_dense and (bf16-d64-h3-3-causal-lse-b2-q100-k100 or bf16-d64-h32-8-lse-b2-q100-k1000))"
# The backward kernels (dK/dV, dQ, preprocess): one causal and one non-causal shape.
BWD_SUBSET="test_backward and bf16-d64-h4-4 and b2-q77-k77"
status=0
run_tool() {  # tool, test file, -k expression
  echo "== compute-sanitizer --tool $1 ($2: $3)"
  timeout "$LIMIT" "$CS" --tool "$1" --error-exitcode 99 --target-processes all \
    python3 -m pytest -q -x -p no:cacheprovider "$2" -k "$3" 2>&1 | tail -6
  local rc=${PIPESTATUS[0]}
  echo "== $1 exit $rc"
  [ "$rc" -eq 0 ] || status=1
}
for tool in ${TOOLS:-memcheck racecheck}; do  # TOOLS=racecheck: that one only
  run_tool "$tool" python/tests/test_cuda.py "$SUBSET"
  run_tool "$tool" python/tests/test_backward_cuda.py "$BWD_SUBSET"
done
exit $status
