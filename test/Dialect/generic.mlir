// The ops in MLIR's generic syntax, as outside tools write them: inherent
// attributes as properties `<{...}>` (or, accepted for compatibility, in the
// attribute dictionary), the optional alibi and sinks operands after the
// required ones, counted by `operandSegmentSizes` (one entry per operand
// group: q, k, v[, cu_seqlens_q, cu_seqlens_k | block_tables, seq_lens,
// query_start_loc], alibi_slopes, sinks), the optional lse as a 2nd result. They print back in the custom form, and
// the generic printer writes the properties form.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @mha
// CHECK-NEXT: %[[A:.*]] = attn.mha %arg0, %arg1, %arg2 {causal, window_left = 16 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[B:.*]] = attn.mha %arg0, %arg1, %arg2 {scale = 5.000000e-01 : f32, softcap = 3.000000e+01 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[C:.*]] = attn.mha %arg0, %arg1, %arg2 alibi(%arg3) : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[D:.*]], %[[DL:.*]] = attn.mha %arg0, %arg1, %arg2 {window_right = 0 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>)
// CHECK-NEXT: %[[E:.*]], %[[EL:.*]] = attn.mha %arg0, %arg1, %arg2 alibi(%arg3) {causal, scale = 1.250000e-01 : f32, softcap = 5.000000e+01 : f32, window_left = 8 : i64, window_right = 2 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>)
// CHECK-NEXT: %[[F:.*]] = attn.mha %arg0, %arg1, %arg2 : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[G:.*]] = attn.mha %arg0, %arg1, %arg2 : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[H:.*]] = attn.mha %arg0, %arg1, %arg2 {causal, window_left = 16 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: %[[I:.*]] = attn.mha %arg0, %arg1, %arg2 {attn.tag = "kept", causal} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]], %[[D]], %[[DL]], %[[E]], %[[EL]], %[[F]], %[[G]], %[[H]], %[[I]] :

// GENERIC-LABEL: sym_name = "mha"
// GENERIC-NEXT: ^bb0(%[[Q:[^:]+]]: {{[^,]+}}, %[[K:[^:]+]]: {{[^,]+}}, %[[V:[^:]+]]: {{[^,]+}}, %[[S:[^:]+]]: tensor<8xf32>):
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, window_left = 16 : i64}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 5.000000e-01 : f32, softcap = 3.000000e+01 : f32}> :
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]], %[[S]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
// GENERIC-NEXT: %{{.*}}:2 = "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, window_right = 0 : i64}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>)
// GENERIC-NEXT: %{{.*}}:2 = "attn.mha"(%[[Q]], %[[K]], %[[V]], %[[S]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 1.250000e-01 : f32, softcap = 5.000000e+01 : f32, window_left = 8 : i64, window_right = 2 : i64}> :
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> : (
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> : (
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, window_left = 16 : i64}> :
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> {attn.tag = "kept"} :
func.func @mha(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x64xf16>, %s: tensor<8xf32>)
    -> (tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16xf32>,
        tensor<2x8x16x64xf16>, tensor<2x8x16xf32>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>) {
  %a = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal, window_left = 16 : i64}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  %b = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, scale = 5.0e-01 : f32, softcap = 3.0e+01 : f32}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  // The alibi operand is the 4th operand.
  %c = "attn.mha"(%q, %k, %v, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
  // The lse is the 2nd result; an untyped integer is an i64.
  %d:2 = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, window_right = 0}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>)
  %e:2 = "attn.mha"(%q, %k, %v, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0>, window_right = 2 : i64, window_left = 8 : i64, softcap = 50.0 : f32, scale = 0.125 : f32, causal}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>)
  %f = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  %g = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  // Inherent attributes in the attribute dictionary (pre-properties syntax).
  %h = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> {causal, window_left = 16 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  // A discardable attribute (dialect-prefixed) next to the properties survives.
  %i = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> {attn.tag = "kept"} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  return %a, %b, %c, %d#0, %d#1, %e#0, %e#1, %f, %g, %h, %i : tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16xf32>,
        tensor<2x8x16x64xf16>, tensor<2x8x16xf32>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>
}

