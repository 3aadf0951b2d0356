#!/usr/bin/env bash
# After bench/prepare_device.sh BUILD_DIR: the backward kernels of bwd_bench.py compiled by the
# same build with other tables, for run1.sh's side-by-side rows:
#   .device/bundles_before: config/sm_90a-MHA-BWD.json with num_stages 1 everywhere (no
#                           attn.pipeline = "prefetch": each tile copied, waited for and
#                           published where it is read, the schedule before the ring);
#   .device/bundles_bn32:   block_n 32 (32-query loop tiles) where the table has 16 below
#                           D = 128 (an experiment: the GQA causal softcap dK/dV spills at D = 64).
# bench/experiments/bwd/prepare.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=$(realpath "${1:-build}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkcfg() { # mkcfg DIR PYTHON-EXPR-ON-s
  mkdir -p "$1"; cp config/*.json "$1/"
  python3 - "$1/sm_90a-MHA-BWD.json" "$2" <<'PY'
import sys
p, expr = sys.argv[1], sys.argv[2]
s = open(p).read()
s = eval(expr)
open(p, "w").write(s)
PY
}
mkcfg "$tmp/before" 's.replace("\"num_stages\": 2", "\"num_stages\": 1")'
mkcfg "$tmp/bn32" 's.replace("\"block_m\": 64, \"block_n\": 16,", "\"block_m\": 64, \"block_n\": 32,")'
grep -q '"num_stages": 2' "$tmp/before/sm_90a-MHA-BWD.json" && { echo "before: not rewritten" >&2; exit 1; }
grep -q '"block_n": 32' "$tmp/bn32/sm_90a-MHA-BWD.json" || { echo "bn32: not rewritten" >&2; exit 1; }
export ATTNC_LIB_DIR=$build/lib:$build/runtime PYTHONPATH=$PWD/python:$PWD/python/tests
for v in before bn32; do
  rm -rf ".device/bundles_$v"
  ATTN_CONFIG_DIR=$tmp/$v python3 -c '
import sys
import gpu_variants as g
from attnc import aot
specs = [aot.AttentionSpec.from_dict(g.backward_spec(s)) for s in g.BWD_BENCH_SPECS]
aot.build(specs, sys.argv[1], ["sm_90a"])
' ".device/bundles_$v"
  echo "== .device/bundles_$v: $(ls .device/bundles_$v | wc -l) files"
done
du -sh .device
