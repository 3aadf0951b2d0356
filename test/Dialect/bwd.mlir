// Round trip of attn.mha_bwd and attn.mha_varlen_bwd (custom form, re-parsed,
// and through the generic form), and of the dropout attributes, which the
// forward ops carry too.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// CHECK-LABEL: func.func @mha_bwd
// CHECK-NEXT: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = attn.mha_bwd %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17xf32>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>)
// CHECK-NEXT: %{{.*}} = attn.mha_bwd %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 alibi(%arg6) {causal, dropout_p = 1.000000e-01 : f32, offset = 7 : i64, scale = 1.250000e-01 : f32, seed = 1234 : i64, softcap = 3.000000e+01 : f32, window_left = 16 : i64, window_right = 0 : i64} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17xf32>, tensor<8xf32>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>)
// CHECK-NEXT: return %[[DQ]], %[[DK]], %[[DV]], %{{.*}}, %{{.*}}, %{{.*}} :
func.func @mha_bwd(%q: tensor<2x8x17x64xbf16>, %k: tensor<2x2x33x64xbf16>, %v: tensor<2x2x33x32xbf16>,
                   %o: tensor<2x8x17x32xbf16>, %do: tensor<2x8x17x32xbf16>, %lse: tensor<2x8x17xf32>,
                   %s: tensor<8xf32>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17xf32>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>)
  %a:3 = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%s) {scale = 0.125 : f32, causal, window_left = 16 : i64, window_right = 0 : i64, softcap = 30.0 : f32, dropout_p = 0.1 : f32, seed = 1234 : i64, offset = 7 : i64} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17x32xbf16>, tensor<2x8x17xf32>, tensor<8xf32>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>)
  return %dq, %dk, %dv, %a#0, %a#1, %a#2 : tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>, tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x32xbf16>
}

// Dynamic batch and sequence dims, MQA, f32.
// CHECK-LABEL: func.func @mha_bwd_dynamic
// CHECK-NEXT: %{{.*}} = attn.mha_bwd %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 : (tensor<?x4x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?xf32>) -> (tensor<?x4x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x1x?x32xf32>)
func.func @mha_bwd_dynamic(%q: tensor<?x4x?x32xf32>, %k: tensor<?x1x?x32xf32>, %v: tensor<?x1x?x32xf32>,
                           %o: tensor<?x4x?x32xf32>, %do: tensor<?x4x?x32xf32>, %lse: tensor<?x4x?xf32>) -> tensor<?x1x?x32xf32> {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<?x4x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?xf32>) -> (tensor<?x4x?x32xf32>, tensor<?x1x?x32xf32>, tensor<?x1x?x32xf32>)
  return %dk : tensor<?x1x?x32xf32>
}

// CHECK-LABEL: func.func @varlen_bwd
// CHECK-NEXT: %{{.*}} = attn.mha_varlen_bwd %arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6, %arg7 {causal} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
// CHECK-NEXT: %{{.*}} = attn.mha_varlen_bwd %arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6, %arg7 alibi(%arg8) {dropout_p = 5.000000e-01 : f32, seed = 3 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
func.func @varlen_bwd(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x64xf16>,
                      %o: tensor<?x8x64xf16>, %do: tensor<?x8x64xf16>, %lse: tensor<8x?xf32>,
                      %cq: tensor<5xi32>, %ck: tensor<5xi32>, %s: tensor<8xf32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>) {
  %a:3 = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
  %b:3 = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) {dropout_p = 0.5 : f32, seed = 3 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
  return %a#0, %b#1 : tensor<?x8x64xf16>, tensor<?x2x64xf16>
}

// The forward ops take the dropout attributes.
// CHECK-LABEL: func.func @forward_dropout
// CHECK-NEXT: %{{.*}} = attn.mha %arg0, %arg1, %arg2 {dropout_p = 2.500000e-01 : f32, offset = 0 : i64, seed = 9 : i64} : (tensor<1x4x16x32xf16>, tensor<1x4x16x32xf16>, tensor<1x4x16x32xf16>) -> (tensor<1x4x16x32xf16>, tensor<1x4x16xf32>)
// CHECK-NEXT: %{{.*}} = attn.mha_varlen %arg3, %arg4, %arg4, %arg5, %arg5 {dropout_p = 0.000000e+00 : f32} : (tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<?x4x32xf16>
func.func @forward_dropout(%q: tensor<1x4x16x32xf16>, %k: tensor<1x4x16x32xf16>, %v: tensor<1x4x16x32xf16>,
                           %pq: tensor<?x4x32xf16>, %pk: tensor<?x4x32xf16>, %cu: tensor<3xi32>) -> (tensor<1x4x16x32xf16>, tensor<1x4x16xf32>, tensor<?x4x32xf16>) {
  %o, %l = attn.mha %q, %k, %v {dropout_p = 0.25 : f32, seed = 9 : i64, offset = 0 : i64} : (tensor<1x4x16x32xf16>, tensor<1x4x16x32xf16>, tensor<1x4x16x32xf16>) -> (tensor<1x4x16x32xf16>, tensor<1x4x16xf32>)
  %p = attn.mha_varlen %pq, %pk, %pk, %cu, %cu {dropout_p = 0.0 : f32} : (tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<?x4x32xf16>
  return %o, %l, %p : tensor<1x4x16x32xf16>, tensor<1x4x16xf32>, tensor<?x4x32xf16>
}
