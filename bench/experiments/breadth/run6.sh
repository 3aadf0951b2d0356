#!/usr/bin/env bash
# One short device call, most important first (2026-12-07; machines scarce): issue 18's host
# time, the new MLA kernels (issue 15), issue 19's racecheck (dense/varlen/paged and MLA),
# the padded wgmma head dims and block masks (issues 13, 17), the MLA benchmark. The limits
# (seconds) come from T_HOST, T_MLA, T_RACE, T_RACE_MLA, T_TESTS, T_BENCH (run7.sh: shorter).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_BUNDLE_DIR=$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
PT="python3 -m pytest -q -rs -p no:cacheprovider"
cat .device/COMMIT; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout ${T_HOST:-35} python3 bench/experiments/hostprof.py > "$OUT/host.log" 2>&1
echo "host rc=$?" >> "$OUT/host.log"; grep -E " us|hits|rc=" "$OUT/host.log" | head -14
timeout ${T_MLA:-60} $PT python/tests/test_mla_cuda.py > "$OUT/pytest-mla.log" 2>&1
echo "rc=$?" >> "$OUT/pytest-mla.log"; grep -E "FAILED|passed|failed|rc=" "$OUT/pytest-mla.log" | tail -8
SUBSET="(test_varlen and bf16-d128-h8-2-causal-0) or test_paged_no_sequences or test_paged_repeatable or (test_dense and (bf16-d64-h3-3-causal-lse-b2-q100-k100 or bf16-d64-h32-8-lse-b2-q100-k1000))"
timeout ${T_RACE:-60} "$CS" --tool racecheck --error-exitcode 99 --target-processes all $PT -x \
  python/tests/test_cuda.py -k "$SUBSET" > "$OUT/racecheck.log" 2>&1
echo "racecheck test_cuda rc=$?" >> "$OUT/racecheck.log"; tail -4 "$OUT/racecheck.log"
timeout ${T_RACE_MLA:-45} "$CS" --tool racecheck --error-exitcode 99 --target-processes all $PT -x \
  python/tests/test_mla_cuda.py -k "h16-1 and bs64 and not max32768" > "$OUT/racecheck-mla.log" 2>&1
echo "racecheck mla rc=$?" >> "$OUT/racecheck-mla.log"; tail -4 "$OUT/racecheck-mla.log"
ATTNC_TEST_QUICK=1 timeout ${T_TESTS:-70} $PT python/tests/test_cuda.py -k \
  "d40 or d72 or d80 or d96 or d100 or d112 or d200 or block_mask or fast_path" > "$OUT/pytest.log" 2>&1
echo "rc=$?" >> "$OUT/pytest.log"; grep -E "FAILED|passed|failed|rc=" "$OUT/pytest.log" | tail -10
timeout ${T_BENCH:-50} python3 bench/mla_bench.py ${MLA_BENCH_ARGS:---reps 10 --inner 3} --json "$OUT/mla.json" > "$OUT/mla.log" 2>&1
echo "mla bench rc=$?" >> "$OUT/mla.log"; grep -v "^{" "$OUT/mla.log" | tail -10
