// attn.mha_bwd with grouped heads: the dK/dV kernel loops over the query
// heads of each KV head's group (GQA 32/8, 28/4, MQA 8/1 and MHA), so dk and
// dv sum every head of the group without atomics. Checked against the exact
// gradient (see bwd-dtypes.mlir).
// RUN: attn-run %s --target=cpu | FileCheck %s
// The sm_90a tiling of the backward (config/sm_90a-MHA-BWD.json) on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// The AMD tilings (config/gfx942-MHA-BWD.json, gfx950-MHA-BWD.json):
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The reference lowering too (f32 accumulation, the softmax recomputed per row):
// RUN: attn-run %s --target=cpu --reference | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// Small tiles (5 keys per dK/dV program, 3 queries per tile): many masked,
// unmasked and skipped ranges on short sequences.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{block-m=5 block-n=3}' | FileCheck %s

// CHECK: seed=
// CHECK: @gqa_32_8_bf16_causal result 0 (dq 1x32x19x64xbf16): {{.*}} PASS
// CHECK: @gqa_32_8_bf16_causal result 1 (dk 1x8x23x64xbf16): {{.*}} PASS
// CHECK: @gqa_32_8_bf16_causal result 2 (dv 1x8x23x64xbf16): {{.*}} PASS
func.func @gqa_32_8_bf16_causal(%q: tensor<1x32x19x64xbf16>, %k: tensor<1x8x23x64xbf16>, %v: tensor<1x8x23x64xbf16>, %o: tensor<1x32x19x64xbf16>, %do: tensor<1x32x19x64xbf16>, %lse: tensor<1x32x19xf32>) -> (tensor<1x32x19x64xbf16>, tensor<1x8x23x64xbf16>, tensor<1x8x23x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x32x19x64xbf16>, tensor<1x8x23x64xbf16>, tensor<1x8x23x64xbf16>, tensor<1x32x19x64xbf16>, tensor<1x32x19x64xbf16>, tensor<1x32x19xf32>) -> (tensor<1x32x19x64xbf16>, tensor<1x8x23x64xbf16>, tensor<1x8x23x64xbf16>)
  return %dq, %dk, %dv : tensor<1x32x19x64xbf16>, tensor<1x8x23x64xbf16>, tensor<1x8x23x64xbf16>
}

// CHECK: @gqa_28_4_f16 result 0 (dq 1x28x17x32xf16): {{.*}} PASS
// CHECK: @gqa_28_4_f16 result 1 (dk 1x4x17x32xf16): {{.*}} PASS
// CHECK: @gqa_28_4_f16 result 2 (dv 1x4x17x32xf16): {{.*}} PASS
func.func @gqa_28_4_f16(%q: tensor<1x28x17x32xf16>, %k: tensor<1x4x17x32xf16>, %v: tensor<1x4x17x32xf16>, %o: tensor<1x28x17x32xf16>, %do: tensor<1x28x17x32xf16>, %lse: tensor<1x28x17xf32>) -> (tensor<1x28x17x32xf16>, tensor<1x4x17x32xf16>, tensor<1x4x17x32xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x28x17x32xf16>, tensor<1x4x17x32xf16>, tensor<1x4x17x32xf16>, tensor<1x28x17x32xf16>, tensor<1x28x17x32xf16>, tensor<1x28x17xf32>) -> (tensor<1x28x17x32xf16>, tensor<1x4x17x32xf16>, tensor<1x4x17x32xf16>)
  return %dq, %dk, %dv : tensor<1x28x17x32xf16>, tensor<1x4x17x32xf16>, tensor<1x4x17x32xf16>
}

// CHECK: @mqa_8_1_f32_causal result 0 (dq 2x8x30x32xf32): {{.*}} PASS
// CHECK: @mqa_8_1_f32_causal result 1 (dk 2x1x41x32xf32): {{.*}} PASS
// CHECK: @mqa_8_1_f32_causal result 2 (dv 2x1x41x32xf32): {{.*}} PASS
func.func @mqa_8_1_f32_causal(%q: tensor<2x8x30x32xf32>, %k: tensor<2x1x41x32xf32>, %v: tensor<2x1x41x32xf32>, %o: tensor<2x8x30x32xf32>, %do: tensor<2x8x30x32xf32>, %lse: tensor<2x8x30xf32>) -> (tensor<2x8x30x32xf32>, tensor<2x1x41x32xf32>, tensor<2x1x41x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<2x8x30x32xf32>, tensor<2x1x41x32xf32>, tensor<2x1x41x32xf32>, tensor<2x8x30x32xf32>, tensor<2x8x30x32xf32>, tensor<2x8x30xf32>) -> (tensor<2x8x30x32xf32>, tensor<2x1x41x32xf32>, tensor<2x1x41x32xf32>)
  return %dq, %dk, %dv : tensor<2x8x30x32xf32>, tensor<2x1x41x32xf32>, tensor<2x1x41x32xf32>
}

// CHECK: @mha_4_4_f32 result 0 (dq 1x4x21x64xf32): {{.*}} PASS
// CHECK: @mha_4_4_f32 result 1 (dk 1x4x26x64xf32): {{.*}} PASS
// CHECK: @mha_4_4_f32 result 2 (dv 1x4x26x64xf32): {{.*}} PASS
func.func @mha_4_4_f32(%q: tensor<1x4x21x64xf32>, %k: tensor<1x4x26x64xf32>, %v: tensor<1x4x26x64xf32>, %o: tensor<1x4x21x64xf32>, %do: tensor<1x4x21x64xf32>, %lse: tensor<1x4x21xf32>) -> (tensor<1x4x21x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x26x64xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x4x21x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x21x64xf32>, tensor<1x4x21x64xf32>, tensor<1x4x21xf32>) -> (tensor<1x4x21x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x26x64xf32>)
  return %dq, %dk, %dv : tensor<1x4x21x64xf32>, tensor<1x4x26x64xf32>, tensor<1x4x26x64xf32>
}
