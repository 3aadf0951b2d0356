// attn.mha_varlen: random sequence lengths that cover all tokens and include
// an empty sequence (attn-run's generator), causal with more queries than keys
// in some sequences, GQA, windows, alibi and the head-major lse.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// The kernel IR exactly as tiled for AMD (BLOCK_M 128, BLOCK_N 64/32), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// CHECK: @varlen_causal result 0 (out 61x8x64xf16): {{.*}} PASS
// CHECK: @varlen_causal result 1 (lse 8x61xf32): {{.*}} PASS
func.func @varlen_causal(%q: tensor<61x8x64xf16>, %k: tensor<47x2x64xf16>, %v: tensor<47x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>, tensor<5xi32>, tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>)
  return %o, %l : tensor<61x8x64xf16>, tensor<8x61xf32>
}

// CHECK: @varlen_window_alibi result 0 (out 40x4x128xbf16): {{.*}} PASS
// CHECK: @varlen_window_alibi result 1 (lse 4x40xf32): {{.*}} PASS
func.func @varlen_window_alibi(%q: tensor<40x4x128xbf16>, %k: tensor<53x1x128xbf16>, %v: tensor<53x1x128xbf16>, %cq: tensor<4xi32>, %ck: tensor<4xi32>, %s: tensor<4xf32>) -> (tensor<40x4x128xbf16>, tensor<4x40xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) {window_left = 5 : i64, window_right = 2 : i64} : (tensor<40x4x128xbf16>, tensor<53x1x128xbf16>, tensor<53x1x128xbf16>, tensor<4xi32>, tensor<4xi32>, tensor<4xf32>) -> (tensor<40x4x128xbf16>, tensor<4x40xf32>)
  return %o, %l : tensor<40x4x128xbf16>, tensor<4x40xf32>
}

// Dynamic token counts (from --dynamic-size) and softcap in f32.
// CHECK: @varlen_dynamic result 0 (out 37x2x32xf32): {{.*}} PASS
func.func @varlen_dynamic(%q: tensor<?x2x32xf32>, %k: tensor<?x2x32xf32>, %v: tensor<?x2x32xf32>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) -> tensor<?x2x32xf32> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {softcap = 5.0 : f32} : (tensor<?x2x32xf32>, tensor<?x2x32xf32>, tensor<?x2x32xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<?x2x32xf32>
  return %o : tensor<?x2x32xf32>
}

// One sequence of one token with one key.
// CHECK: @varlen_single result 0 (out 1x2x16xf16): {{.*}} PASS
func.func @varlen_single(%q: tensor<1x2x16xf16>, %k: tensor<1x2x16xf16>, %v: tensor<1x2x16xf16>, %cq: tensor<2xi32>, %ck: tensor<2xi32>) -> tensor<1x2x16xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<1x2x16xf16>, tensor<1x2x16xf16>, tensor<1x2x16xf16>, tensor<2xi32>, tensor<2xi32>) -> tensor<1x2x16xf16>
  return %o : tensor<1x2x16xf16>
}
// CHECK-NOT: FAIL
