// fp8 kernels (docs/fp8.md): of them the GPUs lower only attn.paged_attention's
// split kernels on sm_90a (fp8 KV caches, 16-bit math:
// test/Passes/attn-lower-nvgpu/fp8-paged.mlir). Every other fp8 kernel (attn.mha
// here, attn.mla's latent cache, all of AMD) is refused by each GPU target with a
// located error naming the target and saying what is supported (never a crash),
// after attn-tile checked that the chip has the format: sm_90a and gfx950 take
// f8E4M3FN, gfx942 f8E4M3FNUZ (the CPU takes both: test/Execution/fp8.mlir).
// RUN: not attn-opt %s --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=GFX950
// RUN: not attn-opt %s --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | not attn-opt --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942-FNUZ
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | not attn-opt --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90-FNUZ

// SM90: fp8.mlir:{{[0-9]+}}:8: error: attn-gpu-layout: 'func.func' has fp8 operands, which target 'sm_90a' does not implement yet (f8E4M3FN; of fp8 kernels the GPUs lower only attn.paged_attention's fp8 KV caches, on sm_90a; the rest runs on the CPU: attn-to-cpu; docs/fp8.md)
// SM90-NOT: error
// GFX950: fp8.mlir:{{[0-9]+}}:8: error: attn-gpu-layout: 'func.func' has fp8 operands, which target 'gfx950' does not implement yet (f8E4M3FN;
// GFX942: fp8.mlir:{{[0-9]+}}:8: error: attn-tile: 'attn.mha' has f8E4M3FN operands, a format target 'gfx942' lacks (it takes f8E4M3FNUZ; sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ, the CPU both)
// GFX942-FNUZ: error: attn-gpu-layout: 'func.func' has fp8 operands, which target 'gfx942' does not implement yet (f8E4M3FNUZ;
// SM90-FNUZ: error: attn-tile: 'attn.mha' has f8E4M3FNUZ operands, a format target 'sm_90a' lacks (it takes f8E4M3FN
func.func @fp8(%q: tensor<1x8x128x128xf8E4M3FN>, %k: tensor<1x2x128x128xf8E4M3FN>,
               %v: tensor<1x2x128x128xf8E4M3FN>, %qd: tensor<1x2xf32>, %kd: tensor<1x2xf32>,
               %vd: tensor<1x2xf32>) -> tensor<1x8x128x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<1x8x128x128xf8E4M3FN>, tensor<1x2x128x128xf8E4M3FN>, tensor<1x2x128x128xf8E4M3FN>,
         tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x8x128x128xbf16>
  return %o : tensor<1x8x128x128xbf16>
}
