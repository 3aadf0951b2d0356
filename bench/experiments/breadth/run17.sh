#!/usr/bin/env bash
# Device call of 2026-12-07, session 4, carry [".device"]: launch plans as CUDA graphs by
# default (attnrt; a node's arguments set only when they changed): every GPU test file
# with graphs on, host time with graphs on/off in alternation (hostprof.py), and
# paged_bench.py / gpu_bench.py --quick for attnc_host_us next to SDPA's. D = 128 backward
# kernels at 32-query tiles come from .device/bundles_new (first in the search path).
set -uo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-out}; mkdir -p "$OUT"
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib
export ATTNC_BUNDLE_DIR=$PWD/.device/bundles_new:$PWD/.device/bundles
export ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1 ATTNC_REQUIRE_GPU=1 PYTHONUNBUFFERED=1
unset ATTN_CUDA_GRAPHS
PT="python3 -m pytest -q -rs -p no:cacheprovider"
for t in test_cuda test_flash_cuda test_mla_cuda test_backward_cuda; do
  timeout 200 $PT python/tests/$t.py > "$OUT/pytest-$t.log" 2>&1
  echo "$t rc=$?"; grep -E "^FAILED|passed|failed" "$OUT/pytest-$t.log" | tail -3
done
for g in 1 0 1 0; do
  ATTN_CUDA_GRAPHS=$g timeout 40 python3 bench/experiments/hostprof.py > "$OUT/hostprof-$g.log" 2>&1
  echo "graphs=$g rc=$?"; grep -E "no sync|plan.launch alone|sdpa|paged|Python only" "$OUT/hostprof-$g.log" | head -9
done
timeout 90 python3 bench/paged_bench.py --json "$OUT/paged.json" --md "$OUT/paged.md" > "$OUT/paged.log" 2>&1
echo "paged_bench rc=$?"; cat "$OUT/paged.md"
python3 - "$OUT/paged.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d.get("rows", d if isinstance(d, list) else []):
    print({k: v for k, v in r.items() if "host" in k or k in ("B", "L")})
PY
timeout 120 python3 bench/gpu_bench.py --quick --no-flex --json "$OUT/gpu_quick.json" > "$OUT/gpu_quick.log" 2>&1
echo "gpu_bench rc=$?"
grep -o '"D": [0-9]*, "causal": [a-z]*, "S": [0-9]*\|"attnc": [0-9.]*\|"sdpa_cudnn": [0-9.]*\|"attnc_host_us": [0-9.]*\|"sdpa_flash_host_us": [0-9.]*' "$OUT/gpu_quick.log" | paste -sd' ' | sed 's/"D"/\n"D"/g'
