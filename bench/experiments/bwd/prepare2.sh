#!/usr/bin/env bash
# After bench/prepare_device.sh BUILD_DIR, with the prefetch ring on main: the backward kernels
# of bwd_bench.py with longer loop tiles, for side-by-side rows (run2.sh):
#   .device/bundles_bn32: block_n 32 (32-query tiles in dK/dV, 32-key tiles in dQ) at D = 64, 128
#   .device/bundles_bn64: block_n 64 at D = 64, 32 at D = 128
# and ptxas -v of each (registers, spills) in .device/ptxas_<v>.txt.
# bench/experiments/bwd/prepare2.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=$(realpath "${1:-build}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkcfg() { # mkcfg DIR D64 D128: block_n of the default entry (D = 64) and of the D = 128 entry
  mkdir -p "$1"; cp config/*.json "$1/"
  python3 - "$1/sm_90a-MHA-BWD.json" "$2" "$3" <<'PY'
import json, sys
p, d64, d128 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = json.load(open(p))
for e in c["entries"]:
    if e["match"] == {}:
        e["config"]["block_n"] = d64
    if e["match"] == {"head_dim": 128}:
        e["config"]["block_n"] = d128
json.dump(c, open(p, "w"), indent=1)
PY
}
mkcfg "$tmp/bn32" 32 32
mkcfg "$tmp/bn64" 64 32
export ATTNC_LIB_DIR=$build/lib:$build/runtime PYTHONPATH=$PWD/python:$PWD/python/tests
for v in bn32 bn64; do
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
