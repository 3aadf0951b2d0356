// Round trip of dropout's run-time Philox state, `rng_state(%r)` with
// %r : tensor<2xi64> = [seed, offset], on the four ops that take dropout:
// custom form, re-parsed, and through the generic form (operandSegmentSizes
// has the rng_state group last).
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @mha
// CHECK-NEXT: %{{.*}}, %{{.*}} = attn.mha %arg0, %arg1, %arg2 alibi(%arg3) rng_state(%arg4) {causal, dropout_p = 1.000000e-01 : f32} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>, tensor<8xf32>, tensor<2xi64>) -> (tensor<2x8x17x64xbf16>, tensor<2x8x17xf32>)
// CHECK-NEXT: %{{.*}} = attn.mha_bwd %arg0, %arg1, %arg2, %{{.*}}, %{{.*}}, %{{.*}} alibi(%arg3) rng_state(%arg4) {causal, dropout_p = 1.000000e-01 : f32}
// CHECK-NEXT: %{{.*}} = attn.mha_bwd %arg0, %arg1, %arg2, %{{.*}}, %{{.*}}, %{{.*}} rng_state(%arg4) {dropout_p = 5.000000e-01 : f32} :
// GENERIC: "attn.mha"({{.*}}) <{causal, dropout_p = 1.000000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0>}>
// GENERIC: "attn.mha_bwd"({{.*}}) <{causal, dropout_p = 1.000000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1>}>
// GENERIC: "attn.mha_bwd"({{.*}}) <{dropout_p = 5.000000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1>}>
func.func @mha(%q: tensor<2x8x17x64xbf16>, %k: tensor<2x2x33x64xbf16>, %v: tensor<2x2x33x64xbf16>,
               %s: tensor<8xf32>, %r: tensor<2xi64>) -> (tensor<2x8x17x64xbf16>, tensor<2x8x17x64xbf16>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) rng_state(%r) {causal, dropout_p = 0.1 : f32} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>, tensor<8xf32>, tensor<2xi64>) -> (tensor<2x8x17x64xbf16>, tensor<2x8x17xf32>)
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %o, %l alibi(%s) rng_state(%r) {causal, dropout_p = 0.1 : f32} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x8x17x64xbf16>, tensor<2x8x17x64xbf16>, tensor<2x8x17xf32>, tensor<8xf32>, tensor<2xi64>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>)
  %a:3 = attn.mha_bwd %q, %k, %v, %o, %o, %l rng_state(%r) {dropout_p = 0.5 : f32} : (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x8x17x64xbf16>, tensor<2x8x17x64xbf16>, tensor<2x8x17xf32>, tensor<2xi64>) -> (tensor<2x8x17x64xbf16>, tensor<2x2x33x64xbf16>, tensor<2x2x33x64xbf16>)
  return %dq, %a#0 : tensor<2x8x17x64xbf16>, tensor<2x8x17x64xbf16>
}

// CHECK-LABEL: func.func @varlen
// CHECK-NEXT: %{{.*}} = attn.mha_varlen %arg0, %arg1, %arg1, %arg2, %arg2 sinks(%arg4) rng_state(%arg3) {dropout_p = 2.500000e-01 : f32} :
// CHECK-NEXT: %{{.*}} = attn.mha_varlen_bwd %arg0, %arg1, %arg1, %{{.*}}, %{{.*}}, %arg5, %arg2, %arg2 rng_state(%arg3) {dropout_p = 2.500000e-01 : f32} :
// GENERIC: "attn.mha_varlen"({{.*}}) <{dropout_p = 2.500000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0>}>
// GENERIC: "attn.mha_varlen_bwd"({{.*}}) <{dropout_p = 2.500000e-01 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 0, 1>}>
func.func @varlen(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %cu: tensor<5xi32>, %r: tensor<2xi64>,
                  %sk: tensor<8xf32>, %lse: tensor<8x?xf32>) -> tensor<?x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %k, %cu, %cu sinks(%sk) rng_state(%r) {dropout_p = 0.25 : f32} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>, tensor<2xi64>) -> tensor<?x8x64xf16>
  %g:3 = attn.mha_varlen_bwd %q, %k, %k, %o, %o, %lse, %cu, %cu rng_state(%r) {dropout_p = 0.25 : f32} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>, tensor<2xi64>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
  return %g#0 : tensor<?x8x64xf16>
}

// Generic IR written before rng_state existed (attn.mha's segments without
// the last group, and without the fp8 groups too) still parses.
// CHECK-LABEL: func.func @legacy_segments
// CHECK-NEXT: attn.mha %arg0, %arg0, %arg0 {causal} :
// CHECK-NEXT: attn.mha %arg0, %arg0, %arg0 {dropout_p = 1.000000e-01 : f32, seed = 5 : i64} :
func.func @legacy_segments(%q: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %0 = "attn.mha"(%q, %q, %q) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %1 = "attn.mha"(%q, %q, %q) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, dropout_p = 0.1 : f32, seed = 5 : i64}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0, %1 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
