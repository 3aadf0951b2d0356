// Windows (including ones that mask whole rows), softcap, alibi, explicit
// scale, lse, Sk = 1 and Sk = 0.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// The kernel IR exactly as tiled for AMD (BLOCK_M 128, BLOCK_N 64/32), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// CHECK: @sliding_window result 0 (out 1x2x45x32xbf16): {{.*}} PASS
func.func @sliding_window(%q: tensor<1x2x45x32xbf16>, %k: tensor<1x2x45x32xbf16>, %v: tensor<1x2x45x32xbf16>) -> tensor<1x2x45x32xbf16> {
  %o = attn.mha %q, %k, %v {causal, window_left = 7 : i64} : (tensor<1x2x45x32xbf16>, tensor<1x2x45x32xbf16>, tensor<1x2x45x32xbf16>) -> tensor<1x2x45x32xbf16>
  return %o : tensor<1x2x45x32xbf16>
}

// CHECK: @softcap result 0 (out 1x4x21x64xf32): {{.*}} PASS
// CHECK: @softcap result 1 (lse 1x4x21xf32): {{.*}} PASS
func.func @softcap(%q: tensor<1x4x21x64xf32>, %k: tensor<1x4x26x64xf32>, %v: tensor<1x4x26x64xf32>) -> (tensor<1x4x21x64xf32>, tensor<1x4x21xf32>) {
  %o, %l = attn.mha %q, %k, %v {softcap = 2.5 : f32, scale = 1.0 : f32} : (tensor<1x4x21x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x26x64xf32>) -> (tensor<1x4x21x64xf32>, tensor<1x4x21xf32>)
  return %o, %l : tensor<1x4x21x64xf32>, tensor<1x4x21xf32>
}

// CHECK: @alibi result 0 (out 1x8x19x64xf16): {{.*}} PASS
// CHECK: @alibi result 1 (lse 1x8x19xf32): {{.*}} PASS
func.func @alibi(%q: tensor<1x8x19x64xf16>, %k: tensor<1x2x31x64xf16>, %v: tensor<1x2x31x64xf16>, %s: tensor<8xf32>) -> (tensor<1x8x19x64xf16>, tensor<1x8x19xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {causal} : (tensor<1x8x19x64xf16>, tensor<1x2x31x64xf16>, tensor<1x2x31x64xf16>, tensor<8xf32>) -> (tensor<1x8x19x64xf16>, tensor<1x8x19xf32>)
  return %o, %l : tensor<1x8x19x64xf16>, tensor<1x8x19xf32>
}

// A single key: the output is v itself.
// CHECK: @one_key result 0 (out 2x4x9x64xbf16): {{.*}} PASS
func.func @one_key(%q: tensor<2x4x9x64xbf16>, %k: tensor<2x4x1x64xbf16>, %v: tensor<2x4x1x64xbf16>) -> tensor<2x4x9x64xbf16> {
  %o = attn.mha %q, %k, %v {window_right = 0 : i64} : (tensor<2x4x9x64xbf16>, tensor<2x4x1x64xbf16>, tensor<2x4x1x64xbf16>) -> tensor<2x4x9x64xbf16>
  return %o : tensor<2x4x9x64xbf16>
}

// Sq = 1 (decode-like) with causal.
// CHECK: @one_query result 0 (out 3x4x1x128xf16): {{.*}} PASS
func.func @one_query(%q: tensor<3x4x1x128xf16>, %k: tensor<3x4x50x128xf16>, %v: tensor<3x4x50x128xf16>) -> tensor<3x4x1x128xf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<3x4x1x128xf16>, tensor<3x4x50x128xf16>, tensor<3x4x50x128xf16>) -> tensor<3x4x1x128xf16>
  return %o : tensor<3x4x1x128xf16>
}

// Sk = 0: every row is empty.
// CHECK: @no_keys result 0 (out 1x2x5x16xf32): {{.*}} PASS
// CHECK: @no_keys result 1 (lse 1x2x5xf32): {{.*}} PASS
func.func @no_keys(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x0x16xf32>, %v: tensor<1x2x0x16xf32>) -> (tensor<1x2x5x16xf32>, tensor<1x2x5xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<1x2x5x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>) -> (tensor<1x2x5x16xf32>, tensor<1x2x5xf32>)
  return %o, %l : tensor<1x2x5x16xf32>, tensor<1x2x5xf32>
}
// CHECK-NOT: FAIL
