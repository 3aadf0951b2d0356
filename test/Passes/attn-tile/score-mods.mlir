// attn-tile's config key score_mods (config/README.md): the sm_90a backward table gives
// D = 128 32-query tiles (block_n 32) to ops without score modifiers, causal or not,
// MHA or GQA, not varlen; a softcap, ALiBi slopes, a window bound or dropout keep the
// 16-query tiles (with 32, ptxas spilled 8-144 bytes: docs/backward.md). D = 64 is not
// affected.
// RUN: attn-opt %s --split-input-file --attn-tile=target=sm_90a | FileCheck %s

// CHECK-LABEL: func.func @plain
// CHECK: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 32 : i64, {{.*}}source = "sm_90a-MHA-BWD.json:{{[0-9]+}}"
func.func @plain(%q: tensor<1x8x64x128xbf16>, %k: tensor<1x2x64x128xbf16>, %l: tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %k, %q, %q, %l {causal} : (tensor<1x8x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>)
  return %dq, %dk, %dv : tensor<1x8x64x128xbf16>, tensor<1x2x64x128xbf16>, tensor<1x2x64x128xbf16>
}

// -----

// CHECK-LABEL: func.func @softcap
// CHECK: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64,
func.func @softcap(%q: tensor<1x8x64x128xbf16>, %l: tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l {softcap = 30.0 : f32} : (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>)
  return %dq, %dk, %dv : tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>
}

// -----

// CHECK-LABEL: func.func @alibi
// CHECK: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64,
func.func @alibi(%q: tensor<1x8x64x128xbf16>, %l: tensor<1x8x64xf32>, %s: tensor<8xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l alibi(%s) {causal} : (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64xf32>, tensor<8xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>)
  return %dq, %dk, %dv : tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>
}

// -----

// CHECK-LABEL: func.func @window
// CHECK: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64,
func.func @window(%q: tensor<1x8x64x128xbf16>, %l: tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l {window_left = 100 : i64, window_right = 0 : i64} : (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64xf32>) -> (tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>)
  return %dq, %dk, %dv : tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>, tensor<1x8x64x128xbf16>
}

// -----

// CHECK-LABEL: func.func @varlen
// CHECK: attn.mha_varlen_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64,
func.func @varlen(%q: tensor<?x4x128xbf16>, %l: tensor<4x?xf32>, %c: tensor<3xi32>) -> (tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %q, %q, %q, %q, %l, %c, %c {causal} : (tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<4x?xf32>, tensor<3xi32>, tensor<3xi32>) -> (tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>)
  return %dq, %dk, %dv : tensor<?x4x128xbf16>, tensor<?x4x128xbf16>, tensor<?x4x128xbf16>
}

// -----

// CHECK-LABEL: func.func @d64
// CHECK: attn.mha_bwd {{.*}}attn.tile = {block_m = 64 : i64, block_n = 16 : i64,
func.func @d64(%q: tensor<1x8x64x64xbf16>, %l: tensor<1x8x64xf32>) -> (tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l : (tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64xf32>) -> (tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>)
  return %dq, %dk, %dv : tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>, tensor<1x8x64x64xbf16>
}