// CHECK-LABEL: func.func @varlen
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 {causal} : (tensor<?x4x32xbf16>, tensor<?x1x32xbf16>, tensor<?x1x32xbf16>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x4x32xbf16>
// CHECK-NEXT: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg4 alibi(%arg5) {scale = 2.500000e-01 : f32, window_left = 3 : i64} : (tensor<?x4x32xbf16>, tensor<?x1x32xbf16>, tensor<?x1x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xbf16>, tensor<4x?xf32>)
// CHECK-NEXT: return
// GENERIC-LABEL: sym_name = "varlen"
// GENERIC-NEXT: ^bb0(%[[Q:[^:]+]]: {{[^,]+}}, %[[K:[^:]+]]: {{[^,]+}}, %[[V:[^:]+]]: {{[^,]+}}, %[[CQ:[^:]+]]: {{[^,]+}}, %[[CK:[^:]+]]: {{[^,]+}}, %[[S:[^:]+]]: tensor<4xf32>):
// GENERIC-NEXT: "attn.mha_varlen"(%[[Q]], %[[K]], %[[V]], %[[CQ]], %[[CK]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> :
// GENERIC-NEXT: %{{.*}}:2 = "attn.mha_varlen"(%[[Q]], %[[K]], %[[V]], %[[CQ]], %[[CK]], %[[S]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 2.500000e-01 : f32, window_left = 3 : i64}> :
func.func @varlen(%q: tensor<?x4x32xbf16>, %k: tensor<?x1x32xbf16>, %v: tensor<?x1x32xbf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<4xf32>)
    -> (tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<4x?xf32>) {
  %a = "attn.mha_varlen"(%q, %k, %v, %cq, %ck) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<?x4x32xbf16>, tensor<?x1x32xbf16>, tensor<?x1x32xbf16>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x4x32xbf16>
  %b:2 = "attn.mha_varlen"(%q, %k, %v, %cq, %ck, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0>, scale = 2.5e-01 : f32, window_left = 3 : i64}> : (tensor<?x4x32xbf16>, tensor<?x1x32xbf16>, tensor<?x1x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xbf16>, tensor<4x?xf32>)
  return %a, %b#0, %b#1 : tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<4x?xf32>
}

// A module written entirely in the generic form (as --mlir-print-op-generic
// or an outside generator emits it).
// CHECK-LABEL: func.func @all_generic
// CHECK-NEXT: %[[O:.*]], %[[L:.*]] = attn.mha %arg0, %arg0, %arg0 {causal} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3xf32>)
// CHECK-NEXT: return %[[O]], %[[L]] :
"func.func"() <{function_type = (tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3xf32>), sym_name = "all_generic"}> ({
^bb0(%x: tensor<1x2x3x4xf32>):
  %0:2 = "attn.mha"(%x, %x, %x) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3xf32>)
  "func.return"(%0#0, %0#1) : (tensor<1x2x3x4xf32>, tensor<1x2x3xf32>) -> ()
}) : () -> ()

// attn.paged_attention: alibi is the 7th operand, lse the 2nd result.
// CHECK-LABEL: func.func @paged
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 {causal} : (tensor<3x8x64xf16>, tensor<10x16x2x64xf16>, tensor<10x16x2x64xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x8x64xf16>
// CHECK-NEXT: attn.paged_attention %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 alibi(%arg6) {window_left = 7 : i64} : (tensor<3x8x64xf16>, tensor<10x16x2x64xf16>, tensor<10x16x2x64xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>, tensor<8xf32>) -> (tensor<3x8x64xf16>, tensor<8x3xf32>)
// CHECK-NEXT: return
// GENERIC-LABEL: sym_name = "paged"
// GENERIC-NEXT: ^bb0(%[[Q:[^:]+]]: {{[^,]+}}, %[[K:[^:]+]]: {{[^,]+}}, %[[V:[^:]+]]: {{[^,]+}}, %[[BT:[^:]+]]: {{[^,]+}}, %[[SL:[^:]+]]: {{[^,]+}}, %[[QSL:[^:]+]]: {{[^,]+}}, %[[S:[^:]+]]: tensor<8xf32>):
// GENERIC-NEXT: "attn.paged_attention"(%[[Q]], %[[K]], %[[V]], %[[BT]], %[[SL]], %[[QSL]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0, 0>}> :
// GENERIC-NEXT: %{{.*}}:2 = "attn.paged_attention"(%[[Q]], %[[K]], %[[V]], %[[BT]], %[[SL]], %[[QSL]], %[[S]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0, 0>, window_left = 7 : i64}> :
func.func @paged(%q: tensor<3x8x64xf16>, %kc: tensor<10x16x2x64xf16>, %vc: tensor<10x16x2x64xf16>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>, %s: tensor<8xf32>)
    -> (tensor<3x8x64xf16>, tensor<3x8x64xf16>, tensor<8x3xf32>) {
  %a = "attn.paged_attention"(%q, %kc, %vc, %bt, %sl, %qsl) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>, causal}> : (tensor<3x8x64xf16>, tensor<10x16x2x64xf16>, tensor<10x16x2x64xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x8x64xf16>
  %b:2 = "attn.paged_attention"(%q, %kc, %vc, %bt, %sl, %qsl, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0>}> {window_left = 7 : i64} : (tensor<3x8x64xf16>, tensor<10x16x2x64xf16>, tensor<10x16x2x64xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>, tensor<8xf32>) -> (tensor<3x8x64xf16>, tensor<8x3xf32>)
  return %a, %b#0, %b#1 : tensor<3x8x64xf16>, tensor<3x8x64xf16>, tensor<8x3xf32>
}

// Sinks (attention sinks): the operand group after alibi_slopes, with or
// without alibi; in the custom form `sinks(...)` after `alibi(...)`.
// CHECK-LABEL: func.func @sinks
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 sinks(%arg3) {causal} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: attn.mha %arg0, %arg1, %arg2 alibi(%arg4) sinks(%arg3) : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
// CHECK-NEXT: return
// GENERIC-LABEL: sym_name = "sinks"
// GENERIC-NEXT: ^bb0(%[[Q:[^:]+]]: {{[^,]+}}, %[[K:[^:]+]]: {{[^,]+}}, %[[V:[^:]+]]: {{[^,]+}}, %[[S:[^:]+]]: tensor<8xf32>, %[[A:[^:]+]]: tensor<8xf32>):
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]], %[[S]]) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> :
// GENERIC-NEXT: "attn.mha"(%[[Q]], %[[K]], %[[V]], %[[A]], %[[S]]) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0>}> :
func.func @sinks(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x64xf16>, %s: tensor<8xf32>, %a: tensor<8xf32>)
    -> (tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>) {
  %0 = "attn.mha"(%q, %k, %v, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0, 0>, causal}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
  %1 = "attn.mha"(%q, %k, %v, %a, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
  return %0, %1 : tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>
}
