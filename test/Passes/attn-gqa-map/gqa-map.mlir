// RUN: attn-opt %s --attn-gqa-map --split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-gqa-map --split-input-file | FileCheck %s

// GQA 32/8: query head h reads KV head h floordiv 4.
// CHECK-DAG: #[[GQA:.*]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func.func @gqa
// CHECK: attn.mha {{.*}}attn.kv_head_map = #[[GQA]]
func.func @gqa(%q: tensor<2x32x?x128xbf16>, %k: tensor<2x8x?x128xbf16>, %v: tensor<2x8x?x128xbf16>) -> tensor<2x32x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<2x32x?x128xbf16>, tensor<2x8x?x128xbf16>, tensor<2x8x?x128xbf16>) -> tensor<2x32x?x128xbf16>
  return %o : tensor<2x32x?x128xbf16>
}

// -----

// MHA: the identity; MQA: every head reads KV head 0; varlen alike.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ZERO:.*]] = affine_map<(d0) -> (0)>
// CHECK-DAG: #[[G7:.*]] = affine_map<(d0) -> (d0 floordiv 7)>
// CHECK-LABEL: func.func @kinds
// CHECK: attn.mha {{.*}}attn.kv_head_map = #[[ID]]
// CHECK: attn.mha {{.*}}attn.kv_head_map = #[[ZERO]]
// CHECK: attn.mha_varlen {{.*}}attn.kv_head_map = #[[G7]]
func.func @kinds(%q: tensor<1x4x8x64xf16>, %k: tensor<1x4x8x64xf16>, %k1: tensor<1x1x8x64xf16>,
                 %vq: tensor<9x28x64xf16>, %vk: tensor<9x4x64xf16>, %c: tensor<2xi32>)
    -> (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<9x28x64xf16>) {
  %a = attn.mha %q, %k, %k : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  %b = attn.mha %q, %k1, %k1 : (tensor<1x4x8x64xf16>, tensor<1x1x8x64xf16>, tensor<1x1x8x64xf16>) -> tensor<1x4x8x64xf16>
  %c2 = attn.mha_varlen %vq, %vk, %vk, %c, %c : (tensor<9x28x64xf16>, tensor<9x4x64xf16>, tensor<9x4x64xf16>, tensor<2xi32>, tensor<2xi32>) -> tensor<9x28x64xf16>
  return %a, %b, %c2 : tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<9x28x64xf16>
}

