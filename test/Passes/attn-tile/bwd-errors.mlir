// attn-tile refuses, located, what the GPU lowerings do not implement yet:
// dropout_p > 0 on every GPU target; the CPU takes it. The backward ops are
// tiled for every target, the GPUs from <target>-MHA-BWD.json (the whole
// attn-to-nvvm and attn-to-rocdl pipelines lower them). attn-lower-reference
// refuses dropout (it lowers the backward ops), and every GPU pipeline stops
// at the op.
// RUN: attn-opt %s --split-input-file --attn-tile 2>&1 | FileCheck %s --check-prefix=HOST
// RUN: not attn-opt %s --split-input-file --attn-tile=target=sm_90a 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx942 2>&1 | FileCheck %s --check-prefix=GFX
// RUN: not attn-opt %s --split-input-file --attn-lower-reference 2>&1 | FileCheck %s --check-prefix=REF
// RUN: not attn-opt %s --split-input-file --attn-tile=target=sm_90a 2>/dev/null | FileCheck %s --check-prefix=TILE
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx942 2>/dev/null | FileCheck %s --check-prefix=TILE942
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx950 2>/dev/null | FileCheck %s --check-prefix=TILE950
// RUN: not attn-opt %s --split-input-file --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --split-input-file --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=GFX

// HOST-NOT: error
// SM90: bwd-errors.mlir:[[@LINE+4]]:8: error: attn-tile: 'attn.mha' has dropout_p > 0, which target 'sm_90a' does not implement yet (dropout runs on the CPU: attn-to-cpu)
// GFX: bwd-errors.mlir:[[@LINE+3]]:8: error: attn-tile: 'attn.mha' has dropout_p > 0, which target 'gfx{{942|950}}' does not implement yet (dropout runs on the CPU: attn-to-cpu)
// REF: bwd-errors.mlir:[[@LINE+2]]:8: error: attn-lower-reference: 'attn.mha' has dropout_p > 0, which it does not implement
func.func @dropout(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  %o = attn.mha %q, %q, %q {dropout_p = 0.1 : f32} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}

// -----

// HOST-NOT: error
// SM90-NOT: error
// GFX-NOT: error
// REF-NOT: error
// TILE: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = {{[0-9]+}} : i64, {{.*}}source = "sm_90a-MHA-BWD.json:{{[0-9]+}}", target = "sm_90a"}
// TILE942: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "gfx942-MHA-BWD.json:{{[0-9]+}}", target = "gfx942"}
// TILE950: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 32 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "gfx950-MHA-BWD.json:{{[0-9]+}}", target = "gfx950"}
func.func @bwd(%q: tensor<1x4x8x64xf16>, %lse: tensor<1x4x8xf32>) -> tensor<1x4x8x64xf16> {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %lse : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8xf32>) -> (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>)
  return %dq : tensor<1x4x8x64xf16>
}
