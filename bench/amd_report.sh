#!/bin/bash
# The static AMD report of issue 4: attn-compile --report for the flash
# kernel at D in {64, 128, 256}, f16 and bf16, causal and not, on gfx942 and
# gfx950 (tile config from config/gfx9*-MHA-DEFAULT.json: BLOCK_M 128,
# BLOCK_N 64, 4 waves); then the two kernels of a paged decode op
# (attn.paged_attention: the split kernel f_attn0 and the LSE merge kernel
# f_attn0_merge; B=32, Hq=32, Hkv=8, D=128, blocks of 16 tokens, bf16; tile
# config from the "paged": "decode" entries: BLOCK_M 32, one wave).
# Usage: bench/amd_report.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-6s %-5s %-4s %-7s ' chip dtype D mask
"$build/tools/attn-compile" --help >/dev/null
header=1
for d in 64 128 256; do
  for dt in f16 bf16; do
    for causal in 0 1; do
      attrs=$([ $causal = 1 ] && echo "{causal}" || echo "")
      cat > "$tmp/a.mlir" <<MLIR
func.func @attention(%q: tensor<?x32x?x${d}x${dt}>, %k: tensor<?x8x?x${d}x${dt}>,
                     %v: tensor<?x8x?x${d}x${dt}>) -> tensor<?x32x?x${d}x${dt}> {
  %o = attn.mha %q, %k, %v ${attrs}
      : (tensor<?x32x?x${d}x${dt}>, tensor<?x8x?x${d}x${dt}>, tensor<?x8x?x${d}x${dt}>)
      -> tensor<?x32x?x${d}x${dt}>
  return %o : tensor<?x32x?x${d}x${dt}>
}
MLIR
      out=$("$build/tools/attn-compile" "$tmp/a.mlir" --target=gfx942,gfx950 --report)
      if [ $header = 1 ]; then echo "$out" | head -1; header=0; fi
      mask=$([ $causal = 1 ] && echo causal || echo full)
      echo "$out" | tail -n +2 | while read -r line; do
        chip=${line%% *}
        printf '%-6s %-5s %-4s %-7s %s\n' "$chip" "$dt" "$d" "$mask" "${line#* }"
      done
    done
  done
done
# Paged decode: mask column "decode"; one row per kernel and chip.
cat > "$tmp/p.mlir" <<MLIR
func.func @attention(%q: tensor<32x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>,
                     %vc: tensor<?x16x8x128xbf16>, %bt: tensor<32x?xi32>, %sl: tensor<32xi32>,
                     %qsl: tensor<33xi32>) -> tensor<32x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal}
      : (tensor<32x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>,
         tensor<32x?xi32>, tensor<32xi32>, tensor<33xi32>) -> tensor<32x32x128xbf16>
  return %o : tensor<32x32x128xbf16>
}
MLIR
"$build/tools/attn-compile" "$tmp/p.mlir" --target=gfx942,gfx950 --report | tail -n +2 |
  while read -r line; do
    printf '%-6s %-5s %-4s %-7s %s\n' "${line%% *}" bf16 128 decode "${line#* }"
  done
