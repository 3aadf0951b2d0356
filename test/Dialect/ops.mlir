// Round trip of attn.mha, attn.mha_varlen and attn.paged_attention in the
// custom assembly form: every combination of the five attributes, alibi
// operand, lse result, dynamic batch/sequence dims, f16/bf16/f32, MHA/GQA/MQA
// head counts.
// The custom form printed directly, re-parsed, and printed via the generic
// form must all give the same custom form.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// All 32 subsets of {scale, causal, window_left, window_right, softcap},
// written in declaration order; printed sorted by name.
// CHECK-LABEL: func.func @mha_attr_combinations
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {softcap = 3.000000e+01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, softcap = 3.000000e+01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
// CHECK-NEXT: return
func.func @mha_attr_combinations(%q: tensor<2x8x64x32xf16>, %k: tensor<2x2x64x32xf16>, %v: tensor<2x2x64x32xf16>) {
  %o0 = attn.mha %q, %k, %v : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o1 = attn.mha %q, %k, %v {scale = 0.125 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o2 = attn.mha %q, %k, %v {causal} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o3 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o4 = attn.mha %q, %k, %v {window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o5 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o6 = attn.mha %q, %k, %v {causal, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o7 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_left = 16 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o8 = attn.mha %q, %k, %v {window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o9 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o10 = attn.mha %q, %k, %v {causal, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o11 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o12 = attn.mha %q, %k, %v {window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o13 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o14 = attn.mha %q, %k, %v {causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o15 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o16 = attn.mha %q, %k, %v {softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o17 = attn.mha %q, %k, %v {scale = 0.125 : f32, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o18 = attn.mha %q, %k, %v {causal, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o19 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o20 = attn.mha %q, %k, %v {window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o21 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o22 = attn.mha %q, %k, %v {causal, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o23 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o24 = attn.mha %q, %k, %v {window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o25 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o26 = attn.mha %q, %k, %v {causal, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o27 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o28 = attn.mha %q, %k, %v {window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o29 = attn.mha %q, %k, %v {scale = 0.125 : f32, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o30 = attn.mha %q, %k, %v {causal, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  %o31 = attn.mha %q, %k, %v {scale = 0.125 : f32, causal, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x64x32xf16>, tensor<2x2x64x32xf16>, tensor<2x2x64x32xf16>) -> tensor<2x8x64x32xf16>
  return
}

// CHECK-LABEL: func.func @varlen_attr_combinations
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {softcap = 3.000000e+01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, softcap = 3.000000e+01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
// CHECK-NEXT: return
func.func @varlen_attr_combinations(%q: tensor<40x8x32xbf16>, %k: tensor<56x2x32xbf16>, %v: tensor<56x2x32xbf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  %o0 = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o1 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o2 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o3 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o4 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o5 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o6 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o7 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_left = 16 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o8 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o9 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o10 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o11 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o12 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o13 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o14 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o15 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_left = 16 : i64, window_right = 0 : i64} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o16 = attn.mha_varlen %q, %k, %v, %cq, %ck {softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o17 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o18 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o19 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o20 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o21 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o22 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o23 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_left = 16 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o24 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o25 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o26 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o27 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o28 = attn.mha_varlen %q, %k, %v, %cq, %ck {window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o29 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o30 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  %o31 = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0.125 : f32, causal, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<40x8x32xbf16>, tensor<56x2x32xbf16>, tensor<56x2x32xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xbf16>
  return
}

// Attribute values at their edges: zero windows, huge windows, tiny and
// negative scale, attributes in a non-canonical order.
// CHECK-LABEL: func.func @mha_attr_values
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {window_left = 0 : i64, window_right = 0 : i64} :
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, window_left = 9223372036854775807 : i64} :
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = 1.000000e-30 : f32, softcap = 1.000000e-03 : f32} :
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {scale = -2.500000e-01 : f32} :
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 {causal, scale = 1.000000e+00 : f32, softcap = 5.000000e+01 : f32, window_left = 4 : i64, window_right = 2 : i64} :
func.func @mha_attr_values(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>) {
  %0 = attn.mha %q, %k, %v {window_left = 0 : i64, window_right = 0 : i64} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  %1 = attn.mha %q, %k, %v {causal, window_left = 9223372036854775807 : i64} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  %2 = attn.mha %q, %k, %v {scale = 1.0e-30 : f32, softcap = 0.001 : f32} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  %3 = attn.mha %q, %k, %v {scale = -0.25 : f32} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  %4 = attn.mha %q, %k, %v {window_right = 2, softcap = 50.0 : f32, window_left = 4, causal, scale = 1.0 : f32} : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return
}

// Optional alibi operand and lse result, alone and together.
// CHECK-LABEL: func.func @mha_alibi_lse
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x32x64xbf16>, %[[K:.*]]: tensor<2x8x48x64xbf16>, %[[V:.*]]: tensor<2x8x48x64xbf16>, %[[S:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[O0:.*]] = attn.mha %[[Q]], %[[K]], %[[V]] alibi(%[[S]]) : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>, tensor<8xf32>) -> tensor<2x8x32x64xbf16>
// CHECK-NEXT: %[[O1:.*]], %[[L1:.*]] = attn.mha %[[Q]], %[[K]], %[[V]] {causal} : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>) -> (tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>)
// CHECK-NEXT: %[[O2:.*]], %[[L2:.*]] = attn.mha %[[Q]], %[[K]], %[[V]] alibi(%[[S]]) {causal, softcap = 2.000000e+01 : f32} : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>, tensor<8xf32>) -> (tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>)
// CHECK-NEXT: return %[[O0]], %[[O1]], %[[L1]], %[[O2]], %[[L2]] :
func.func @mha_alibi_lse(%q: tensor<2x8x32x64xbf16>, %k: tensor<2x8x48x64xbf16>, %v: tensor<2x8x48x64xbf16>, %s: tensor<8xf32>)
    -> (tensor<2x8x32x64xbf16>, tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>, tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>) {
  %o0 = attn.mha %q, %k, %v alibi(%s) : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>, tensor<8xf32>) -> tensor<2x8x32x64xbf16>
  %o1, %l1 = attn.mha %q, %k, %v {causal} : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>) -> (tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>)
  %o2, %l2 = attn.mha %q, %k, %v alibi(%s) {causal, softcap = 20.0 : f32} : (tensor<2x8x32x64xbf16>, tensor<2x8x48x64xbf16>, tensor<2x8x48x64xbf16>, tensor<8xf32>) -> (tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>)
  return %o0, %o1, %l1, %o2, %l2 : tensor<2x8x32x64xbf16>, tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>, tensor<2x8x32x64xbf16>, tensor<2x8x32xf32>
}

// Dynamic batch and sequence lengths (q, k, v, out, lse and alibi).
// CHECK-LABEL: func.func @mha_dynamic
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 alibi(%arg3) {causal, window_left = 128 : i64} : (tensor<?x16x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?xf32>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
// CHECK-NEXT: attn.mha %arg0, %arg4, %arg4 : (tensor<?x16x?x128xf16>, tensor<3x4x7x128xf16>, tensor<3x4x7x128xf16>) -> tensor<?x16x?x128xf16>
func.func @mha_dynamic(%q: tensor<?x16x?x128xf16>, %k: tensor<?x4x?x128xf16>, %v: tensor<?x4x?x128xf16>, %s: tensor<?xf32>, %kv: tensor<3x4x7x128xf16>)
    -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>, tensor<?x16x?x128xf16>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {causal, window_left = 128 : i64} : (tensor<?x16x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?x4x?x128xf16>, tensor<?xf32>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  %o2 = attn.mha %q, %kv, %kv : (tensor<?x16x?x128xf16>, tensor<3x4x7x128xf16>, tensor<3x4x7x128xf16>) -> tensor<?x16x?x128xf16>
  return %o, %l, %o2 : tensor<?x16x?x128xf16>, tensor<?x16x?xf32>, tensor<?x16x?x128xf16>
}

// Element types f16, bf16, f32; MHA (Hq = Hkv), GQA (Hq = 4 Hkv), MQA
// (Hkv = 1); Dv != D; Sq != Sk; a single query and a single key.
// CHECK-LABEL: func.func @mha_types_and_heads
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 : (tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>) -> tensor<1x8x16x64xf16>
// CHECK-NEXT: attn.mha %arg3, %arg4, %arg5 {causal} : (tensor<2x32x1x128xbf16>, tensor<2x8x100x128xbf16>, tensor<2x8x100x96xbf16>) -> tensor<2x32x1x96xbf16>
// CHECK-NEXT: attn.mha %arg6, %arg7, %arg8 : (tensor<3x12x20x16xf32>, tensor<3x1x1x16xf32>, tensor<3x1x1x256xf32>) -> (tensor<3x12x20x256xf32>, tensor<3x12x20xf32>)
func.func @mha_types_and_heads(%q0: tensor<1x8x16x64xf16>, %k0: tensor<1x8x16x64xf16>, %v0: tensor<1x8x16x64xf16>,
                               %q1: tensor<2x32x1x128xbf16>, %k1: tensor<2x8x100x128xbf16>, %v1: tensor<2x8x100x96xbf16>,
                               %q2: tensor<3x12x20x16xf32>, %k2: tensor<3x1x1x16xf32>, %v2: tensor<3x1x1x256xf32>) {
  %0 = attn.mha %q0, %k0, %v0 : (tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>) -> tensor<1x8x16x64xf16>
  %1 = attn.mha %q1, %k1, %v1 {causal} : (tensor<2x32x1x128xbf16>, tensor<2x8x100x128xbf16>, tensor<2x8x100x96xbf16>) -> tensor<2x32x1x96xbf16>
  %2:2 = attn.mha %q2, %k2, %v2 : (tensor<3x12x20x16xf32>, tensor<3x1x1x16xf32>, tensor<3x1x1x256xf32>) -> (tensor<3x12x20x256xf32>, tensor<3x12x20xf32>)
  return
}

// attn.mha_varlen: alibi, lse, dynamic token counts and batch, dtypes, heads.
// CHECK-LABEL: func.func @varlen_forms
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 alibi(%arg5) : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> tensor<?x8x64xf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal, window_left = 32 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x8x64xf16>, tensor<8x?xf32>)
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 alibi(%arg5) {scale = 5.000000e-01 : f32, softcap = 1.000000e+01 : f32, window_right = 3 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> (tensor<?x8x64xf16>, tensor<8x?xf32>)
// CHECK-NEXT: attn.mha_varlen %arg6, %arg7, %arg8, %arg9, %arg9 {causal} : (tensor<100x4x32xf32>, tensor<70x1x32xf32>, tensor<70x1x48xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<100x4x48xf32>, tensor<4x100xf32>)
// CHECK-NEXT: attn.mha_varlen %arg10, %arg10, %arg10, %arg11, %arg11 : (tensor<9x6x16xbf16>, tensor<9x6x16xbf16>, tensor<9x6x16xbf16>, tensor<1xi32>, tensor<1xi32>) -> tensor<9x6x16xbf16>
func.func @varlen_forms(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x64xf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<8xf32>,
                        %q1: tensor<100x4x32xf32>, %k1: tensor<70x1x32xf32>, %v1: tensor<70x1x48xf32>, %c1: tensor<5xi32>,
                        %x: tensor<9x6x16xbf16>, %c0: tensor<1xi32>) {
  %0 = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> tensor<?x8x64xf16>
  %1:2 = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_left = 32 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x8x64xf16>, tensor<8x?xf32>)
  %2:2 = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) {scale = 0.5 : f32, softcap = 10.0 : f32, window_right = 3 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> (tensor<?x8x64xf16>, tensor<8x?xf32>)
  %3:2 = attn.mha_varlen %q1, %k1, %v1, %c1, %c1 {causal} : (tensor<100x4x32xf32>, tensor<70x1x32xf32>, tensor<70x1x48xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<100x4x48xf32>, tensor<4x100xf32>)
  %4 = attn.mha_varlen %x, %x, %x, %c0, %c0 : (tensor<9x6x16xbf16>, tensor<9x6x16xbf16>, tensor<9x6x16xbf16>, tensor<1xi32>, tensor<1xi32>) -> tensor<9x6x16xbf16>
  return
}

// attn.paged_attention: decode and prefill shapes, alibi, lse, every
// attribute, dynamic Tq/NB/B/MaxBlocks, f16/bf16/f32, MHA/GQA/MQA, Dv != D,
// block sizes 1 and 544, and the discardable attn.paged_mode hint.
// CHECK-LABEL: func.func @paged_forms
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 {causal} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x32x128xbf16>
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 alibi(%arg6) : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>, tensor<32xf32>) -> tensor<4x32x128xbf16>
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 {causal, scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x32x128xbf16>, tensor<32x4xf32>)
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 alibi(%arg6) {attn.paged_mode = "decode", causal, window_left = 4 : i64} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>, tensor<32xf32>) -> (tensor<4x32x128xbf16>, tensor<32x4xf32>)
// CHECK-NEXT: attn.paged_attention %arg7, %arg8, %arg9, %arg10, %arg11, %arg12 {attn.paged_mode = "prefill", causal} : (tensor<?x8x64xf16>, tensor<?x1x1x64xf16>, tensor<?x1x1x96xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x8x96xf16>, tensor<8x?xf32>)
// CHECK-NEXT: attn.paged_attention %arg13, %arg14, %arg14, %arg15, %arg16, %arg17 {scale = 5.000000e-01 : f32} : (tensor<7x4x32xf32>, tensor<3x544x4x32xf32>, tensor<3x544x4x32xf32>, tensor<2x2xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<7x4x32xf32>
// CHECK-NEXT: return
func.func @paged_forms(%q: tensor<4x32x128xbf16>, %kc: tensor<1024x16x8x128xbf16>, %vc: tensor<1024x16x8x128xbf16>, %bt: tensor<4x64xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<32xf32>,
                       %q1: tensor<?x8x64xf16>, %kc1: tensor<?x1x1x64xf16>, %vc1: tensor<?x1x1x96xf16>, %bt1: tensor<?x?xi32>, %sl1: tensor<?xi32>, %qsl1: tensor<?xi32>,
                       %q2: tensor<7x4x32xf32>, %c2: tensor<3x544x4x32xf32>, %bt2: tensor<2x2xi32>, %sl2: tensor<2xi32>, %qsl2: tensor<3xi32>) {
  %0 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x32x128xbf16>
  %1 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>, tensor<32xf32>) -> tensor<4x32x128xbf16>
  %2:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {softcap = 30.0 : f32, window_right = 0 : i64, window_left = 16 : i64, causal, scale = 0.125 : f32} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x32x128xbf16>, tensor<32x4xf32>)
  %3:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) {causal, window_left = 4 : i64, attn.paged_mode = "decode"} : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>, tensor<32xf32>) -> (tensor<4x32x128xbf16>, tensor<32x4xf32>)
  %4:2 = attn.paged_attention %q1, %kc1, %vc1, %bt1, %sl1, %qsl1 {causal, attn.paged_mode = "prefill"} : (tensor<?x8x64xf16>, tensor<?x1x1x64xf16>, tensor<?x1x1x96xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x8x96xf16>, tensor<8x?xf32>)
  %5 = attn.paged_attention %q2, %c2, %c2, %bt2, %sl2, %qsl2 {scale = 0.5 : f32} : (tensor<7x4x32xf32>, tensor<3x544x4x32xf32>, tensor<3x544x4x32xf32>, tensor<2x2xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<7x4x32xf32>
  return
}

// Sinks on every op: alone, after alibi, with lse; dynamic sizes.
// CHECK-LABEL: func.func @sinks_forms
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 sinks(%arg3) {causal, window_left = 128 : i64} : (tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<64xf32>) -> (tensor<?x64x?x64xbf16>, tensor<?x64x?xf32>)
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 alibi(%arg4) sinks(%arg3) : (tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x?x64xbf16>
// CHECK-NEXT: attn.mha_varlen %arg5, %arg6, %arg6, %arg7, %arg7 sinks(%arg8) {causal} : (tensor<?x4x32xf16>, tensor<?x2x32xf16>, tensor<?x2x32xf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xf16>, tensor<4x?xf32>)
// CHECK-NEXT: attn.paged_attention %arg9, %arg10, %arg10, %arg11, %arg12, %arg13 alibi(%arg8) sinks(%arg8) {window_left = 3 : i64} : (tensor<?x4x32xf16>, tensor<?x16x2x32xf16>, tensor<?x16x2x32xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x32xf16>
// CHECK-NEXT: return
func.func @sinks_forms(%q: tensor<?x64x?x64xbf16>, %k: tensor<?x8x?x64xbf16>, %v: tensor<?x8x?x64xbf16>, %s: tensor<64xf32>, %a: tensor<64xf32>,
                       %q1: tensor<?x4x32xf16>, %k1: tensor<?x2x32xf16>, %c1: tensor<?xi32>, %s1: tensor<4xf32>,
                       %q2: tensor<?x4x32xf16>, %kc2: tensor<?x16x2x32xf16>, %bt2: tensor<?x?xi32>, %sl2: tensor<?xi32>, %qsl2: tensor<?xi32>) {
  %0:2 = attn.mha %q, %k, %v sinks(%s) {causal, window_left = 128 : i64} : (tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<64xf32>) -> (tensor<?x64x?x64xbf16>, tensor<?x64x?xf32>)
  %1 = attn.mha %q, %k, %v alibi(%a) sinks(%s) : (tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x?x64xbf16>
  %2:2 = attn.mha_varlen %q1, %k1, %k1, %c1, %c1 sinks(%s1) {causal} : (tensor<?x4x32xf16>, tensor<?x2x32xf16>, tensor<?x2x32xf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xf16>, tensor<4x?xf32>)
  %3 = attn.paged_attention %q2, %kc2, %kc2, %bt2, %sl2, %qsl2 alibi(%s1) sinks(%s1) {window_left = 3 : i64} : (tensor<?x4x32xf16>, tensor<?x16x2x32xf16>, tensor<?x16x2x32xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x32xf16>
  return
}
