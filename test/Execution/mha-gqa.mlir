// GQA 32/8 and 28/4, MQA, with causal Sq != Sk (bottom-right aligned) and lse.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// The kernel IR exactly as tiled for AMD (BLOCK_M 128, BLOCK_N 64/32), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// CHECK: @gqa_32_8 result 0 (out 1x32x23x64xbf16): {{.*}} PASS
// CHECK: @gqa_32_8 result 1 (lse 1x32x23xf32): {{.*}} PASS
func.func @gqa_32_8(%q: tensor<1x32x23x64xbf16>, %k: tensor<1x8x37x64xbf16>, %v: tensor<1x8x37x64xbf16>) -> (tensor<1x32x23x64xbf16>, tensor<1x32x23xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<1x32x23x64xbf16>, tensor<1x8x37x64xbf16>, tensor<1x8x37x64xbf16>) -> (tensor<1x32x23x64xbf16>, tensor<1x32x23xf32>)
  return %o, %l : tensor<1x32x23x64xbf16>, tensor<1x32x23xf32>
}

// Sq > Sk with causal: the first Sq - Sk rows see no key (0, lse -inf).
// CHECK: @gqa_28_4 result 0 (out 2x28x19x128xf16): {{.*}} PASS
// CHECK: @gqa_28_4 result 1 (lse 2x28x19xf32): {{.*}} PASS
func.func @gqa_28_4(%q: tensor<2x28x19x128xf16>, %k: tensor<2x4x11x128xf16>, %v: tensor<2x4x11x128xf16>) -> (tensor<2x28x19x128xf16>, tensor<2x28x19xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x28x19x128xf16>, tensor<2x4x11x128xf16>, tensor<2x4x11x128xf16>) -> (tensor<2x28x19x128xf16>, tensor<2x28x19xf32>)
  return %o, %l : tensor<2x28x19x128xf16>, tensor<2x28x19xf32>
}

// CHECK: @mqa result 0 (out 2x8x17x64xf32): {{.*}} PASS
// CHECK: @mqa result 1 (lse 2x8x17xf32): {{.*}} PASS
func.func @mqa(%q: tensor<2x8x17x64xf32>, %k: tensor<2x1x29x64xf32>, %v: tensor<2x1x29x64xf32>) -> (tensor<2x8x17x64xf32>, tensor<2x8x17xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x8x17x64xf32>, tensor<2x1x29x64xf32>, tensor<2x1x29x64xf32>) -> (tensor<2x8x17x64xf32>, tensor<2x8x17xf32>)
  return %o, %l : tensor<2x8x17x64xf32>, tensor<2x8x17xf32>
}
// CHECK-NOT: FAIL
