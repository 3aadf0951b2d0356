#!/usr/bin/env bash
# Device experiment (issue 13): the folded softmax scale (attn-online-softmax{fold-scale})
# against the bundles of the previous compiler, and an ncu profile of the D=128 kernel.
# Expects .device/bundles (this commit) and .device/base (the compiler before the change).
# Usage (device machine): bench/experiments/wgmma/fold.sh  ->  $OUT/{pytest.log,ab.txt,ncu.txt}
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
B=$PWD/.device/bundles; A=$PWD/.device/base
ATTNC_BUNDLE_DIR=$B ATTNC_REQUIRE_GPU=1 timeout 420 python3 -m pytest -q -rs -p no:cacheprovider \
  python/tests/test_cuda.py > "$OUT/pytest.log" 2>&1; echo "pytest rc=$?" >> "$OUT/pytest.log"
tail -3 "$OUT/pytest.log"
{
  for round in 1 2; do
    for which in base fold; do
      dir=$A; [ $which = fold ] && dir=$B
      echo "== round $round: $which"
      ATTNC_BUNDLE_DIR=$dir timeout 200 python3 bench/gpu_bench.py --attnc-only --seqs 4096,16384 2>&1 | grep -v "^#"
    done
  done
} > "$OUT/ab.txt" 2>&1
cat "$OUT/ab.txt"
# One launch of the D=128 non-causal S=16k kernel (fold), the sections that say where time goes.
ATTNC_BUNDLE_DIR=$B timeout 240 ncu --clock-control none --kernel-name regex:attn --launch-skip 3 --launch-count 1 \
  --section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats \
  --section SchedulerStats --section Occupancy --section LaunchStats --section InstructionStats \
  python3 bench/gpu_bench.py --attnc-only --seqs 16384 --dims 128 --causal no --reps 3 \
  > "$OUT/ncu.txt" 2>&1
tail -120 "$OUT/ncu.txt" | head -150
