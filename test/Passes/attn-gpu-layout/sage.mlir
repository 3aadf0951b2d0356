// SAGE kernels (i8 q and k, fp8 v; docs/fp8.md "SAGE") have no GPU lowering
// yet: each GPU target refuses them with a located error naming the target
// (never a crash), after attn-tile checked that the chip has v's fp8 format
// (sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ). The CPU runs them:
// test/Execution/sage.mlir.
// RUN: not attn-opt %s --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=GFX950
// RUN: not attn-opt %s --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | not attn-opt --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942-FNUZ
// RUN: not attn-opt %s --attn-to-nvvm --split-input-file 2>&1 | FileCheck %s --check-prefix=VARLEN

// SM90: sage.mlir:[[@LINE+5]]:8: error: attn-gpu-layout: 'func.func' is a SAGE kernel (i8 q and k, fp8 v), which target 'sm_90a' does not implement yet (SAGE runs on the CPU: attn-to-cpu; docs/fp8.md)
// GFX950: sage.mlir:[[@LINE+4]]:8: error: attn-gpu-layout: 'func.func' is a SAGE kernel (i8 q and k, fp8 v), which target 'gfx950' does not implement yet
// GFX942: sage.mlir:[[@LINE+3]]:8: error: attn-tile: 'attn.mha' has f8E4M3FN operands, a format target 'gfx942' lacks (it takes f8E4M3FNUZ
// GFX942-FNUZ: error: attn-gpu-layout: 'func.func' is a SAGE kernel (i8 q and k, fp8 v), which target 'gfx942' does not implement yet
func.func @sage(%q: tensor<1x8x128x128xi8>, %k: tensor<1x2x128x128xi8>, %v: tensor<1x2x128x128xf8E4M3FN>, %qd: tensor<1x8x2xf32>, %kd: tensor<1x2x2xf32>, %vd: tensor<1x2x128xf32>, %km: tensor<1x2x128xf32>) -> tensor<1x8x128x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 64 : i64, k_scale_block = 64 : i64}
      : (tensor<1x8x128x128xi8>, tensor<1x2x128x128xi8>, tensor<1x2x128x128xf8E4M3FN>, tensor<1x8x2xf32>, tensor<1x2x2xf32>, tensor<1x2x128xf32>, tensor<1x2x128xf32>) -> tensor<1x8x128x128xbf16>
  return %o : tensor<1x8x128x128xbf16>
}

// -----

// VARLEN: sage.mlir:[[@LINE+2]]:8: error: attn-gpu-layout: 'func.func' is a SAGE kernel (i8 q and k, fp8 v), which target 'sm_90a' does not implement yet
func.func @sage_varlen(%q: tensor<?x4x64xi8>, %k: tensor<?x2x64xi8>, %v: tensor<?x2x64xf8E4M3FN>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %qd: tensor<2x4x?xf32>, %kd: tensor<2x2x?xf32>, %vd: tensor<2x2x64xf32>) -> tensor<?x4x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) {q_scale_block = 128 : i64, k_scale_block = 64 : i64}
      : (tensor<?x4x64xi8>, tensor<?x2x64xi8>, tensor<?x2x64xf8E4M3FN>, tensor<3xi32>, tensor<3xi32>, tensor<2x4x?xf32>, tensor<2x2x?xf32>, tensor<2x2x64xf32>) -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}
