// attn-tile on the backward ops and on dropout (docs/backward.md): every target
// tiles both, the GPUs' backward ops from <target>-MHA-BWD.json. On sm_90a a
// forward with dropout_p > 0 takes one warpgroup of 64 rows and tiles of 32 keys
// (16 past D = 128), whatever its table entry says, as the Philox words of each
// element of S would otherwise spill (ptxas); options still override it.
// attn-lower-reference refuses dropout, located (forward and backward).
// RUN: attn-opt %s --split-input-file --attn-tile 2>&1 | FileCheck %s --check-prefix=HOST
// RUN: attn-opt %s --split-input-file --attn-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --split-input-file --attn-tile="target=sm_90a block-n=64" | FileCheck %s --check-prefix=OPT
// RUN: attn-opt %s --split-input-file --attn-tile=target=gfx942 | FileCheck %s --check-prefix=GFX942
// RUN: attn-opt %s --split-input-file --attn-tile=target=gfx950 | FileCheck %s --check-prefix=GFX950
// RUN: not attn-opt %s --split-input-file --attn-lower-reference 2>&1 >/dev/null | FileCheck %s --check-prefix=REF

// HOST-NOT: error
// SM90: attn.mha {{.*}}attn.tile = {block_m = 64 : i64, block_n = 32 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "sm_90a-MHA-DEFAULT.json:{{[0-9]+}}", target = "sm_90a"}
// OPT: attn.mha {{.*}}attn.tile = {block_m = 64 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "sm_90a-MHA-DEFAULT.json:{{[0-9]+}} + options", target = "sm_90a"}
// GFX942: attn.mha {{.*}}attn.tile = {{.*}}source = "gfx942-MHA-DEFAULT.json:{{[0-9]+}}", target = "gfx942"}
// GFX950: attn.mha {{.*}}attn.tile = {{.*}}source = "gfx950-MHA-DEFAULT.json:{{[0-9]+}}", target = "gfx950"}
// REF: bwd-dropout.mlir:[[@LINE+2]]:8: error: attn-lower-reference: 'attn.mha' has dropout_p > 0, which it does not implement
func.func @dropout(%q: tensor<1x4x8x128xf16>) -> tensor<1x4x8x128xf16> {
  %o = attn.mha %q, %q, %q {causal, dropout_p = 0.1 : f32} : (tensor<1x4x8x128xf16>, tensor<1x4x8x128xf16>, tensor<1x4x8x128xf16>) -> tensor<1x4x8x128xf16>
  return %o : tensor<1x4x8x128xf16>
}

// -----

// SM90: attn.mha {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64, {{.*}}num_warps = 4 : i64, {{.*}}target = "sm_90a"}
// REF: bwd-dropout.mlir:[[@LINE+2]]:8: error: attn-lower-reference: 'attn.mha' has dropout_p > 0
func.func @dropout_d256(%q: tensor<1x4x8x256xbf16>) -> tensor<1x4x8x256xbf16> {
  %o = attn.mha %q, %q, %q {dropout_p = 0.5 : f32} : (tensor<1x4x8x256xbf16>, tensor<1x4x8x256xbf16>, tensor<1x4x8x256xbf16>) -> tensor<1x4x8x256xbf16>
  return %o : tensor<1x4x8x256xbf16>
}

// -----

// Without dropout the same op keeps its table entry (two warpgroups of 128 rows at D = 128).
// SM90: attn.mha {{.*}}attn.tile = {block_m = 128 : i64, {{.*}}num_warps = 8 : i64, {{.*}}target = "sm_90a"}
func.func @no_dropout(%q: tensor<1x4x8x128xf16>) -> tensor<1x4x8x128xf16> {
  %o = attn.mha %q, %q, %q {causal} : (tensor<1x4x8x128xf16>, tensor<1x4x8x128xf16>, tensor<1x4x8x128xf16>) -> tensor<1x4x8x128xf16>
  return %o : tensor<1x4x8x128xf16>
}

// -----

// SM90: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = {{[0-9]+}} : i64, {{.*}}source = "sm_90a-MHA-BWD.json:{{[0-9]+}}", target = "sm_90a"}
// GFX942: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "gfx942-MHA-BWD.json:{{[0-9]+}}", target = "gfx942"}
// GFX950: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 32 : i64, {{.*}}num_warps = 4 : i64, {{.*}}source = "gfx950-MHA-BWD.json:{{[0-9]+}}", target = "gfx950"}
// REF: bwd-dropout.mlir:[[@LINE+3]]:19: error: attn-lower-reference: 'attn.mha_bwd' has dropout_p > 0
// REF-NOT: error
func.func @bwd(%q: tensor<1x4x8x64xf16>, %lse: tensor<1x4x8xf32>) -> tensor<1x4x8x64xf16> {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %lse {dropout_p = 0.2 : f32, seed = 9 : i64} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8xf32>) -> (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>)
  return %dq : tensor<1x4x8x64xf16>
}
