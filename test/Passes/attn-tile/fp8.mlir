// fp8 ops take the tile configuration of their 16-bit math (docs/fp8.md: the
// tiles are dequantized to out's type after the load): an fp8 -> bf16
// attn.mha gets the bf16 entry of each table. A chip that lacks the format
// is refused at the op (sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ,
// the CPU both).
// RUN: attn-opt %s --attn-tile | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s --attn-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | attn-opt --attn-tile | FileCheck %s --check-prefix=CPU
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | attn-opt --attn-tile=target=gfx942 | FileCheck %s --check-prefix=GFX942
// RUN: not attn-opt %s --attn-tile=target=gfx942 2>&1 | FileCheck %s --check-prefix=LACKS942
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | not attn-opt --attn-tile=target=gfx950 2>&1 | FileCheck %s --check-prefix=LACKS950

// The bf16 twin's tile, then the fp8 op's: the same.
// CPU: attn.mha {{.*}}attn.tile = [[TILE:{.*}]]
// CPU: attn.mha {{.*}}attn.tile = [[TILE]]
// SM90: attn.mha {{.*}}attn.tile = [[TILE:{.*}]]
// SM90: attn.mha {{.*}}attn.tile = [[TILE]]
// GFX942: attn.mha {{.*}}attn.tile = [[TILE:{.*}]]
// GFX942: attn.mha {{.*}}attn.tile = [[TILE]]
// LACKS942: fp8.mlir:[[# @LINE + 12]]:8: error: attn-tile: 'attn.mha' has f8E4M3FN operands, a format target 'gfx942' lacks (it takes f8E4M3FNUZ; sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ, the CPU both)
// LACKS950: error: attn-tile: 'attn.mha' has f8E4M3FNUZ operands, a format target 'gfx950' lacks (it takes f8E4M3FN;
func.func @bf16(%q: tensor<2x32x?x128xbf16>, %k: tensor<2x8x?x128xbf16>, %v: tensor<2x8x?x128xbf16>)
    -> tensor<2x32x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal}
      : (tensor<2x32x?x128xbf16>, tensor<2x8x?x128xbf16>, tensor<2x8x?x128xbf16>)
      -> tensor<2x32x?x128xbf16>
  return %o : tensor<2x32x?x128xbf16>
}

func.func @mha(%q: tensor<2x32x?x128xf8E4M3FN>, %k: tensor<2x8x?x128xf8E4M3FN>, %v: tensor<2x8x?x128xf8E4M3FN>,
               %s: tensor<f32>) -> tensor<2x32x?x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%s, %s, %s) {causal}
      : (tensor<2x32x?x128xf8E4M3FN>, tensor<2x8x?x128xf8E4M3FN>, tensor<2x8x?x128xf8E4M3FN>,
         tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x32x?x128xbf16>
  return %o : tensor<2x32x?x128xbf16>
}
