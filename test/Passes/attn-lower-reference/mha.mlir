// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-lower-reference)' | FileCheck %s
// The reference lowering: loops over (batch, head, row) and the three-pass
// softmax, with the attributes' semantics spelled out as scalar arithmetic.

// CHECK-LABEL: func.func @gqa_causal_window_softcap_alibi
// CHECK-NOT:     attn.mha
// CHECK-DAG:     %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x8x?x64xbf16> to memref<2x8x?x64xbf16>
// CHECK-DAG:     %[[K:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK-DAG:     %[[S:.*]] = bufferization.to_buffer %arg3 read_only : tensor<8xf32> to memref<8xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<2x8x?x48xbf16>
// CHECK:         %[[LSE:.*]] = memref.alloc(%{{.*}}) : memref<2x8x?xf32>
// CHECK:         %[[ROW:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:         scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           scf.for %[[H:.*]] = %{{.*}} to %c8 step
// GQA 8/2: kv head = h / 4.
// CHECK:             %[[KVH:.*]] = arith.divsi %[[H]], %c4 : index
// CHECK:             scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:               memref.load %[[S]][%[[H]]]
// Pass 1: logits, running max. Scale folded as f32, softcap tanh, alibi, mask.
// CHECK:               scf.for %[[J:.*]] = {{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK:                 scf.for {{.*}} iter_args
// CHECK:                   memref.load %[[K]][%[[B]], %[[KVH]], %[[J]], %{{.*}}]
// CHECK:                   arith.extf %{{.*}} : bf16 to f32
// CHECK:                 arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK:                 arith.divf
// CHECK:                 math.tanh
// Masks compare the distance diag - j (no overflow for huge windows).
// CHECK:                 arith.subi %{{.*}}, %[[J]] : index
// CHECK:                 arith.cmpi sge, %[[DIST:.*]], %c0
// CHECK:                 arith.cmpi sle, %[[DIST]], %c9
// CHECK:                 arith.andi
// CHECK:                 %[[L:.*]] = arith.select %{{.*}}, %{{.*}}, %cst{{.*}} : f32
// CHECK:                 memref.store %[[L]], %[[ROW]][%[[J]]]
// CHECK:                 arith.maximumf
// Pass 2: exp and sum, 0 for rows whose max is -inf.
// CHECK:               arith.cmpf oeq
// CHECK:               scf.for
// CHECK:                 math.exp
// Pass 3: weighted sum of v, normalized, truncated to bf16.
// CHECK:               scf.for
// CHECK:                 scf.for
// CHECK:                 arith.truncf %{{.*}} : f32 to bf16
// CHECK:                 memref.store %{{.*}}, %[[OUT]][%[[B]], %[[H]], %[[I]], %{{.*}}]
// CHECK:               math.log
// CHECK:               memref.store %{{.*}}, %[[LSE]][%[[B]], %[[H]], %[[I]]]
// CHECK:         %[[T0:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         %[[T1:.*]] = bufferization.to_tensor %[[LSE]] restrict writable
// CHECK:         return %[[T0]], %[[T1]]
func.func @gqa_causal_window_softcap_alibi(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x48xbf16>, %s: tensor<8xf32>) -> (tensor<2x8x?x48xbf16>, tensor<2x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {causal, window_left = 9 : i64, softcap = 4.0 : f32} : (tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x48xbf16>, tensor<8xf32>) -> (tensor<2x8x?x48xbf16>, tensor<2x8x?xf32>)
  return %o, %l : tensor<2x8x?x48xbf16>, tensor<2x8x?xf32>
}

// Default scale is 1/sqrt(D) = 0.125 for D = 64; no mask arithmetic without
// mask attributes; f32 needs no conversion.
// CHECK-LABEL: func.func @plain_f32
// CHECK:         arith.constant 1.250000e-01 : f32
// CHECK-NOT:     arith.cmpi s
// CHECK-NOT:     math.tanh
// CHECK-NOT:     arith.extf
// CHECK-NOT:     arith.truncf
// CHECK:         return
func.func @plain_f32(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %o : tensor<1x4x16x64xf32>
}

// An explicit scale wins; window_right alone adds one compare.
// CHECK-LABEL: func.func @scale_window_right
// CHECK:         arith.constant 3.000000e-01 : f32
// CHECK:         arith.cmpi sge, %{{.*}}, %c-2
// CHECK-NOT:     arith.cmpi sle
// CHECK:         return
func.func @scale_window_right(%q: tensor<1x4x16x64xf16>, %k: tensor<1x4x16x64xf16>, %v: tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xf16> {
  %o = attn.mha %q, %k, %v {scale = 0.3 : f32, window_right = 2 : i64} : (tensor<1x4x16x64xf16>, tensor<1x4x16x64xf16>, tensor<1x4x16x64xf16>) -> tensor<1x4x16x64xf16>
  return %o : tensor<1x4x16x64xf16>
}
